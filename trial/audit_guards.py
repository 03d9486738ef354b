"""Append-only protections that the application's database role cannot switch off.

django-pgtrigger's triggers (pghistory's event triggers, the append-only and no-delete Protect
triggers) all begin by reading the `pgtrigger.ignore` setting, which any role may set: with
it, the application's role could update or delete audit events and signatures, delete a
subject, or update an AE with no audit event. The triggers installed here are plain PL/pgSQL,
owned by the owner role, and read no setting the application can use:

* `protect_audit_append_only` (audit tables: pghistory event tables, e-signatures, query
  messages): BEFORE UPDATE OR DELETE, always refused;
* `protect_no_hard_delete` (clinical tables): BEFORE DELETE, always refused;
* `protect_no_trigger_ignore` (every table that carries a pgtrigger trigger): BEFORE INSERT,
  UPDATE or DELETE, refused while `pgtrigger.ignore` names anything, so no write can skip its
  audit event or protection (the product never uses pgtrigger.ignore);
* `protect_context_frozen` (pghistory_context): a context row may be updated only by the
  transaction that created it (see below); never deleted;
* `protect_no_truncate` (audit, context and clinical tables): BEFORE TRUNCATE, refused.

Context rows. pghistory upserts the context row of the live block (request or
`audit_context`) at each audited statement: INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE
metadata changed. The row's `created_at` is NOW() of the transaction that inserted it, and NOW()
is the start of the current transaction, so `OLD.created_at = now()` holds in the inserting
transaction only: a later transaction (a later request, a later statement of a request that
spans transactions, or anyone editing the trail) started after the row was created. Inside its
own transaction the block may merge metadata into its row; once that transaction has ended the
row is frozen. A request that spans several transactions still works: its metadata does not
change, so pghistory's upsert updates nothing.

TRUNCATE stays possible for the tables' owner (or a superuser) who first sets
`ecrf.allow_truncate` to `on` in the same transaction: Django's test runner does, to empty the
test database between tests (tests/conftest.py). The owner can drop these triggers anyway; what
protects the trail against the owner is the hash chain (trial/audit_chain.py).

`install_guards` runs after every migrate (trial/apps.py), so tables added by later migrations
are covered without anyone listing them.
"""

from django.db import connections, transaction
from psycopg import sql

from trial import audit_chain
from trial.privileges import table_classes

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION ecrf_refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'Cannot update or delete rows of %: the audit trail is append-only', TG_TABLE_NAME
    USING HINT = 'Audit events, signatures and query messages are never edited.';
END $$;

CREATE OR REPLACE FUNCTION ecrf_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'Cannot delete rows of %: clinical records are voided with a reason',
    TG_TABLE_NAME;
END $$;

CREATE OR REPLACE FUNCTION ecrf_refuse_trigger_ignore() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('pgtrigger.ignore', true), '') NOT IN ('', '{}') THEN
    RAISE EXCEPTION 'Cannot % % while pgtrigger.ignore is set: audit triggers are never skipped',
      TG_OP, TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ecrf_context_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'Cannot delete rows of %: the audit context is append-only', TG_TABLE_NAME;
  END IF;
  IF OLD.created_at IS DISTINCT FROM now() THEN
    RAISE EXCEPTION 'Cannot update audit context %: its request or service block has ended', OLD.id;
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'Cannot change the id or creation time of audit context %', OLD.id;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION ecrf_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('ecrf.allow_truncate', true) = 'on' AND pg_has_role(
      (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'Cannot truncate %: the audit trail and clinical records are kept', TG_TABLE_NAME;
END $$;
"""

# (trigger name, timing and events, level, function) per class of table.
AUDIT_TRIGGERS = [
    ("protect_audit_append_only", "BEFORE UPDATE OR DELETE", "ROW", "ecrf_refuse_audit_change"),
    ("protect_no_truncate", "BEFORE TRUNCATE", "STATEMENT", "ecrf_refuse_truncate"),
]
CLINICAL_TRIGGERS = [
    ("protect_no_hard_delete", "BEFORE DELETE", "ROW", "ecrf_refuse_delete"),
    ("protect_no_truncate", "BEFORE TRUNCATE", "STATEMENT", "ecrf_refuse_truncate"),
]
CONTEXT_TRIGGERS = [
    ("protect_context_frozen", "BEFORE UPDATE OR DELETE", "ROW", "ecrf_context_frozen"),
    ("protect_no_truncate", "BEFORE TRUNCATE", "STATEMENT", "ecrf_refuse_truncate"),
]
IGNORE_TRIGGER = (
    "protect_no_trigger_ignore",
    "BEFORE INSERT OR UPDATE OR DELETE",
    "STATEMENT",
    "ecrf_refuse_trigger_ignore",
)


def planned_guards() -> dict[str, list[tuple[str, str, str, str]]]:
    """The guard triggers each table gets, without the catalog-dependent pgtrigger guard."""
    classes = table_classes()
    plan: dict[str, list] = {}
    chain_links = [t for t in classes.chain if t == "trial_auditlink"]
    chain_head = [t for t in classes.chain if t != "trial_auditlink"]
    for tables, triggers in (
        (classes.audit + chain_links, AUDIT_TRIGGERS),
        (classes.clinical + chain_head, CLINICAL_TRIGGERS),
        (classes.context, CONTEXT_TRIGGERS),
    ):
        for table in tables:
            plan.setdefault(table, []).extend(triggers)
    return plan


def install_guards(*, using: str = "default") -> int:
    """Create or replace every guard trigger and the hash chain's linking triggers; returns how
    many guards were installed."""
    connection = connections[using]
    plan = planned_guards()
    event_tables = table_classes().events
    installed = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        existing = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger\\_%%' AND NOT t.tgisinternal"
        )
        for (table,) in cursor.fetchall():
            plan.setdefault(table, []).append(IGNORE_TRIGGER)
        for table, triggers in sorted(plan.items()):
            if table not in existing:
                continue
            for name, fired_on, level, function in triggers:
                cursor.execute(
                    sql.SQL(
                        "CREATE OR REPLACE TRIGGER {} "
                        + fired_on
                        + " ON {} FOR EACH "
                        + level
                        + " EXECUTE FUNCTION {}()"
                    )
                    .format(sql.Identifier(name), sql.Identifier(table), sql.Identifier(function))
                    .as_string()
                )
                installed += 1
        audit_chain.install_chain(cursor, [t for t in event_tables if t in existing])
    return installed
