"""The demo data set, seeded once per test module (seed_demo writes about
thirty subjects' history through the services: seconds, not milliseconds).

The seed runs inside a transaction opened here and rolled back when the module is done, so
the tests of the other apps never see it; each test runs in a savepoint inside it (pytest-
django's `db`), so what a test writes is rolled back too.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from adverse_events.ctcae import import_terms, read_starter_csv
from trial.study_config import load_study, read_config

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """What `seed_demo` printed; the demo data set is loaded while this fixture is active."""
    var_dir = tmp_path_factory.mktemp("demo-var")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, VAR_DIR=var_dir),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_study(read_config(settings.STUDY_CONFIG_FILE))
            import_terms(read_starter_csv(), reason="CTCAE starter list (demo tests)")
            out = StringIO()
            call_command("seed_demo", stdout=out)
            # Fire the seed's deferred triggers (the audit chain's links) here, once, as its
            # commit would. Left pending, each test's constraint check (pytest-django's
            # teardown, inside the test's savepoint) fires them all again and rolls them back,
            # each time slower (17 s a test, growing, half-way through this module).
            connection.check_constraints()
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(demo_output, db):
    """The demo data set, in a test's savepoint."""
    return demo_output
