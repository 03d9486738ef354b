import pytest

from tests.dosing.factories import dosed_subject


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    """On treatment at site A: C1D1 given on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)
