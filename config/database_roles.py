"""The two database roles: the owner (runs migrations, owns every table) and the application's
role (owns nothing; what it may do is granted after each migrate by trial/privileges.py).

The application connects as a role that cannot TRUNCATE, cannot disable or drop triggers and is
not a superuser (so it cannot set session_replication_role): the audit trail's protections are
out of its reach. `ensure_roles` creates both roles and the database idempotently, given a
connection with the right to create roles (the embedded server's superuser, CI's `postgres`);
`manage.py db_roles` calls it for CI and for operators.

This module runs before Django's database is usable (the embedded server calls it), so it uses
psycopg directly.
"""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Roles:
    database: str
    owner: str
    application: str
    owner_password: str = ""
    application_password: str = ""


def user_of(database_url: str) -> str:
    """The user name in a postgresql:// URL ('' when it has none)."""
    return unquote(urlsplit(database_url).username or "")


def _create_or_alter_role(conn, name: str, password: str, *, createdb: bool) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
    # Never superuser, never able to create roles or bypass row security: only the owner may
    # create (test) databases.
    options = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
        + ("CREATEDB" if createdb else "NOCREATEDB")
    )
    verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
    conn.execute(sql.SQL("{} {} {}").format(verb, sql.Identifier(name), options))
    if password:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
        )


def _adopt(conn, owner: str) -> None:
    """Give the owner role what an earlier set-up left to another role (the database used to be
    run as `postgres`): tables, sequences, views and functions of the public schema."""
    conn.execute(
        sql.SQL(
            """
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN
                SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                  AND pg_get_userbyid(c.relowner) <> {owner_text}
                  -- identity/serial sequences follow their table
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                                  AND d.deptype IN ('a', 'i') AND c.relkind = 'S')
              LOOP
                EXECUTE format('ALTER %s %s OWNER TO %I',
                  CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                    WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.name, {owner_text});
              END LOOP;
              FOR r IN
                SELECT p.oid::regprocedure AS name FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> {owner_text}
              LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.name, {owner_text});
              END LOOP;
            END $$;
            """
        ).format(owner_text=sql.Literal(owner))
    )


def roles_in_place(admin_conninfo: str, roles: Roles) -> bool:
    """True when both roles exist and the database exists and belongs to the owner."""
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s) AND NOT rolsuper",
            [roles.owner, roles.application],
        ).fetchone()[0]
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            [roles.database],
        ).fetchone()
    return found == 2 and owner is not None and owner[0] == roles.owner


def ensure_roles(admin_conninfo: str, roles: Roles) -> None:
    """Create (or correct) both roles and the database, owned by the owner role.

    `admin_conninfo` connects, as a role that may create roles and databases, to any database
    of the cluster (usually `postgres`). Safe to run again: it changes only what differs.
    """
    if roles.owner == roles.application:
        raise ValueError("the owner and the application must be two different roles")
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        _create_or_alter_role(conn, roles.owner, roles.owner_password, createdb=True)
        _create_or_alter_role(conn, roles.application, roles.application_password, createdb=False)
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            [roles.database],
        ).fetchone()
        if row is None:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(roles.database), sql.Identifier(roles.owner)
                )
            )
        elif row[0] != roles.owner:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(roles.database), sql.Identifier(roles.owner)
                )
            )
    target = psycopg.conninfo.make_conninfo(admin_conninfo, dbname=roles.database)
    with psycopg.connect(target, autocommit=True) as conn:
        _adopt(conn, roles.owner)
