"""Tamper evidence: every audit event is a link of one hash chain, which `verify` recomputes.

The guards (trial/audit_guards.py) stop the application's role; the owner and a superuser can
still disable triggers and edit rows. What they cannot do without trace is edit, delete or add
an event afterwards: each event, when its transaction commits, gets a link in `trial_auditlink`

    hash = sha256(previous hash ":" seq ":" digest(event))

where the digest covers the event row (the columns it had then, listed in the link) and its
context row's id, creation time and metadata (who, URL, reason). Links are written by a
deferred constraint trigger at commit time under a row lock on the chain head
(`trial_auditchainhead`), so concurrent transactions are linked one after the other, in commit
order, and the lock is held only for the commit itself (no lock-order deadlock with the rows the
transaction wrote). The head is written once per transaction, at its last link: a statement
trigger counts the events each statement writes (`ecrf.audit_unlinked`, local to the
transaction and undone with a rolled-back savepoint), each link takes one off, and the link that
brings it to none moves the head. Updating the head at every link made a transaction of n events
cost n² (each read of a row updated in the same transaction walks all its versions): 2,200
subjects seeded in one transaction spent 10 minutes in their COMMIT. The linking function runs
as the owner (SECURITY DEFINER): the application's role may only read the chain.

`verify` recomputes every digest and hash in the database and names the first broken link: an
event changed, an event missing, a link missing or rewritten, an event with no link (written
with the chain's trigger off), or a head that does not match the last link (links removed from
the end). The owner could still rewrite the whole chain from the first edited link on; the head
hash the daily check mails to the administrators (followup.tasks.verify_audit_trail) is the
copy outside the database to compare against.
"""

from dataclasses import dataclass

from django.db import connections, transaction
from psycopg import sql

ZERO_HASH = "0" * 64

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION ecrf_audit_digest(event_table text, event_id bigint, cols text[])
RETURNS text LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  r jsonb;
  ctx jsonb;
BEGIN
  EXECUTE format('SELECT to_jsonb(e) FROM %I e WHERE pgh_id = $1', event_table)
    INTO r USING event_id;
  IF r IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) INTO r
    FROM jsonb_each(r) WHERE key = ANY(cols);
  SELECT jsonb_build_object('id', c.id, 'created_at', c.created_at, 'metadata', c.metadata)
    INTO ctx FROM pghistory_context c WHERE c.id = (r->>'pgh_context_id')::uuid;
  RETURN encode(sha256(convert_to(
    jsonb_build_object('table', event_table, 'row', r, 'context', ctx)::text, 'UTF8')), 'hex');
END $$;

CREATE OR REPLACE FUNCTION ecrf_audit_link_hash(prev_hash text, seq bigint, digest text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(prev_hash || ':' || seq::text || ':' || digest, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION ecrf_audit_unlinked() RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('ecrf.audit_unlinked', true), ''), '0')::bigint
$$;

CREATE OR REPLACE FUNCTION ecrf_audit_count() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  added bigint;
BEGIN
  SELECT count(*) INTO added FROM new_events;
  PERFORM set_config('ecrf.audit_unlinked', (ecrf_audit_unlinked() + added)::text, true);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ecrf_audit_append(event_table text, event_id bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head record;
  last record;
  cols text[];
  digest text;
  prev_seq bigint;
  prev_hash text;
  next_seq bigint;
  next_hash text;
  remaining bigint;
BEGIN
  INSERT INTO trial_auditchainhead (id, last_seq, hash, updated_at)
    VALUES (1, 0, repeat('0', 64), clock_timestamp()) ON CONFLICT (id) DO NOTHING;
  SELECT * INTO head FROM trial_auditchainhead WHERE id = 1 FOR UPDATE;
  -- Links past the head are this transaction's own (it holds the head's lock): the head is
  -- written once, at the transaction's last link, not at each (a row updated n times in one
  -- transaction costs n^2: every read walks its versions).
  SELECT seq, hash INTO last FROM trial_auditlink WHERE seq > head.last_seq
    ORDER BY seq DESC LIMIT 1;
  IF FOUND THEN
    prev_seq := last.seq;
    prev_hash := last.hash;
  ELSE
    prev_seq := head.last_seq;
    prev_hash := head.hash;
  END IF;
  EXECUTE format(
    'SELECT array_agg(k ORDER BY k) FROM %I e, jsonb_object_keys(to_jsonb(e)) k WHERE pgh_id = $1',
    event_table) INTO cols USING event_id;
  digest := ecrf_audit_digest(event_table, event_id, cols);
  IF digest IS NOT NULL THEN  -- NULL: written and removed in the same transaction
    next_seq := prev_seq + 1;
    next_hash := ecrf_audit_link_hash(prev_hash, next_seq, digest);
    INSERT INTO trial_auditlink (seq, event_table, event_id, columns, prev_hash, hash, linked_at)
      VALUES (next_seq, event_table, event_id, cols, prev_hash, next_hash, clock_timestamp());
    prev_seq := next_seq;
    prev_hash := next_hash;
  END IF;
  -- The events still to link in this transaction (counted as they were written; a savepoint
  -- rolled back takes back its count with its events). At none, the head moves to the last
  -- link. Should the count ever be wrong, the head lags and `verify` says so.
  remaining := ecrf_audit_unlinked() - 1;
  PERFORM set_config('ecrf.audit_unlinked', remaining::text, true);
  IF remaining <= 0 AND prev_seq <> head.last_seq THEN
    UPDATE trial_auditchainhead SET last_seq = prev_seq, hash = prev_hash,
      updated_at = clock_timestamp() WHERE id = 1;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION ecrf_audit_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM ecrf_audit_append(TG_TABLE_NAME::text, NEW.pgh_id);
  RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION ecrf_audit_append(text, bigint) FROM PUBLIC;
