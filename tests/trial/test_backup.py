"""Backup and restore (docs/operations.md): pg_dump of the data, restore into a new database,
the audit trail intact and still append-only."""

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from review.subjects import subject_update
from tests.screening.factories import register_subject


def _server_major(params) -> int:
    with connection.cursor() as cursor:
        cursor.execute("show server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _client_major(tool) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return int(out.split()[-1].split(".")[0])


@pytest.mark.django_db(transaction=True)
def test_dump_and_restore_keeps_data_and_audit_trail(study, site_a, coordinator_a, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed on this machine")
    params = connection.get_connection_params()
    if _client_major("pg_dump") < _server_major(params):
        pytest.skip("pg_dump is older than the server (embedded PostgreSQL 16)")
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    subject_update(subject=subject, by=coordinator_a, reason="Source verified", sex="F")
    base = ["-h", params.get("host") or "localhost", "-U", params.get("user") or "postgres"]
    if params.get("port"):
        base += ["-p", str(params["port"])]
    dump = tmp_path / "ecrf.dump"
    subprocess.run(["pg_dump", *base, "-Fc", "-f", str(dump), params["dbname"]], check=True)
    restored = f"restore_{uuid.uuid4().hex[:8]}"
    admin = dict(params, dbname="postgres")
    admin.pop("cursor_factory", None)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(["pg_restore", *base, "-d", restored, "--no-owner", str(dump)], check=True)
        target = dict(admin, dbname=restored)
        with psycopg.connect(**target) as conn:
            sex = conn.execute(
                "select sex from trial_subject where id = %s", [subject.pk]
            ).fetchone()[0]
            events = conn.execute(
                "select pgh_label from trial_subjectevent where pgh_obj_id = %s order by pgh_id",
                [subject.pk],
            ).fetchall()
            reason = conn.execute(
                "select c.metadata->>'reason' from trial_subjectevent e "
                "join pghistory_context c on c.id = e.pgh_context_id "
                "where e.pgh_obj_id = %s and e.pgh_label = 'update'",
                [subject.pk],
            ).fetchone()[0]
            assert (sex, [e[0] for e in events], reason) == (
                "F",
                ["insert", "update"],
                "Source verified",
            )
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute("delete from trial_subjectevent")
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}"')
