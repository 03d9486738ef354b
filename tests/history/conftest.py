import pytest

from tests.screening.factories import assessed_subject
from trial.models import Role


@pytest.fixture
def subject(study, site_a, coordinator_a):
    """Consented at site A, the eligibility CRF saved: no autoimmune disease, no MI."""
    return assessed_subject(study=study, site=site_a, coordinator=coordinator_a)


@pytest.fixture
def subject_b(study, site_b, coordinator_b):
    return assessed_subject(study=study, site=site_b, coordinator=coordinator_b)


@pytest.fixture
def sponsor_safety(make_user, study):
    return make_user("safety", Role.SPONSOR_SAFETY, None)
