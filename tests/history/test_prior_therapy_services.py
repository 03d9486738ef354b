"""Recording, correcting and voiding prior cancer therapy (history.services), and the
eligibility CRF's automatic queries against it (screening.prior_therapy)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from history.models import (
    PriorRadiotherapy,
    PriorRadiotherapyEvent,
    PriorSurgery,
    SystemicTherapyLine,
    SystemicTherapyLineEvent,
)
from history.services import (
    radiotherapy_record,
    radiotherapy_void,
    surgery_record,
    systemic_line_record,
    systemic_line_update,
    systemic_line_void,
)
from review.models import Query, QueryStatus
from review.services import record_lock
from screening.models import EligibilityAssessment
from screening.services import eligibility_save
from tests.history.factories import (
    RECORDED_AT,
    first_line_values,
    line_values,
    radiotherapy_values,
    record_lines,
    surgery_values,
)
from tests.review.factories import sign
from tests.screening.factories import TODAY, eligible_values, register_subject

LATER = RECORDED_AT + timedelta(hours=1)


def test_a_line_is_recorded_with_partial_dates_and_audited(subject, coordinator_a):
    line = systemic_line_record(
        subject=subject, by=coordinator_a, values=line_values(), now=RECORDED_AT
    )
    assert (line.sequence, line.title, line.start_date) == (1, "Line 2 FOLFIRI", "2026-03")
    [event] = SystemicTherapyLineEvent.objects.filter(pgh_obj=line)
    assert event.pgh_context.metadata["user"] == coordinator_a.pk
    assert event.pgh_context.metadata["reason"] == "Prior systemic line recorded"


def test_a_radiotherapy_course_and_a_surgery_are_recorded(subject, coordinator_a):
    course = radiotherapy_record(
        subject=subject,
        by=coordinator_a,
        values=radiotherapy_values(total_dose_gy=None, total_dose_code="UNK"),
        now=RECORDED_AT,
    )
    surgery = surgery_record(
        subject=subject, by=coordinator_a, values=surgery_values(), now=RECORDED_AT
    )
    assert (course.title, course.total_dose_gy, course.total_dose_code) == (
        "RT1 Left axilla",
        None,
        "UNK",
    )
    assert (surgery.title, surgery.surgery_date) == ("Surgery1 Wide local excision", "2023-07")


@pytest.mark.parametrize(
    ("record", "values", "field"),
    [
        (systemic_line_record, line_values(end_date="2026-02"), "end_date"),
        (systemic_line_record, line_values(line_number=0), "line_number"),
        (radiotherapy_record, radiotherapy_values(total_dose_gy=Decimal("-5")), "total_dose_gy"),
        (radiotherapy_record, radiotherapy_values(end_date="2024-01"), "end_date"),
        (surgery_record, surgery_values(surgery_date="2026-11-19"), "surgery_date"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    subject, coordinator_a, record, values, field
):
    with pytest.raises(ValidationError) as excinfo:
        record(subject=subject, by=coordinator_a, values=values, now=RECORDED_AT)
    assert list(excinfo.value.message_dict) == [field]
    assert not SystemicTherapyLine.objects.exists()
    assert not PriorRadiotherapy.objects.exists()
    assert not PriorSurgery.objects.exists()


def test_a_line_number_is_not_recorded_twice_but_a_voided_line_frees_it(subject, coordinator_a):
    first, second = record_lines(subject, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        systemic_line_record(
            subject=subject, by=coordinator_a, values=first_line_values(), now=RECORDED_AT
        )
    assert (
        "Line 1 is already recorded (Line 1 FOLFOX)" in excinfo.value.message_dict["line_number"][0]
    )
    # Correcting line 2 to number 1 is refused the same way; line 2 keeping its number is not.
    with pytest.raises(ValidationError, match="already recorded"):
        systemic_line_update(
            record=second,
            by=coordinator_a,
            values=line_values(line_number=1),
            reason="Renumbered",
            expected_version=1,
            now=LATER,
        )
    systemic_line_update(
        record=second,
        by=coordinator_a,
        values=line_values(regimen="FOLFIRI + bevacizumab"),
        reason="Regimen as in the letter",
        expected_version=1,
        now=LATER,
    )
    systemic_line_void(
        record=first, by=coordinator_a, reason="Entered twice", expected_version=1, now=LATER
    )
    again = systemic_line_record(
        subject=subject, by=coordinator_a, values=first_line_values(), now=LATER
    )
    assert (again.line_number, again.sequence) == (1, 3)  # the sequence is never reused


def test_no_prior_therapy_before_consent(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(ValidationError, match="Record informed consent"):
        surgery_record(subject=subject, by=coordinator_a, values=surgery_values(), now=LATER)


@pytest.mark.parametrize("who", ["coordinator_b", "monitor", "data_manager", "sponsor_safety"])
def test_only_the_subject_s_site_staff_record_prior_therapy(request, subject, who):
    with pytest.raises(PermissionDenied):
        systemic_line_record(
            subject=subject,
            by=request.getfixturevalue(who),
            values=line_values(),
            now=RECORDED_AT,
        )


def test_a_correction_needs_a_reason_and_a_void_keeps_the_row(subject, coordinator_a):
    course = radiotherapy_record(
        subject=subject, by=coordinator_a, values=radiotherapy_values(), now=RECORDED_AT
    )
    with pytest.raises(ValidationError, match="reason"):
        radiotherapy_void(record=course, by=coordinator_a, reason="", expected_version=1, now=LATER)
    radiotherapy_void(
        record=course, by=coordinator_a, reason="Other patient", expected_version=1, now=LATER
    )
    course.refresh_from_db()
    assert (course.void_reason, course.version) == ("Other patient", 2)
    assert PriorRadiotherapyEvent.objects.filter(pgh_obj=course).count() == 2


def test_a_locked_line_is_read_only(subject, coordinator_a, investigator_a, data_manager):
    [line, _] = record_lines(subject, coordinator_a)
    sign(line, investigator_a, now=LATER)
    record_lock(record=line, by=data_manager, now=LATER + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="locked"):
        systemic_line_update(
            record=line,
            by=coordinator_a,
            values=first_line_values(regimen="FOLFOXIRI"),
            reason="x",
            expected_version=1,
            now=LATER + timedelta(minutes=10),
        )


# --- the eligibility CRF's queries against the records ------------------------------------


def eligibility_queries(subject):
    assessment = EligibilityAssessment.objects.get(subject=subject)
    return Query.objects.filter(
        object_id=assessment.pk,
        content_type__model="eligibilityassessment",
        origin="automatic",
    ).order_by("id")


def open_codes(subject):
    return [q.check_code for q in eligibility_queries(subject) if q.status == QueryStatus.OPEN]


def test_records_agreeing_with_the_eligibility_answers_leave_no_query_open(subject, coordinator_a):
    record_lines(subject, coordinator_a)
    # Line 1 alone contradicted "refractory to second-line" until line 2 was recorded.
    assert open_codes(subject) == []


def test_a_single_line_contradicts_refractory_to_second_line_until_corrected(
    subject, coordinator_a
):
    # The eligibility CRF answers "refractory to second-line treatment"; one line is recorded.
    line = systemic_line_record(
        subject=subject, by=coordinator_a, values=line_values(line_number=1), now=RECORDED_AT
    )
    [query] = eligibility_queries(subject)
    assert query.check_code == "prior_therapy_vs_eligibility:refractory_to_second_line"
    assert query.field_name == "refractory_to_second_line"
    assert "1 prior line" in query.text and "inclusion 2" in query.text

    systemic_line_update(
        record=line,
        by=coordinator_a,
        values=line_values(line_number=2),
        reason="It was the second line",
        expected_version=1,
        now=LATER,
    )
    systemic_line_record(subject=subject, by=coordinator_a, values=first_line_values(), now=LATER)
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.closed_by is None


def test_a_recent_radiotherapy_the_eligibility_crf_denies_raises_a_query(subject, coordinator_a):
    record_lines(subject, coordinator_a)
    course = radiotherapy_record(
        subject=subject,
        by=coordinator_a,
        values=radiotherapy_values(start_date="2026-10-01", end_date="2026-11-02"),
        now=RECORDED_AT,
    )
    [query] = eligibility_queries(subject).filter(status=QueryStatus.OPEN)
    assert query.field_name == "had_radiotherapy"
    assert "RT1 Left axilla" in query.text
    # Voiding the course (another patient's) closes it.
    radiotherapy_void(
        record=course, by=coordinator_a, reason="Other patient", expected_version=1, now=LATER
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED


def test_correcting_the_eligibility_answers_closes_the_query(subject, coordinator_a):
    record_lines(subject, coordinator_a)
    radiotherapy_record(
        subject=subject,
        by=coordinator_a,
        values=radiotherapy_values(start_date="2026-10-01", end_date="2026-10-02"),
        now=RECORDED_AT,
    )
    assert open_codes(subject) == ["prior_therapy_vs_eligibility:had_radiotherapy"]
    eligibility_save(
        subject=subject,
        by=coordinator_a,
        today=TODAY,
        values=eligible_values(had_radiotherapy=True, last_radiotherapy_date=TODAY.replace(day=1)),
        reason="Radiotherapy found in the referral letter",
        expected_version=EligibilityAssessment.objects.get(subject=subject).version,
    )
    # Now answered, but on another day than the record's end (2026-10-02).
    assert open_codes(subject) == ["prior_therapy_vs_eligibility:last_radiotherapy_date"]
    eligibility_save(
        subject=subject,
        by=coordinator_a,
        today=TODAY,
        values=eligible_values(
            had_radiotherapy=True, last_radiotherapy_date=TODAY.replace(month=10, day=2)
        ),
        reason="Date as in the letter",
        expected_version=EligibilityAssessment.objects.get(subject=subject).version,
    )
    assert open_codes(subject) == []


def test_a_nitrosourea_line_contradicts_no_nitrosourea(subject, coordinator_a):
    record_lines(subject, coordinator_a)
    systemic_line_record(
        subject=subject,
        by=coordinator_a,
        values=line_values(
            line_number=3,
            regimen="Lomustine",
            agents="lomustine",
            start_date="2026-09-21",
            end_date="2026-09-25",
        ),
        now=LATER,
    )
    # Line 3 is now the last line (its end, not line 2's, is the last chemotherapy), and
    # it holds a nitrosourea the CRF says the subject never had.
    assert open_codes(subject) == [
        "prior_therapy_vs_eligibility:last_chemotherapy_date",
        "prior_therapy_vs_eligibility:had_nitrosourea_or_mitomycin",
    ]


def line_order_queries(line):
    return Query.objects.filter(
        object_id=line.pk, content_type__model="systemictherapyline", check_code="pt_line_order"
    )


def test_a_line_begun_before_line_1_is_queried_until_line_1_is_corrected(subject, coordinator_a):
    first = systemic_line_record(
        subject=subject,
        by=coordinator_a,
        values=first_line_values(start_date="2026-04", end_date="2026-05"),  # a year late
        now=RECORDED_AT,
    )
    second = systemic_line_record(
        subject=subject, by=coordinator_a, values=line_values(), now=RECORDED_AT
    )
    [query] = line_order_queries(second)
    assert query.status == QueryStatus.OPEN and query.field_name == "start_date"
    assert "Line 2 (FOLFIRI) started 2026-03, before line 1 (FOLFOX) started 2026-04" in (
        query.text
    )
    assert not line_order_queries(first).exists()
    # Correcting line 1 (another record) closes line 2's query in the same write.
    systemic_line_update(
        record=first,
        by=coordinator_a,
        values=first_line_values(),
        reason="Start year as in the referral letter",
        expected_version=1,
        now=LATER,
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED and query.closed_by is None


def test_voiding_the_misdated_line_closes_the_order_query(subject, coordinator_a):
    first = systemic_line_record(
        subject=subject,
        by=coordinator_a,
        values=first_line_values(start_date="2026-04", end_date="2026-05"),
        now=RECORDED_AT,
    )
    second = systemic_line_record(
        subject=subject, by=coordinator_a, values=line_values(), now=RECORDED_AT
    )
    systemic_line_void(
        record=first,
        by=coordinator_a,
        reason="Another patient's line",
        expected_version=1,
        now=LATER,
    )
    assert line_order_queries(second).get().status == QueryStatus.CLOSED
