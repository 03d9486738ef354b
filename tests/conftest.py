"""Shared fixtures: the real study configuration and one user per role at two sites."""

import pytest
from django.conf import settings

from trial.models import Membership, Role, Site
from trial.study_config import load_study, read_config

PASSWORD = "correct-horse-battery-9"


def _flush_may_truncate_the_audit_trail():
    """Django empties the test database between transactional tests with TRUNCATE, which the
    audit tables' triggers refuse unless their owner sets ecrf.allow_truncate in the same
    transaction (trial/audit_guards.py): the test flush does, nothing else."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        return ["SELECT set_config('ecrf.allow_truncate', 'on', true)", *statements]

    DatabaseOperations.sql_flush = sql_flush


_flush_may_truncate_the_audit_trail()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Django's test machinery creates, migrates and flushes the test database: it connects as
    the owner role (DATABASE_OWNER_URL). Tests of what the application's role may do connect
    as that role themselves (the `application_role` fixture)."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict.update(settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def application_role(django_db_setup, django_db_blocker) -> dict:
    """psycopg connection arguments of the application's role on the test database.

    The configured role (DATABASE_URL) when it is not the owner, as in CI and with the embedded
    database; otherwise (a single superuser, as on a developer's server) a role of this test
    database's own, created here: roles are shared by the whole cluster, grants are not.
    """
    from django.db import connection

    from trial.privileges import sync_privileges

    with django_db_blocker.unblock():
        params = connection.get_connection_params()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]
        credentials = dict(settings.DATABASE_APPLICATION)
        if credentials["USER"] == owner:
            credentials = {"USER": f"{params['dbname']}_app"[:63], "PASSWORD": ""}
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [credentials["USER"]])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE ROLE "{credentials["USER"]}" LOGIN NOSUPERUSER')
            sync_privileges(role=credentials["USER"])
    conninfo = {
        "dbname": params["dbname"],
        "user": credentials["USER"],
        "host": params.get("host") or "",
        "port": params.get("port") or "",
    }
    if credentials["PASSWORD"]:
        conninfo["password"] = credentials["PASSWORD"]
    return {k: v for k, v in conninfo.items() if v != ""}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the product's hasher (tested in tests/trial/test_settings.py); tests that
    create many users use a fast one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def study(db):
    study, _counts = load_study(read_config(settings.STUDY_CONFIG_FILE))
    return study


# The BOIN design as tests configure it (the real study file stays 3+3): target 0.30, so the
# boundaries and the decision table are the published ones for φ = 0.30.
BOIN_ESCALATION = {
    "design": "boin",
    "target_dlt_rate": 0.30,
    "cohort_size": 3,
    "max_sample_size": 18,
    "stop_at_n": 9,
}


def study_config_with(**escalation) -> dict:
    """The real study file with its [escalation] section replaced."""
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["escalation"] = escalation
    return config


@pytest.fixture
def boin_study(study):
    """The study re-loaded under the BOIN design, before anyone is enrolled."""
    boin, _counts = load_study(study_config_with(**BOIN_ESCALATION))
    return boin


@pytest.fixture
def site_a(study):
    return Site.objects.get(code="FR01")


@pytest.fixture
def site_b(study):
    return Site.objects.get(code="FR02")


@pytest.fixture
def make_user(db, django_user_model):
    def make(username, role=None, site=None, **extra):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
        if role is not None:
            Membership.objects.create(user=user, site=site, role=role)
        return user

    return make


@pytest.fixture
def coordinator_a(make_user, site_a):
    return make_user("coord_a", Role.COORDINATOR, site_a)


@pytest.fixture
def coordinator_b(make_user, site_b):
    return make_user("coord_b", Role.COORDINATOR, site_b)


@pytest.fixture
def investigator_a(make_user, site_a):
    return make_user("inv_a", Role.INVESTIGATOR, site_a)


@pytest.fixture
def monitor(make_user, study):
    return make_user("monitor", Role.MONITOR, None)


@pytest.fixture
def data_manager(make_user, study):
    return make_user("dm", Role.DATA_MANAGER, None)


@pytest.fixture
def admin_user(make_user, study):
    return make_user("admin", Role.ADMIN, None, is_staff=True, is_superuser=True)


def _database_url_of(connection) -> str:
    from urllib.parse import quote

    params = connection.get_connection_params()
    host = params.get("host") or ""
    port = params.get("port") or ""
    user = quote(params.get("user") or "postgres")
    password = f":{quote(params['password'])}" if params.get("password") else ""
    dbname = params["dbname"]
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{dbname}?host={quote(host, safe='/')}"
    return f"postgresql://{user}{password}@{host}{':' + str(port) if port else ''}/{dbname}"


def start_worker(queue: str, env: dict):
    """A Celery worker process consuming `queue` only, one task at a time."""
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def database_url_of_tests() -> str:
    """DATABASE_URL of the test database, for processes the tests start."""
    from django.db import connection

    return _database_url_of(connection)


def application_database_url(application_role: dict) -> str:
    """DATABASE_URL of the application's role on the test database (the `application_role`
    fixture's connection arguments), for processes that run as the application does."""
    from urllib.parse import quote

    host = application_role.get("host", "")
    password = f":{quote(application_role['password'])}" if application_role.get("password") else ""
    user = quote(application_role["user"])
    dbname = application_role["dbname"]
    if not host or host.startswith("/"):
        query = f"?host={quote(host, safe='/')}" if host else ""
        return f"postgresql://{user}{password}@/{dbname}{query}"
    port = f":{application_role['port']}" if application_role.get("port") else ""
    return f"postgresql://{user}{password}@{host}{port}/{dbname}"


def database_env_of_tests() -> dict:
    """The database variables of a process the tests start: the test database, as both roles.
    An inherited DATABASE_OWNER_URL (CI sets one) names the development database, which the
    settings refuse beside a DATABASE_URL naming another."""
    url = database_url_of_tests()
    return {"DATABASE_URL": url, "DATABASE_OWNER_URL": url}


@pytest.fixture
def live_worker(transactional_db):
    """A real Celery worker process on the configured broker (Redis in CI, the filesystem
    broker otherwise), writing to the test database, on a queue of its own that is also the
    default queue of this test (so tasks it sends stay with it)."""
    import os
    import subprocess
    import uuid

    from django.db import connection

    from config.celery import app

    connection.ensure_connection()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = (
        os.environ
        | database_env_of_tests()
        | {
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        }
    )
    proc = start_worker(queue, env)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield proc
    finally:
        app.conf.task_default_queue = previous
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def eager_tasks():
    """Celery tasks run inline (in the test, or in the live server's thread), not on the
    configured broker, where no worker listens: Django's CELERY_* settings do not reach the
    already configured app, so this sets the app's own configuration."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def seed_subjects(study, settings, tmp_path):
    """seed_large up to `total` subjects in all, at the study's two sites (one batch per
    call): for the list pages' query counts at 5 and at 200 subjects."""
    from django.core.management import call_command

    from trial.models import Subject

    settings.VAR_DIR = tmp_path

    def seed(total: int, *, aes_per_subject: int = 2) -> None:
        missing = total - Subject.objects.count()
        assert missing > 0, "seed_subjects only adds subjects"
        call_command(
            "seed_large",
            f"--subjects={missing}",
            "--sites=2",
            f"--aes-per-subject={aes_per_subject}",
            "--screen-failures=0",
            "--force",
            verbosity=0,
        )
        assert Subject.objects.count() == total

    return seed
