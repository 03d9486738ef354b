"""The database connection pool (psycopg's, managed by Django): on in production, and the
owner/application role switch (trial.privileges.as_owner) still connects as the right role."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import application_database_url, database_url_of_tests
from tests.trial.test_settings import PRODUCTION, _run

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASE = (
    "import django, json; from django.conf import settings; django.setup(); "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), 'age': d['CONN_MAX_AGE']}))"
)


@pytest.mark.parametrize(
    ("extra", "pool", "age"),
    [
        ({"DATABASE_URL": "postgresql://u@db.example/x"}, None, 60),  # development: no pool
        (PRODUCTION, {"min_size": 1, "max_size": 4}, 0),
        ({**PRODUCTION, "DATABASE_POOL_MAX_SIZE": "12"}, {"min_size": 1, "max_size": 12}, 0),
        ({**PRODUCTION, "DATABASE_POOL_MAX_SIZE": "0"}, None, 60),
    ],
)
def test_pool_is_on_in_production_and_needs_conn_max_age_zero(extra, pool, age):
    result = _run(PRINT_DATABASE, **extra)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["age"] == age
    if pool is None:
        assert values["pool"] is None
    else:
        assert {k: values["pool"][k] for k in pool} == pool


def test_pool_sizes_are_checked():
    result = _run(PRINT_DATABASE, **PRODUCTION, DATABASE_POOL_MIN_SIZE="5")
    assert result.returncode != 0 and "DATABASE_POOL_MIN_SIZE" in result.stderr


SWITCH_ROLES = """
import django, json
django.setup()
from django.db import connection
from trial.privileges import as_owner

def who():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]

seen = [who()]
with as_owner():
    seen.append(who())
seen.append(who())
print(json.dumps(seen))
"""


@pytest.mark.django_db
def test_owner_switch_with_a_pool_connects_as_each_role(application_role):
    """A pool keeps the connections it opened: without closing it the owner's block would
    run as the application's role (and migrate's grants would fail)."""
    owner_url = database_url_of_tests()
    app_url = application_database_url(application_role)
    result = subprocess.run(
        [sys.executable, "-c", SWITCH_ROLES],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": app_url,
            "DATABASE_OWNER_URL": owner_url,
            "DATABASE_POOL_MAX_SIZE": "2",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    owner = owner_url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[0]
    app = application_role["user"]
    assert seen == [app, owner, app]
