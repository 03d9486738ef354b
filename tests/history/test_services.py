"""Recording, correcting and voiding medical history (history.services), with its automatic
queries against the eligibility answers."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from history.models import MedicalHistory, MedicalHistoryEvent
from history.services import (
    medical_history_record,
    medical_history_update,
    medical_history_void,
)
from review.models import Query, QueryStatus
from review.services import query_close, record_lock
from screening.models import EligibilityAssessment
from screening.services import eligibility_save
from tests.history.factories import RECORDED_AT, history_values, past_condition, record_history
from tests.refusals import field_errors
from tests.review.factories import sign
from tests.screening.factories import TODAY, eligible_values, register_subject

LATER = RECORDED_AT + timedelta(hours=1)


def test_a_condition_is_recorded_with_a_partial_date_and_audited(subject, coordinator_a):
    record = record_history(subject, coordinator_a)

    record.refresh_from_db()
    assert (record.sequence, record.start_date, record.recorded_term) == (
        1,
        "2019-03",
        "Hypertension",
    )
    [event] = MedicalHistoryEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["user"] == coordinator_a.pk
    assert event.pgh_context.metadata["reason"] == "Medical history recorded"


def test_sequences_are_per_subject_and_never_reused(subject, coordinator_a):
    first = record_history(subject, coordinator_a)
    medical_history_void(
        record=first, by=coordinator_a, reason="Duplicate", expected_version=1, now=LATER
    )
    second = medical_history_record(
        subject=subject, by=coordinator_a, values=past_condition(), now=LATER
    )
    assert second.sequence == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ongoing": False, "end_date": "2019-02", "baseline_grade": None},
            "end_date",
            "End date 2019-02 is before start date 2019-03.",
        ),
        ({"start_date": "2026-12"}, "start_date", "Start date 2026-12 is in the future."),
        (  # a partial date after the full consent date it must precede
            {"start_date": "2026-11-14"},
            "start_date",
            "Start date 2026-11-14 is after consent 2026-11-13",
        ),
        ({"baseline_grade": None}, "baseline_grade", "give its baseline CTCAE grade"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_saved(
    subject, coordinator_a, changes, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        medical_history_record(
            subject=subject, by=coordinator_a, values=history_values(**changes), now=RECORDED_AT
        )
    assert any(message in m for m in field_errors(excinfo)[field]), field_errors(excinfo)
    assert not MedicalHistory.objects.exists()


def test_no_history_before_consent(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(ValidationError, match="Record informed consent"):
        record_history(subject, coordinator_a)


@pytest.mark.parametrize("who", ["monitor", "coordinator_b", "data_manager"])
def test_only_the_subject_s_site_staff_record_history(request, subject, who):
    with pytest.raises(PermissionDenied):
        record_history(subject, request.getfixturevalue(who))
    assert not MedicalHistory.objects.exists()


def test_a_correction_needs_a_reason_and_the_version_opened(subject, coordinator_a):
    record = record_history(subject, coordinator_a)
    values = history_values(baseline_grade=1)
    with pytest.raises(ValidationError, match="reason for change"):
        medical_history_update(
            record=record,
            by=coordinator_a,
            values=values,
            reason=" ",
            expected_version=1,
            now=LATER,
        )
    with pytest.raises(ValidationError, match="saved by someone else"):
        medical_history_update(
            record=record,
            by=coordinator_a,
            values=values,
            reason="Source",
            expected_version=0,
            now=LATER,
        )
    updated = medical_history_update(
        record=record,
        by=coordinator_a,
        values=values,
        reason="Source: GP letter",
        expected_version=1,
        now=LATER,
    )
    assert (updated.version, updated.baseline_grade) == (2, 1)
    latest = MedicalHistoryEvent.objects.filter(pgh_obj=record).order_by("pgh_id").last()
    assert latest.pgh_context.metadata["reason"] == "Source: GP letter"


def test_a_locked_entry_is_read_only(subject, coordinator_a, investigator_a, data_manager):
    record = record_history(subject, coordinator_a)
    sign(record, investigator_a, now=LATER)
    record_lock(record=record, by=data_manager, now=LATER + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="is locked"):
        medical_history_update(
            record=record,
            by=coordinator_a,
            values=history_values(baseline_grade=1),
            reason="Source",
            expected_version=1,
            now=LATER + timedelta(minutes=10),
        )


# --- automatic queries against the eligibility answers ---------------------------------------


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="medicalhistory"
    )


def test_hypothyroidism_with_no_autoimmune_disease_raises_a_query_closed_when_corrected(
    subject, coordinator_a
):
    record = record_history(
        subject, coordinator_a, condition="Hypothyroidism", term=None, baseline_grade=None
    )
    [query] = auto_queries(record)
    assert query.check_code == "mh_vs_eligibility_autoimmune:hypothyroidism"
    assert query.status == QueryStatus.OPEN
    assert query.field_name == "condition"

    medical_history_update(
        record=record,
        by=coordinator_a,
        values=history_values(condition="Hypertension", baseline_grade=2),
        reason="Misread the source",
        expected_version=1,
        now=LATER,
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED
    assert query.closed_by is None  # closed by the check, not a person


def test_a_voided_entry_closes_its_queries(subject, coordinator_a):
    record = record_history(
        subject, coordinator_a, condition="Graves disease", term=None, baseline_grade=None
    )
    [query] = auto_queries(record)
    medical_history_void(
        record=record,
        by=coordinator_a,
        reason="Other patient's letter",
        expected_version=1,
        now=LATER,
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED


def test_an_mi_with_no_mi_in_eligibility_raises_a_query(subject, coordinator_a):
    record = record_history(
        subject,
        coordinator_a,
        condition="Myocardial infarction",
        term=None,
        start_date="2026-03",
        ongoing=False,
        end_date="2026-03",
        baseline_grade=None,
    )
    assert [q.check_code for q in auto_queries(record)] == ["mh_vs_eligibility_mi"]


def test_an_mi_consistent_with_eligibility_raises_nothing(study, site_a, coordinator_a):
    from tests.screening.factories import consented_subject

    subject = consented_subject(study=study, site=site_a, by=coordinator_a)
    eligibility_save(
        subject=subject,
        by=coordinator_a,
        today=TODAY,
        values=eligible_values(
            had_myocardial_infarction=True,
            last_myocardial_infarction_date=TODAY - timedelta(days=800),
        ),
    )
    record = record_history(
        subject,
        coordinator_a,
        condition="Myocardial infarction",
        term=None,
        start_date="2024-09",
        ongoing=False,
        end_date="2024-09",
        baseline_grade=None,
    )
    assert not auto_queries(record).exists()


def test_a_query_a_person_closed_is_not_raised_again_for_the_same_data(
    subject, coordinator_a, monitor
):
    record = record_history(
        subject, coordinator_a, condition="Hypothyroidism", term=None, baseline_grade=None
    )
    [query] = auto_queries(record)
    query_close(query=query, by=monitor, text="Subclinical, not autoimmune: confirmed", now=LATER)
    medical_history_update(
        record=record,
        by=coordinator_a,
        values=history_values(
            condition="Hypothyroidism", term=None, baseline_grade=None, treatment="None"
        ),
        reason="Treatment corrected",
        expected_version=1,
        now=LATER + timedelta(minutes=1),
    )
    assert auto_queries(record).count() == 1


def test_correcting_the_eligibility_answers_re_runs_the_history_queries(subject, coordinator_a):
    """The medical history's queries compare it with the eligibility answers: a correction
    of the answers raises or closes them as a correction of the history does."""
    entry = record_history(
        subject, coordinator_a, condition="Hypothyroidism", term=None, baseline_grade=None
    )
    [query] = Query.objects.filter(object_id=entry.pk, content_type__model="medicalhistory")
    assert query.status == QueryStatus.OPEN
    eligibility_save(
        subject=subject,
        by=coordinator_a,
        today=TODAY,
        values=eligible_values(autoimmune_conditions=["hypothyroidism"]),
        reason="Hypothyroidism missed at screening",
        expected_version=EligibilityAssessment.objects.get(subject=subject).version,
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.closed_by is None
    # And back: the answers corrected to none again raise it again.
    eligibility_save(
        subject=subject,
        by=coordinator_a,
        today=TODAY,
        values=eligible_values(autoimmune_conditions=[]),
        reason="Wrong subject's notes",
        expected_version=EligibilityAssessment.objects.get(subject=subject).version,
    )
    assert Query.objects.filter(
        object_id=entry.pk, content_type__model="medicalhistory", status=QueryStatus.OPEN
    ).exists()
    medical_history_update(
        record=entry,
        by=coordinator_a,
        values=history_values(),
        reason="Hypertension, not hypothyroidism",
        expected_version=1,
        now=LATER,
    )
    assert not Query.objects.filter(
        object_id=entry.pk, content_type__model="medicalhistory", status=QueryStatus.OPEN
    ).exists()
