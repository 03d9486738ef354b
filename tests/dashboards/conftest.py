"""Roles the shared fixtures do not have, for the dashboards' per-role tests."""

import pytest

from trial.models import Role


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


@pytest.fixture
def sponsor_safety(make_user, study):
    return make_user("safety", Role.SPONSOR_SAFETY, None)
