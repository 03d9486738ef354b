import pytest

from tests.adverse_events.factories import load_starter_dictionary
from tests.dosing.factories import dosed_subject
from trial.models import Role


@pytest.fixture
def dictionary(db):
    load_starter_dictionary()


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a, dictionary):
    """On treatment at site A: C1D1 given on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)
