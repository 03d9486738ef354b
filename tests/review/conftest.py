"""Fixtures of the review tests: the study-wide reviewers and a subject dosed at site A."""

import pytest

from tests.dosing.factories import dosed_subject
from trial.models import Role


@pytest.fixture
def data_manager(make_user, study):
    return make_user("dm", Role.DATA_MANAGER, None, first_name="Dana", last_name="Manager")


@pytest.fixture
def monitor_b(make_user, site_b):
    """A monitor of site B only."""
    return make_user("mon_b", Role.MONITOR, site_b)


@pytest.fixture
def data_manager_b(make_user, site_b):
    return make_user("dm_b", Role.DATA_MANAGER, site_b)


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


@pytest.fixture
def principal_investigator(make_user, site_a):
    """An investigator of site A with a full name (the printed name of a signature)."""
    return make_user("pi_a", Role.INVESTIGATOR, site_a, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    """On treatment at site A: the C1D1 dose given as planned (normal vital signs)."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)
