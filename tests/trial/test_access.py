import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.trial.factories import SubjectFactory
from trial.access import can, get_subject_for_user, require, sites_for, subjects_for
from trial.capabilities import Capability
from trial.models import Membership, Role


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


def test_capability_filter_excludes_sites_held_with_other_roles(make_user, site_a, site_b):
    user = make_user("mixed", Role.COORDINATOR, site_a)
    Membership.objects.create(user=user, site=site_b, role=Role.INVESTIGATOR)
    assert list(sites_for(user, Capability.SIGN)) == [site_b]
    assert set(sites_for(user, Capability.ANSWER_QUERY)) == {site_a, site_b}
    assert set(sites_for(user)) == {site_a, site_b}


def test_user_without_membership_sees_nothing(make_user, subject_a):
    assert not subjects_for(make_user("nobody")).exists()


def test_inactive_user_sees_nothing(coordinator_a, subject_a):
    coordinator_a.is_active = False
    assert not subjects_for(coordinator_a).exists()


# --- can / require: the capability table asked about a site -----------------------------------


def test_a_site_role_holds_its_capabilities_at_its_own_site_only(
    coordinator_a, site_a, site_b, subject_a, subject_b
):
    assert can(coordinator_a, Capability.ENTER_DATA, site_a)
    assert can(coordinator_a, Capability.ENTER_DATA, subject_a)
    assert not can(coordinator_a, Capability.ENTER_DATA, site_b)
    assert not can(coordinator_a, Capability.ENTER_DATA, subject_b)
    assert not can(coordinator_a, Capability.SIGN, subject_a)


def test_a_record_is_judged_at_its_subjects_site(coordinator_a, subject_a, subject_b):
    class Record:  # anything with a subject: a CRF, a query, an AE
        def __init__(self, subject):
            self.subject = subject

    assert can(coordinator_a, Capability.ENTER_DATA, Record(subject_a))
    assert not can(coordinator_a, Capability.ENTER_DATA, Record(subject_b))


def test_a_membership_for_all_sites_holds_at_every_site(monitor, subject_a, subject_b):
    assert can(monitor, Capability.VERIFY, subject_a)
    assert can(monitor, Capability.VERIFY, subject_b)
    assert not can(monitor, Capability.LOCK, subject_b)


def test_a_superuser_holds_the_administrators_capabilities_everywhere(make_user, subject_b, site_b):
    root = make_user("root", is_superuser=True, is_staff=True)
    assert can(root, Capability.ADMINISTER)
    assert can(root, Capability.EXPORT, site_b)
    assert can(root, Capability.READ_AES, subject_b)
    assert not can(root, Capability.ENTER_DATA, subject_b)


def test_without_an_object_a_site_capability_means_at_one_site_at_least(
    coordinator_a, investigator_a, make_user, site_b
):
    assert can(coordinator_a, Capability.ENTER_DATA)
    assert not can(coordinator_a, Capability.SIGN)
    assert can(investigator_a, Capability.SIGN)
    Membership.objects.create(user=coordinator_a, site=site_b, role=Role.INVESTIGATOR)
    fresh = type(coordinator_a).objects.get(pk=coordinator_a.pk)  # roles are cached per user
    assert can(fresh, Capability.SIGN)


def test_inactive_and_anonymous_users_hold_nothing(coordinator_a, subject_a):
    coordinator_a.is_active = False
    assert not can(coordinator_a, Capability.ENTER_DATA, subject_a)
    assert not can(coordinator_a, Capability.ENTER_DATA)
    assert not can(AnonymousUser(), Capability.READ_SAES)


def test_a_study_capability_is_not_asked_about_a_site(admin_user, site_a):
    with pytest.raises(ValueError, match="not about a site"):
        can(admin_user, Capability.ADMINISTER, site_a)


def test_require_refuses_with_who_may_and_where(coordinator_a, subject_a, subject_b):
    require(coordinator_a, Capability.ENTER_DATA, subject_a, action="record adverse events")
    with pytest.raises(PermissionDenied) as refused:
        require(coordinator_a, Capability.ENTER_DATA, subject_b, action="record adverse events")
    assert str(refused.value) == (
        "Only a site coordinator or investigator of site FR02 may record adverse events."
    )
    with pytest.raises(PermissionDenied, match="^Only an investigator may sign CRFs.$"):
        require(coordinator_a, Capability.SIGN, action="sign CRFs")
