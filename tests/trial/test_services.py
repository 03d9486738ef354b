from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from review.subjects import subject_update, subject_void
from trial.models import Role, Subject
from trial.services import subject_register


def _register(study, site, by, **extra):
    values = {"sex": "M", "date_of_birth": date(1965, 4, 1), "tumour_type": "hnscc"} | extra
    return subject_register(study=study, site=site, by=by, **values)


def test_screening_numbers_are_site_prefixed_and_sequential(study, site_a, coordinator_a):
    first = _register(study, site_a, coordinator_a)
    second = _register(study, site_a, coordinator_a, date_of_birth=date(1966, 4, 1))
    assert (first.screening_number, second.screening_number) == ("FR01-S001", "FR01-S002")


def test_screening_number_not_reused_after_void(study, site_a, coordinator_a, admin_user):
    first = _register(study, site_a, coordinator_a)
    subject_void(subject=first, by=admin_user, reason="Entered in error")
    # Same details: the voided row is not an active screening, so no duplicate warning either.
    assert _register(study, site_a, coordinator_a).screening_number == "FR01-S002"


def test_coordinator_cannot_register_at_another_site(study, site_b, coordinator_a):
    with pytest.raises(PermissionDenied):
        _register(study, site_b, coordinator_a)
    assert not Subject.objects.exists()


def test_other_tumour_type_must_be_specified(study, site_a, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        _register(study, site_a, coordinator_a, tumour_type="other")
    assert "tumour_type_other" in excinfo.value.message_dict


def test_void_keeps_the_row_with_reason(study, site_a, coordinator_a, admin_user):
    subject = _register(study, site_a, coordinator_a)
    subject_void(subject=subject, by=admin_user, reason="Duplicate registration")
    subject.refresh_from_db()
    assert subject.voided_at is not None
    assert subject.void_reason == "Duplicate registration"
    assert not Subject.objects.active().filter(pk=subject.pk).exists()


def test_second_active_screening_of_the_same_patient_needs_confirmation(
    study, site_a, coordinator_a
):
    first = _register(study, site_a, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        _register(study, site_a, coordinator_a)
    assert first.screening_number in excinfo.value.message_dict["different_patient_confirmed"][0]
    assert Subject.objects.count() == 1
    second = _register(study, site_a, coordinator_a, different_patient_confirmed=True)
    assert second.screening_number == "FR01-S002"


def test_same_details_at_another_site_or_after_screen_failure_are_not_duplicates(
    study, site_a, site_b, coordinator_a, coordinator_b
):
    first = _register(study, site_a, coordinator_a)
    _register(study, site_b, coordinator_b)
    Subject.objects.filter(pk=first.pk).update(status="screen_failed")
    assert _register(study, site_a, coordinator_a).screening_number == "FR01-S002"


def test_date_of_birth_in_the_future_is_refused(study, site_a, coordinator_a):
    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        _register(study, site_a, coordinator_a, date_of_birth=tomorrow)
    assert "in the future" in excinfo.value.message_dict["date_of_birth"][0]


def test_date_of_birth_0001_01_01_is_refused_at_registration(study, site_a, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        _register(study, site_a, coordinator_a, date_of_birth=date(1, 1, 1))
    assert excinfo.value.message_dict["date_of_birth"] == [
        "Date of birth 0001-01-01 is before 1900-01-01: not plausible."
    ]
    assert not Subject.objects.exists()


def test_date_of_birth_0001_01_01_is_refused_as_a_correction(study, site_a, coordinator_a):
    subject = _register(study, site_a, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        subject_update(
            subject=subject, by=coordinator_a, reason="Typo", date_of_birth=date(1, 1, 1)
        )
    assert "before 1900-01-01" in excinfo.value.message_dict["date_of_birth"][0]
    subject.refresh_from_db()
    assert subject.date_of_birth == date(1965, 4, 1)


# Who may correct or void a subject through the services (trial.capabilities: edit_subject,
# void_subject); the pages are the data manager's and administrator's (the permission matrix).
EDITORS = {Role.COORDINATOR, Role.INVESTIGATOR, Role.DATA_MANAGER, Role.ADMIN}
VOIDERS = {Role.COORDINATOR, Role.DATA_MANAGER, Role.ADMIN}


def _holder(make_user, role, site_a):
    site = site_a if role in (Role.COORDINATOR, Role.INVESTIGATOR) else None
    return make_user(f"as_{role}", role, site)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_corrects_a_subject_only_if_it_holds_edit_subject(
    study, site_a, coordinator_a, make_user, role
):
    subject = _register(study, site_a, coordinator_a)
    user = _holder(make_user, role, site_a)
    correct = {"reason": "Typo", "date_of_birth": date(1965, 4, 2)}
    if role in EDITORS:
        subject_update(subject=subject, by=user, **correct)
        subject.refresh_from_db()
        assert subject.date_of_birth == date(1965, 4, 2)
    else:
        with pytest.raises(PermissionDenied):
            subject_update(subject=subject, by=user, **correct)
        subject.refresh_from_db()
        assert subject.date_of_birth == date(1965, 4, 1)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_voids_a_subject_only_if_it_holds_void_subject(
    study, site_a, coordinator_a, make_user, role
):
    subject = _register(study, site_a, coordinator_a)
    user = _holder(make_user, role, site_a)
    if role in VOIDERS:
        subject_void(subject=subject, by=user, reason="Entered in error")
        subject.refresh_from_db()
        assert subject.voided_at is not None
    else:
        with pytest.raises(PermissionDenied):
            subject_void(subject=subject, by=user, reason="Entered in error")
        subject.refresh_from_db()
        assert subject.voided_at is None


def test_a_coordinator_of_another_site_neither_corrects_nor_voids(
    study, site_a, coordinator_a, coordinator_b
):
    subject = _register(study, site_a, coordinator_a)
    with pytest.raises(PermissionDenied):
        subject_update(subject=subject, by=coordinator_b, reason="Typo", sex="F")
    with pytest.raises(PermissionDenied):
        subject_void(subject=subject, by=coordinator_b, reason="Entered in error")
    subject.refresh_from_db()
    assert (subject.sex, subject.voided_at) == ("M", None)
