"""Which signed records review.current hashes: eligibility reads the subject's sex and date of
birth, so its shortcut also needs the subject's demographics stamp, which the database keeps."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from review import current
from review.subjects import subject_update
from screening.models import EligibilityAssessment
from screening.services import eligibility_confirm
from tests.conftest import PASSWORD
from tests.screening.factories import DATE_OF_BIRTH, TODAY, assessed_subject
from trial.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(study, site_a, coordinator_a, investigator_a):
    return assessed_subject(
        study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
    )


def hashed_and_mismatched():
    _, _, to_hash = current.split(EligibilityAssessment.objects.all())
    return [a.subject_id for a in to_hash], [a.subject_id for a in current.mismatched(to_hash)]


def test_a_signed_eligibility_whose_subject_was_never_corrected_is_not_hashed(signed):
    assert hashed_and_mismatched() == ([], [])


@pytest.mark.parametrize(
    ("changes", "hashed", "invalid"),
    [
        # Sex or date of birth corrected after the signature: hashed, and no longer valid.
        ({"date_of_birth": DATE_OF_BIRTH + timedelta(days=1)}, True, True),
        ({"sex": "F"}, True, True),
        # A fact the assessment does not read: neither stamp moves, nothing to hash.
        ({"tumour_type": "hnscc"}, False, False),
    ],
)
def test_a_correction_after_the_signature_is_hashed_when_it_touches_what_was_signed(
    signed, coordinator_a, changes, hashed, invalid
):
    subject_update(subject=signed, by=coordinator_a, reason="Transcription error", **changes)
    to_hash, mismatched = hashed_and_mismatched()
    assert to_hash == ([signed.pk] if hashed else [])
    assert mismatched == ([signed.pk] if invalid else [])


def test_a_correction_undone_is_hashed_and_found_still_valid(signed, coordinator_a):
    born = signed.date_of_birth
    subject_update(
        subject=signed, by=coordinator_a, reason="Typo", date_of_birth=born + timedelta(days=3)
    )
    subject_update(subject=signed, by=coordinator_a, reason="Typo undone", date_of_birth=born)
    assert hashed_and_mismatched() == ([signed.pk], [])


def test_a_correction_before_the_signature_is_not_hashed(
    study, site_a, coordinator_a, investigator_a
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    subject_update(
        subject=subject,
        by=coordinator_a,
        reason="Transcription error",
        date_of_birth=subject.date_of_birth + timedelta(days=1),
    )
    eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assert hashed_and_mismatched() == ([], [])


@pytest.mark.parametrize(
    "changes",
    [
        {"sex": "F"},
        {"date_of_birth": DATE_OF_BIRTH + timedelta(days=2)},
    ],
)
def test_the_database_refuses_a_demographics_change_that_leaves_the_stamp(signed, changes):
    # Any writer, not only review.subjects: else a signature would stay "current" unhashed.
    refused = pytest.raises(DatabaseError, match="without moving demographics_changed_at")
    with refused, transaction.atomic():
        Subject.objects.filter(pk=signed.pk).update(**changes)
    Subject.objects.filter(pk=signed.pk).update(**changes, demographics_changed_at=timezone.now())
    assert hashed_and_mismatched() == ([signed.pk], [signed.pk])


def test_other_changes_of_the_subject_need_no_stamp(signed):
    Subject.objects.filter(pk=signed.pk).update(tumour_type_other="", void_reason="x")
    assert Subject.objects.get(pk=signed.pk).demographics_changed_at is None
