"""Bulk loads end with ANALYZE of the tables they wrote (issue 22).

Without planner statistics PostgreSQL guesses: after the large seed, with autovacuum off, the
monitor's AE list spent 334 of 375 ms in SQL on a plan that expected 22 rows of 20,102 (164 ms
after ANALYZE). Autovacuum analyses a table some time after enough of it changed; a bulk load
should not leave the next pages to run on guesses until then, nor depend on autovacuum being
on (docs/operations.md asks operators to keep it on all the same).

`bulk_load()` runs its block in one transaction, reads which tables the block wrote
(pg_stat_xact_user_tables at its start and its end, before it commits), and once it has
committed ANALYZEs them and the audit hash chain's tables (written by a deferred trigger at
the commit itself). Only a table's owner may ANALYZE it (PostgreSQL 15): that is done as the
owner role (DATABASE_OWNER_URL, trial.privileges.as_owner); a table the connected role does
not own is skipped and reported.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.db import connections, transaction
from psycopg import sql

from trial.privileges import CHAIN_TABLES, as_owner


@dataclass
class Analyzed:
    tables: list[str] = field(default_factory=list)  # analysed
    skipped: list[str] = field(default_factory=list)  # written, but not the role's to analyse

    def __str__(self) -> str:
        text = f"ANALYZE of {len(self.tables)} table(s) written"
        if self.skipped:
            text += f"; skipped (not owned by this role): {', '.join(self.skipped)}"
        return text


def write_counts(using: str = "default") -> dict[str, int]:
    """Rows inserted, updated or deleted per table of the current schema, as this session's
    statistics count them: the current transaction's, plus earlier ones not yet reported
    (PostgreSQL reports them when the session is idle, never inside a transaction), so the
    difference of two readings in one transaction is exactly what happened in between."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE schemaname = current_schema()"
        )
        return dict(cursor.fetchall())


def tables_written(since: dict[str, int], using: str = "default") -> list[str]:
    """The tables written since the reading `since` (taken in the same transaction)."""
    return sorted(name for name, count in write_counts(using).items() if count > since.get(name, 0))


def analyze(tables: Iterable[str], using: str = "default") -> Analyzed:
    """ANALYZE `tables` (of the current schema), as the owner unless already in a
    transaction (then as the connected role, which may not own them)."""
    connection = connections[using]
    wanted = sorted(set(tables))
    result = Analyzed()
    if not wanted:
        return result
    switch = nullcontext() if connection.in_atomic_block else as_owner(using)
    with switch, connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_has_role(c.relowner, 'USAGE') FROM pg_class c "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s) ORDER BY c.relname",
            [wanted],
        )
        for name, owned in cursor.fetchall():
            if not owned:
                result.skipped.append(name)
                continue
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)).as_string())
            result.tables.append(name)
    return result


@contextmanager
def bulk_load(using: str = "default") -> Iterator[Analyzed]:
    """The block in one transaction, then ANALYZE of what it wrote; the yielded Analyzed is
    filled in once the block has committed."""
    result = Analyzed()
    with transaction.atomic(using=using):
        before = write_counts(using)
        yield result
        written = tables_written(before, using)
    if written:
        done = analyze([*written, *CHAIN_TABLES], using)
        result.tables, result.skipped = done.tables, done.skipped
