"""The export tests share one hand-made trial per module, built once and rolled back.

Building it through the real services takes seconds; each test then runs in a savepoint
inside the module's transaction (pytest-django's `db`), so tests stay independent.
"""

import pytest
from django.db import transaction

from tests.exports.factories import build_dataset


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_dataset()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def data(dataset, db, settings, tmp_path):
    """The dataset, inside the test's savepoint, with export files under a temporary var/."""
    settings.VAR_DIR = tmp_path
    return dataset
