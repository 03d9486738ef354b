"""Shared fixtures: the real study configuration and one user per role at two sites."""

import pytest
from django.conf import settings

from trial.models import Membership, Role, Site
from trial.study_config import load_study, read_config

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def study(db):
    study, _counts = load_study(read_config(settings.STUDY_CONFIG_FILE))
    return study


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
def admin_user(make_user, study):
    return make_user("admin", Role.ADMIN, None, is_staff=True, is_superuser=True)