"""

LINK_TRIGGER = "audit_chain_link"
COUNT_TRIGGER = "audit_chain_count"


def install_chain(cursor, event_tables: list[str]) -> None:
    """Create or replace the chain's functions and its linking trigger on each event table."""
    cursor.execute(FUNCTIONS)
    for table in event_tables:
        # PostgreSQL cannot CREATE OR REPLACE a constraint trigger: drop and create, in the
        # caller's transaction (no moment without it for other sessions).
        cursor.execute(
            sql.SQL(
                "DROP TRIGGER IF EXISTS {trigger} ON {table}; "
                "CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ecrf_audit_link()"
            )
            .format(trigger=sql.Identifier(LINK_TRIGGER), table=sql.Identifier(table))
            .as_string()
        )
        cursor.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {trigger} AFTER INSERT ON {table} "
                "REFERENCING NEW TABLE AS new_events "
                "FOR EACH STATEMENT EXECUTE FUNCTION ecrf_audit_count()"
            )
            .format(trigger=sql.Identifier(COUNT_TRIGGER), table=sql.Identifier(table))
            .as_string()
        )


def link_existing_events(cursor, event_tables: list[str]) -> int:
    """Link the events written before the chain existed, oldest first (run once, by the
    migration that creates the chain)."""
    events = []
    for table in event_tables:
        cursor.execute(
            sql.SQL("SELECT pgh_created_at, pgh_id FROM {}")
            .format(sql.Identifier(table))
            .as_string()
        )
        events.extend((created, table, pk) for created, pk in cursor.fetchall())
    for _created, table, pk in sorted(events):
        cursor.execute("SELECT ecrf_audit_append(%s, %s)", [table, pk])
    return len(events)


@dataclass(frozen=True)
class Verification:
    links: int
    head_hash: str
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def verify(*, using: str = "default", event_tables: list[str] | None = None) -> Verification:
    """Recompute the chain; the first problem found, oldest link first."""
    from trial.privileges import table_classes

    if event_tables is None:
        event_tables = table_classes().events
    connection = connections[using]
    ours = not connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if ours:
            # One snapshot for the whole check: links and events seen at the same instant.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(
            "SELECT coalesce((SELECT last_seq FROM trial_auditchainhead), 0), "
            "coalesce((SELECT hash FROM trial_auditchainhead), %s)",
            [ZERO_HASH],
        )
        head_seq, head_hash = cursor.fetchone()
        cursor.execute(
            """
            WITH checked AS (
              SELECT seq, event_table, event_id, prev_hash, hash,
                     lag(seq) OVER w AS before_seq,
                     lag(hash) OVER w AS before_hash,
                     ecrf_audit_digest(event_table, event_id, columns) AS digest
              FROM trial_auditlink WINDOW w AS (ORDER BY seq)
            )
            SELECT seq, event_table, event_id,
              CASE
                WHEN seq <> coalesce(before_seq, 0) + 1 THEN 'gap'
                WHEN prev_hash <> coalesce(before_hash, %s) THEN 'prev'
                WHEN digest IS NULL THEN 'missing'
                WHEN hash <> ecrf_audit_link_hash(prev_hash, seq, digest) THEN 'changed'
              END AS problem,
              before_seq
            FROM checked
            WHERE seq <> coalesce(before_seq, 0) + 1
               OR prev_hash <> coalesce(before_hash, %s)
               OR digest IS NULL
               OR hash <> ecrf_audit_link_hash(prev_hash, seq, digest)
            ORDER BY seq LIMIT 1
            """,
            [ZERO_HASH, ZERO_HASH],
        )
        broken = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), coalesce(max(seq), 0), "
            "coalesce((SELECT hash FROM trial_auditlink ORDER BY seq DESC LIMIT 1), %s) "
            "FROM trial_auditlink",
            [ZERO_HASH],
        )
        count, last_seq, last_hash = cursor.fetchone()
        if broken:
            seq, table, event_id, kind, before_seq = broken
            where = f"link {seq} ({table} event {event_id})"
            if kind == "prev" and before_seq is None:
                kind = "first"
            problem = {
                "first": f"{where} does not start from the zero hash: the chain was rewritten",
                "gap": f"links {(before_seq or 0) + 1}..{seq - 1} are missing before {where}",
                "prev": f"{where} does not follow link {before_seq}: a link was removed or "
                "rewritten",
                "missing": f"{where}: the event is missing (deleted)",
                "changed": f"{where}: the event or its context was changed after it was written",
            }[kind]
            return Verification(links=count, head_hash=head_hash, problem=problem)
        if (last_seq, last_hash) != (head_seq, head_hash):
            return Verification(
                links=count,
                head_hash=head_hash,
                problem=f"the chain head is at link {head_seq} but the last link is {last_seq}: "
                "links were removed from the end",
            )
        for table in event_tables:
            cursor.execute(
                sql.SQL(
                    "SELECT e.pgh_id FROM {} e WHERE NOT EXISTS (SELECT 1 FROM trial_auditlink l "
                    "WHERE l.event_table = %s AND l.event_id = e.pgh_id) ORDER BY e.pgh_id LIMIT 1"
                )
                .format(sql.Identifier(table))
                .as_string(),
                [table],
            )
            unlinked = cursor.fetchone()
            if unlinked:
                return Verification(
                    links=count,
                    head_hash=head_hash,
                    problem=f"{table} event {unlinked[0]} has no link: it was written with the "
                    "chain's trigger off",
                )
    return Verification(links=count, head_hash=head_hash)
