import pytest
from django.http import Http404

from tests.trial.factories import SubjectFactory
from trial.access import get_subject_for_user, sites_for, subjects_for
from trial.models import Role


@pytest.fixture
def subject_a(study, site_a, coordinator_a):
    return SubjectFactory(study=study, site=site_a, created_by=coordinator_a)


@pytest.fixture
def subject_b(study, site_b, coordinator_b):
    return SubjectFactory(study=study, site=site_b, created_by=coordinator_b)


def test_coordinator_sees_only_own_site(coordinator_a, site_a, subject_a, subject_b):
    assert list(sites_for(coordinator_a)) == [site_a]
    assert list(subjects_for(coordinator_a)) == [subject_a]


def test_study_wide_monitor_sees_every_site(monitor, subject_a, subject_b):
    assert set(subjects_for(monitor)) == {subject_a, subject_b}


def test_subject_of_other_site_is_not_found(coordinator_a, subject_b):
    with pytest.raises(Http404):
        get_subject_for_user(coordinator_a, subject_b.pk)


def test_role_filter_excludes_sites_held_with_other_roles(make_user, site_a, site_b):
    user = make_user("mixed", Role.COORDINATOR, site_a)
    from trial.models import Membership

    Membership.objects.create(user=user, site=site_b, role=Role.INVESTIGATOR)
    assert list(sites_for(user, Role.INVESTIGATOR)) == [site_b]
    assert set(sites_for(user)) == {site_a, site_b}


def test_user_without_membership_sees_nothing(make_user, subject_a):
    assert not subjects_for(make_user("nobody")).exists()


def test_inactive_user_sees_nothing(coordinator_a, subject_a):
    coordinator_a.is_active = False
    assert not subjects_for(coordinator_a).exists()
