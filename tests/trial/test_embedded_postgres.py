"""The embedded PostgreSQL a newcomer gets without DATABASE_URL really starts and answers."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import psycopg
from config import embedded_postgres
embedded_postgres.ensure_server()
with psycopg.connect(embedded_postgres.database_url()) as conn:
    print(conn.execute("select current_database(), version()").fetchone())
    print(conn.execute(
        "select current_user, rolsuper, pg_get_userbyid(d.datdba) from pg_roles, pg_database d"
        " where rolname = current_user and d.datname = current_database()"
    ).fetchone())
with psycopg.connect(embedded_postgres.owner_url()) as conn:
    print(conn.execute("select current_user, rolsuper from pg_roles where rolname = current_user"
    ).fetchone())
"""


def test_embedded_server_starts_creates_the_roles_and_database_and_answers(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL")}
    env["ECRF_EMBEDDED_PGDATA"] = str(tmp_path / "pgdata")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "('ecrf', 'PostgreSQL 16" in result.stdout
    # Two roles, neither a superuser: the application's connects, the owner owns the database.
    assert "('ecrf_app', False, 'ecrf_owner')" in result.stdout
    assert "('ecrf_owner', False)" in result.stdout
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()
