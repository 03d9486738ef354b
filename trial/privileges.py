"""What the application's database role may do, kept in step with the models after each migrate.

The owner role (DATABASE_OWNER_URL) owns every table and runs the migrations; the application's
role (DATABASE_URL) owns nothing and gets, per table:

* audit tables (pghistory event tables, e-signatures and query messages, which triggers make
  append-only): SELECT, INSERT;
* the context table (pghistory_context: who, URL and reason of every event): SELECT, INSERT and
  UPDATE, because pghistory upserts the row of a live request or service block (the freeze
  trigger of trial/audit_guards.py refuses any update once that block's transaction is over);
* clinical tables (rows that are voided, never deleted: a trigger refuses DELETE): SELECT,
  INSERT, UPDATE;
* the audit hash chain (trial/audit_chain.py; written by the database as the owner): SELECT;
* every other table (sessions, sign-in attempts, tokens, reminders, memberships, ...): SELECT,
  INSERT, UPDATE, DELETE; `django_migrations`: SELECT.

Never TRUNCATE, REFERENCES or TRIGGER, and no CREATE on the schema. `sync_privileges` runs at
the end of every `migrate` (post_migrate) as the owner, inside one transaction: other sessions
see the old grants until it commits, never none.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pghistory.models
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from psycopg import sql

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
AUDIT = ("SELECT", "INSERT")
CONTEXT = ("SELECT", "INSERT", "UPDATE")
CLINICAL = ("SELECT", "INSERT", "UPDATE")
OTHER = ("SELECT", "INSERT", "UPDATE", "DELETE")
CHAIN = ("SELECT",)
CHAIN_TABLES = ("trial_auditchainhead", "trial_auditlink")


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Run the block on a connection as the owner role (DATABASE_OWNER_URL), same database."""
    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    current = {key: connection.settings_dict.get(key) or "" for key in CREDENTIALS}
    if alias != "default" or current == owner:
        yield
        return
    _disconnect(connection)
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        _disconnect(connection)
        connection.settings_dict.update(current)


def _disconnect(connection) -> None:
    """Close the connection; with a pool, the pool too: it would hand back a connection of
    the role it was opened as, whatever the settings now say."""
    connection.close()
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        connection.close_pool()


def _protected_operations(model) -> set[str]:
    """Operations a pgtrigger Protect trigger of the model refuses (UPDATE, DELETE)."""
    refused = set()
    for trigger in getattr(model._meta, "triggers", ()):
        if isinstance(trigger, pgtrigger.Protect):
            refused |= {op for op in ("UPDATE", "DELETE") if op in str(trigger.operation)}
    return refused


@dataclass
class TableClasses:
    # Audit tables; `events` are those of them that are pghistory event tables.
    audit: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    clinical: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def table_classes() -> TableClasses:
    """Every table of the installed models, by what the application may do with it."""
    classes = TableClasses()
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        refused = _protected_operations(model)
        if meta.db_table in CHAIN_TABLES:
            classes.chain.append(meta.db_table)
        elif issubclass(model, pghistory.models.Context):
            classes.context.append(meta.db_table)
        elif issubclass(model, pghistory.models.Event):
            classes.audit.append(meta.db_table)
            classes.events.append(meta.db_table)
        elif refused >= {"UPDATE", "DELETE"}:
            classes.audit.append(meta.db_table)
        elif "DELETE" in refused:
            classes.clinical.append(meta.db_table)
        else:
            classes.other.append(meta.db_table)
    for names in vars(classes).values():
        names.sort()
    return classes


def _grant(cursor, privileges: tuple[str, ...], tables: list[str], role: str) -> None:
    if not tables:
        return
    cursor.execute(
        sql.SQL("GRANT {} ON TABLE {} TO {}")
        .format(
            sql.SQL(", ").join(sql.SQL(p) for p in privileges),
            sql.SQL(", ").join(sql.Identifier(t) for t in tables),
            sql.Identifier(role),
        )
        .as_string()
    )


def sync_privileges(*, using: str = "default", role: str | None = None) -> bool:
    """Grant the application's role exactly its privileges on this database.

    Returns False (nothing to do) when the application connects as the owner itself, as on a
    developer's server with a single superuser.
    """
    connection = connections[using]
    role = role or settings.DATABASE_APPLICATION_ROLE
    classes = table_classes()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role]
        )
        current_user, exists = cursor.fetchone()
        if role == current_user or not exists:
            return False
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
            [[t for names in vars(classes).values() for t in names] + ["django_migrations"]],
        )
        existing = {row[0] for row in cursor.fetchall()}
        ident = sql.Identifier(role)
        for statement in (
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}",
            "REVOKE CREATE ON SCHEMA public FROM {}",
            "GRANT USAGE ON SCHEMA public TO {}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
        ):
            cursor.execute(sql.SQL(statement).format(ident).as_string())
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for privileges, tables in (
            (AUDIT, classes.audit),
            (CONTEXT, classes.context),
            (CLINICAL, classes.clinical),
            (CHAIN, classes.chain),
            (OTHER, classes.other),
            (("SELECT",), ["django_migrations"]),
        ):
            _grant(cursor, privileges, [t for t in tables if t in existing], role)
    return True
