"""Recording lab results (labs.services): standardised, read against the range in force,
graded, audited; bad input refused naming the field; the grade >= 2 without an AE query."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dosing.models import DosingRecord
from dosing.services import dose_void
from labs.models import LabNormalRange, LabResult, LabResultEvent
from labs.services import lab_result_update, lab_result_void, normal_range_record
from review.models import Query, QueryStatus
from review.services import record_lock
from screening.models import EligibilityAssessment
from screening.services import screening_panel
from tests.adverse_events.factories import record_ae
from tests.dosing.factories import dosed_subject, enrolled_subject, record_dose
from tests.labs.factories import (
    C1D8,
    RANGES_FROM,
    RECORDED_AT,
    URINE_PROTEIN_RANGE,
    add_ranges,
    dipstick,
    range_values,
    record_result,
    result_values,
)
from tests.review.factories import sign
from tests.screening.factories import ASSESSED, PLANNED_C1D1

LATER = RECORDED_AT + timedelta(hours=1)


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="labresult"
    )


def test_a_result_is_standardised_graded_and_audited(subject, coordinator_a):
    record = record_result(subject, coordinator_a)
    assert (record.value, record.unit) == (Decimal(50), "U/L")
    assert (record.standard_value, record.standard_unit) == (Decimal("50.0"), "U/L")
    assert (record.normal_low, record.normal_high) == (Decimal(7), Decimal(40))
    assert record.range_indicator == "HIGH"
    assert record.grade == 1
    assert record.panel == "chemistry"
    [event] = LabResultEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["reason"] == "Lab result recorded"


def test_a_value_in_another_unit_keeps_what_was_entered(subject, coordinator_a):
    # Haemoglobin 9.5 g/dL for a man (range 13-17 g/dL): 95 g/L, grade 2 (< 100 g/L).
    record = record_result(subject, coordinator_a, test="HGB", value=Decimal("9.5"), unit="g/dL")
    assert (record.value, record.unit) == (Decimal("9.5"), "g/dL")
    assert (record.standard_value, record.standard_unit) == (Decimal("95.0"), "g/L")
    assert (record.normal_low, record.normal_high) == (Decimal(130), Decimal(170))
    assert record.range_indicator == "LOW"
    assert record.grade == 2


def test_the_range_of_the_subjects_sex_is_used(subject, coordinator_a):
    assert subject.sex == "M" or subject.sex == "F"
    record = record_result(subject, coordinator_a, test="HGB", value=Decimal("12.5"), unit="g/dL")
    expected_low = Decimal(130) if subject.sex == "M" else Decimal(120)
    assert record.normal_low == expected_low


def test_without_a_range_in_force_the_result_is_kept_ungraded(subject, coordinator_a):
    record = record_result(subject, coordinator_a, collected_on=RANGES_FROM - timedelta(days=1))
    assert record.normal_range is None and record.grade is None
    assert "no normal range" in record.grade_reason


def test_an_abnormal_baseline_changes_the_grade_after_the_first_dose(subject, coordinator_a):
    # Baseline ALT 80 U/L (2 x ULN) on the C1D1 day; on C1D8 100 U/L is 1.25 x baseline.
    record_result(
        subject, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(80)
    )
    later = record_result(subject, coordinator_a, value=Decimal(100))
    assert later.grade == 0
    assert "baseline (abnormal)" in later.grade_reason
    higher = record_result(subject, coordinator_a, value=Decimal(130))
    assert higher.grade == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit": ""}, "unit", "needs its unit"),
        ({"unit": "mg/dL"}, "unit", "not one of U/L"),
        ({"value": Decimal(-1)}, "value", "cannot be negative"),
    ],
)
def test_bad_input_is_refused_naming_the_field(subject, coordinator_a, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        record_result(subject, coordinator_a, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not LabResult.objects.exists()


def test_a_dipstick_keeps_its_category_read_against_its_normal_ones_and_graded(
    subject, coordinator_a
):
    record = record_result(subject, coordinator_a, **dipstick("1+"))
    assert (record.category, record.value, record.unit) == ("1+", None, "")
    assert (record.standard_value, record.standard_unit, record.normal_range) == (None, "", None)
    assert (record.panel, record.range_indicator, record.grade) == ("urinalysis", "ABNORMAL", 1)
    assert record.grade_reason == "dipstick 1+"
    assert record.reported == "1+"
    trace = record_result(subject, coordinator_a, **dipstick("Trace"))
    assert (trace.range_indicator, trace.grade) == ("NORMAL", 0)


def test_a_dipstick_ctcae_does_not_grade_is_kept_ungraded(subject, coordinator_a):
    record = record_result(subject, coordinator_a, **dipstick("2+", test="OCCBLD"))
    assert (record.range_indicator, record.grade) == ("ABNORMAL", None)
    assert record.grade_reason == "not graded by CTCAE v5.0"


def test_a_24_hour_urine_protein_is_read_against_the_sites_range(subject, site_a, coordinator_a):
    normal_range_record(
        site=site_a, by=coordinator_a, values=range_values(**URINE_PROTEIN_RANGE), now=RECORDED_AT
    )
    record = record_result(
        subject, coordinator_a, test="PROTEXR", value=Decimal(1200), unit="mg/24 h"
    )
    assert (record.standard_value, record.standard_unit) == (Decimal("1.200"), "g/day")
    assert (record.range_indicator, record.grade, record.panel) == ("HIGH", 2, "urinalysis")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (dipstick(""), "category", "Protein needs its category: one of Negative, Trace, 1+"),
        (dipstick("5+"), "category", "'5+' is not a category of Protein"),
        (dipstick(value=Decimal(1)), "value", "read as a category: leave the value empty"),
        (dipstick(unit="g/L"), "unit", "read as a category: leave the unit empty"),
        ({"value": None}, "value", "Alanine Aminotransferase needs its value"),
        ({"category": "1+"}, "category", "is a number: leave the category empty"),
    ],
)
def test_a_category_for_a_dipstick_and_a_value_for_a_number_or_refused_naming_the_field(
    subject, coordinator_a, changes, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        record_result(subject, coordinator_a, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not LabResult.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"value": Decimal(1), "unit": "U/L", "category": "1+", "standard_value": Decimal(1)},
        {"value": None, "unit": "", "category": "", "standard_value": None},
        {"value": Decimal(1), "unit": "", "category": "", "standard_value": Decimal(1)},
    ],
)
def test_the_database_refuses_a_result_both_or_neither_numeric_and_categorical(
    subject, coordinator_a, fields
):
    row = LabResult(
        subject=subject,
        visit=subject.visits.get(code="C1D8"),
        test="PROT",
        panel="urinalysis",
        collected_on=C1D8,
        recorded_by=coordinator_a,
        **fields,
    )
    with transaction.atomic(), pytest.raises(DatabaseError, match="value_and_unit_or_category"):
        row.save()


def test_a_grade_2_dipstick_without_an_ae_raises_a_query_on_the_category(subject, coordinator_a):
    record = record_result(subject, coordinator_a, **dipstick("3+"))
    assert record.grade == 2
    [query] = auto_queries(record)
    assert query.field_name == "category" and "Proteinuria" in query.text


def test_a_dipstick_is_not_in_the_screening_panel(subject, coordinator_a):
    record_result(subject, coordinator_a, "SCR", collected_on=RECORDED_AT.date(), **dipstick())
    assert screening_panel(subject) == {}


def test_correcting_a_baseline_dipstick_regrades_without_a_value(subject, coordinator_a):
    baseline = record_result(
        subject, coordinator_a, "C1D1", collected_on=PLANNED_C1D1, **dipstick("Negative")
    )
    later = record_result(subject, coordinator_a, **dipstick("2+"))
    corrected = lab_result_update(
        record=baseline,
        by=coordinator_a,
        values=result_values(collected_on=PLANNED_C1D1, **dipstick("Trace")),
        reason="Misread strip",
        expected_version=1,
        now=LATER,
    )
    later.refresh_from_db()
    assert (corrected.category, corrected.grade, corrected.version) == ("Trace", 0, 2)
    assert (later.grade, later.version) == (2, 1)  # a dipstick's grade has no baseline


def test_a_dipstick_has_no_numeric_normal_range(site_a, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        normal_range_record(
            site=site_a, by=coordinator_a, values=range_values(test="PROT"), now=RECORDED_AT
        )
    assert "read as a category" in excinfo.value.message_dict["test"][0]


def test_other_sites_and_read_only_roles_cannot_record(subject, coordinator_b, monitor):
    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            record_result(subject, user)
    assert not LabResult.objects.exists()


def test_a_grade_2_after_the_first_dose_without_an_ae_raises_a_query(subject, coordinator_a):
    record = record_result(subject, coordinator_a, test="NEUT", value=Decimal("1.2"), unit="10^9/L")
    assert record.grade == 2
    [query] = auto_queries(record)
    assert query.status == QueryStatus.OPEN
    assert "Neutrophil count decreased" in query.text


def test_no_query_when_the_ae_is_recorded(subject, coordinator_a):
    record_ae(subject, coordinator_a, term="Neutrophil count decreased", grade=2)
    record = record_result(subject, coordinator_a, test="NEUT", value=Decimal("1.2"), unit="10^9/L")
    assert not auto_queries(record).exists()


def test_grade_1_and_baseline_results_raise_no_query(subject, coordinator_a):
    grade_1 = record_result(subject, coordinator_a)
    baseline = record_result(
        subject,
        coordinator_a,
        visit_code="C1D1",
        collected_on=PLANNED_C1D1,
        test="NEUT",
        value=Decimal("1.2"),
        unit="10^9/L",
    )
    assert (grade_1.grade, baseline.grade) == (1, 2)
    assert not auto_queries(grade_1).exists() and not auto_queries(baseline).exists()


def test_a_correction_regrades_closes_the_query_and_needs_a_reason(subject, coordinator_a):
    record = record_result(subject, coordinator_a, test="NEUT", value=Decimal("1.2"), unit="10^9/L")
    values = {
        "test": "NEUT",
        "collected_on": C1D8,
        "collected_time": None,
        "value": Decimal(1800),
        "unit": "/mm3",
    }
    with pytest.raises(ValidationError) as excinfo:
        lab_result_update(
            record=record, by=coordinator_a, values=values, reason="", expected_version=1, now=LATER
        )
    assert "reason" in excinfo.value.message_dict
    updated = lab_result_update(
        record=record,
        by=coordinator_a,
        values=values,
        reason="Transcription error",
        expected_version=1,
        now=LATER,
    )
    assert (updated.standard_value, updated.grade, updated.version) == (Decimal("1.80"), 1, 2)
    assert auto_queries(record).get().status != QueryStatus.OPEN


def test_void_keeps_the_row(subject, coordinator_a):
    record = record_result(subject, coordinator_a)
    lab_result_void(
        record=record, by=coordinator_a, reason="Duplicate", expected_version=1, now=LATER
    )
    record.refresh_from_db()
    assert record.voided_at == LATER and record.void_reason == "Duplicate"
    with transaction.atomic(), pytest.raises(DatabaseError, match="Cannot delete"):
        LabResult.objects.filter(pk=record.pk).delete()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"low": Decimal(50), "high": Decimal(40)}, "high"),
        ({"unit": "g/L"}, "unit"),
        ({"low": None, "high": None}, "low"),
        ({"age_min": 65, "age_max": 18}, "age_max"),
    ],
)
def test_a_range_that_cannot_be_right_is_refused(site_a, coordinator_a, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        normal_range_record(
            site=site_a, by=coordinator_a, values=range_values(**changes), now=RECORDED_AT
        )
    assert field in excinfo.value.message_dict
    assert not LabNormalRange.objects.exists()


def test_an_overlapping_range_is_refused_and_a_successor_accepted(site_a, coordinator_a):
    first = range_values(effective_to=RANGES_FROM + timedelta(days=99))
    normal_range_record(site=site_a, by=coordinator_a, values=first, now=RECORDED_AT)
    with pytest.raises(ValidationError) as excinfo:
        normal_range_record(
            site=site_a,
            by=coordinator_a,
            values=range_values(effective_from=RANGES_FROM + timedelta(days=99)),
            now=RECORDED_AT,
        )
    assert "effective_from" in excinfo.value.message_dict
    normal_range_record(
        site=site_a,
        by=coordinator_a,
        values=range_values(effective_from=RANGES_FROM + timedelta(days=100)),
        now=RECORDED_AT,
    )
    assert LabNormalRange.objects.count() == 2


def test_only_the_sites_staff_record_ranges(site_a, coordinator_b, monitor):
    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            normal_range_record(site=site_a, by=user, values=range_values(), now=RECORDED_AT)


# --- the screening panel against the eligibility CRF's inclusion 7 (screening.lab_panel) -----


def in7_queries(subject):
    assessment = EligibilityAssessment.objects.get(subject=subject)
    return Query.objects.filter(
        object_id=assessment.pk,
        content_type__model="eligibilityassessment",
        origin="automatic",
        check_code__startswith="in7_lab_panel",
    )


def screening_neutrophils(subject, by, value: str):
    """A screening-visit neutrophil count (the eligibility CRF has ANC 2.0)."""
    return record_result(subject, by, visit_code="SCR", test="NEUT", value=Decimal(value),
                         unit="10^9/L", collected_on=ASSESSED)  # fmt: skip


def neutrophils(value: str) -> dict:
    return result_values(test="NEUT", value=Decimal(value), unit="10^9/L", collected_on=ASSESSED)


def test_a_screening_result_the_eligibility_crf_contradicts_raises_a_query(subject, coordinator_a):
    screening_neutrophils(subject, coordinator_a, "1.8")

    [query] = in7_queries(subject)
    assert (query.check_code, query.field_name, query.status) == (
        "in7_lab_panel:anc",
        "labs",
        QueryStatus.OPEN,
    )
    assert "the CRF has 2 10^9/L" in query.text
    assert f"gives 1.8 10^9/L (Neutrophils collected on {ASSESSED:%Y-%m-%d})" in query.text


def test_a_screening_result_that_agrees_raises_no_query(subject, coordinator_a):
    screening_neutrophils(subject, coordinator_a, "2.00")

    assert not in7_queries(subject).exists()


def test_a_result_at_another_visit_is_not_the_screening_panel(subject, coordinator_a):
    record_result(subject, coordinator_a, test="NEUT", value=Decimal("0.9"), unit="10^9/L")

    assert screening_panel(subject) == {}
    assert not in7_queries(subject).exists()


def test_correcting_or_voiding_the_screening_result_rechecks_the_eligibility_crf(
    subject, coordinator_a
):
    result = screening_neutrophils(subject, coordinator_a, "1.8")
    [query] = in7_queries(subject)

    result = lab_result_update(record=result, by=coordinator_a, values=neutrophils("2.0"),
                               reason="Transcription error", expected_version=1,
                               now=RECORDED_AT)  # fmt: skip
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED

    result = lab_result_update(record=result, by=coordinator_a, values=neutrophils("1.6"),
                               reason="Repeat sample", expected_version=2,
                               now=RECORDED_AT)  # fmt: skip
    [reopened] = in7_queries(subject).filter(status=QueryStatus.OPEN)
    assert "gives 1.6 10^9/L" in reopened.text

    lab_result_void(record=result, by=coordinator_a, reason="Other patient's sample",
                    expected_version=3, now=RECORDED_AT)  # fmt: skip
    assert not in7_queries(subject).filter(status=QueryStatus.OPEN).exists()


def test_the_latest_live_screening_result_of_each_test_is_the_panel(subject, coordinator_a):
    first = screening_neutrophils(subject, coordinator_a, "1.8")
    record_result(subject, coordinator_a, visit_code="SCR", test="NEUT", value=Decimal("2.2"),
                  unit="10^9/L", collected_on=ASSESSED + timedelta(days=1))  # fmt: skip
    panel = screening_panel(subject)
    assert (panel["NEUT"].value, panel["NEUT"].uln) == (Decimal("2.2000"), Decimal("7.5000"))
    assert first.pk


# Regrading: a grade reads the range in force and the baseline, so it follows them


def _baseline_and_later(subject, by):
    """Baseline ALT 80 U/L (2 x ULN) on the C1D1 day; 100 U/L on C1D8 is grade 0 against it."""
    baseline = record_result(
        subject, by, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(80)
    )
    later = record_result(subject, by, value=Decimal(100))
    assert later.grade == 0
    return baseline, later


def correct_to_normal(baseline, by):
    """The baseline corrected to 30 U/L, a normal value."""
    lab_result_update(
        record=baseline,
        by=by,
        values=result_values(collected_on=PLANNED_C1D1, value=Decimal(30)),
        reason="Transcription error",
        expected_version=1,
        now=LATER,
    )


def test_correcting_the_baseline_regrades_the_later_results(subject, coordinator_a):
    baseline, later = _baseline_and_later(subject, coordinator_a)

    correct_to_normal(baseline, coordinator_a)

    later.refresh_from_db()
    # Against a normal baseline, 100 U/L is 2.5 x ULN: grade 1.
    assert (later.grade, later.version) == (1, 2)
    event = LabResultEvent.objects.filter(pgh_obj=later).latest("pgh_id")
    assert event.pgh_context.metadata["reason"] == "Regraded: the ALT baseline changed"


def test_voiding_the_baseline_regrades_the_later_results(subject, coordinator_a):
    baseline, later = _baseline_and_later(subject, coordinator_a)

    lab_result_void(
        record=baseline, by=coordinator_a, reason="Wrong patient", expected_version=1, now=LATER
    )

    later.refresh_from_db()
    assert later.grade == 1  # no baseline: graded against the ULN


def test_a_result_after_the_first_dose_regrades_nothing_else(subject, coordinator_a):
    _baseline, later = _baseline_and_later(subject, coordinator_a)
    record_result(subject, coordinator_a, value=Decimal(300), collected_on=C1D8 + timedelta(1))
    later.refresh_from_db()
    assert (later.grade, later.version) == (0, 1)


def test_a_locked_later_result_refuses_a_baseline_correction_naming_it(
    subject, coordinator_a, investigator_a, data_manager
):
    baseline, later = _baseline_and_later(subject, coordinator_a)
    sign(later, investigator_a)
    record_lock(record=later, by=data_manager, now=LATER)

    with pytest.raises(ValidationError, match="is locked"):
        correct_to_normal(baseline, coordinator_a)
    baseline.refresh_from_db()
    later.refresh_from_db()
    assert (baseline.value, baseline.version, later.grade) == (Decimal(80), 1, 0)


def test_a_new_range_grades_the_results_kept_ungraded(subject, site_a, coordinator_a):
    before = RANGES_FROM - timedelta(days=1)
    record = record_result(subject, coordinator_a, collected_on=before)
    assert record.grade is None

    normal_range_record(
        site=site_a,
        by=coordinator_a,
        values=range_values(
            effective_from=before - timedelta(days=30), effective_to=before, high=Decimal(45)
        ),
        now=LATER,
    )

    record.refresh_from_db()
    assert (record.normal_high, record.range_indicator, record.grade) == (Decimal(45), "HIGH", 1)
    assert record.version == 2
    event = LabResultEvent.objects.filter(pgh_obj=record).latest("pgh_id")
    assert event.pgh_context.metadata["reason"].startswith("Regraded:")


def test_a_result_corrected_while_a_new_range_is_recorded_is_graded_from_its_new_value(
    subject, site_a, coordinator_a, monkeypatch
):
    """The regrade reads the results it grades under their row locks: a correction that
    commits while the range is being recorded is neither overwritten nor graded stale."""
    from labs import services

    before = RANGES_FROM - timedelta(days=1)
    record = record_result(subject, coordinator_a, collected_on=before)  # ALT 50, no range
    real, corrected = services.site_ranges_of, []

    def correct_first(site_id, tests):
        if not corrected:  # once, as a concurrent save committed after the results were found
            corrected.append(record.pk)
            corrected.append(
                lab_result_update(
                    record=LabResult.objects.get(pk=record.pk),
                    by=coordinator_a,
                    values=result_values(collected_on=before, value=Decimal(200)),
                    reason="Transcription error",
                    expected_version=1,
                    now=LATER,
                )
            )
        return real(site_id, tests)

    monkeypatch.setattr(services, "site_ranges_of", correct_first)
    normal_range_record(
        site=site_a,
        by=coordinator_a,
        values=range_values(
            effective_from=before - timedelta(days=30), effective_to=before, high=Decimal(45)
        ),
        now=LATER,
    )
    assert corrected
    record.refresh_from_db()
    # 200 U/L is 4.4 x the new ULN of 45: grade 2 (CTCAE v5.0 ALT increased, > 3.0 - 5.0 x ULN).
    assert (record.value, record.normal_high, record.grade) == (Decimal(200), Decimal(45), 2)
    # Entered, then corrected (graded there against the range just saved, in the same
    # transaction here): the regrade finds nothing to change and writes no stale version.
    assert record.version == 2


def test_a_new_range_leaves_other_sites_and_tests_alone(
    subject, site_b, coordinator_a, coordinator_b
):
    before = RANGES_FROM - timedelta(days=1)
    record = record_result(subject, coordinator_a, collected_on=before)
    window = {"effective_from": before - timedelta(days=30), "effective_to": before}
    normal_range_record(site=site_b, by=coordinator_b, values=range_values(**window), now=LATER)
    normal_range_record(
        site=subject.site,
        by=coordinator_a,
        values=range_values(
            test="NEUT", unit="10^9/L", low=Decimal("2.0"), high=Decimal("7.5"), **window
        ),
        now=LATER,
    )
    record.refresh_from_db()
    assert (record.grade, record.version) == (None, 1)


def test_recording_the_first_dose_after_the_results_regrades_them(
    study, site_a, coordinator_a, investigator_a, dictionary
):
    """Results typed before the C1D1 dosing CRF are graded without a baseline; once the
    dose is recorded, the C1D8 result is read against the baseline drawn on the dose day."""
    add_ranges(site_a, coordinator_a)
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    record_result(
        subject, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(80)
    )
    later = record_result(subject, coordinator_a, value=Decimal(100))
    assert later.grade == 1  # no first dose yet: against the ULN

    record_dose(subject, "C1D1", coordinator_a)

    later.refresh_from_db()
    assert (later.grade, later.version) == (0, 2)
    event = LabResultEvent.objects.filter(pgh_obj=later).latest("pgh_id")
    assert event.pgh_context.metadata["reason"] == "Regraded: the first dose date changed"


def test_recording_the_first_dose_regrades_around_a_dipstick_and_a_24_hour_protein(
    study, site_a, coordinator_a, investigator_a, dictionary
):
    """The first dose's regrade reads every result again: a result without a value (a
    dipstick) is read by its category, unchanged and unsaved."""
    add_ranges(site_a, coordinator_a)
    normal_range_record(
        site=site_a, by=coordinator_a, values=range_values(**URINE_PROTEIN_RANGE), now=RECORDED_AT
    )
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    strip = record_result(subject, coordinator_a, **dipstick("1+"))
    urine = record_result(
        subject, coordinator_a, test="PROTEXR", value=Decimal("0.1"), unit="g/day"
    )

    record_dose(subject, "C1D1", coordinator_a)

    strip.refresh_from_db()
    urine.refresh_from_db()
    assert (strip.grade, strip.version, urine.grade, urine.version) == (1, 1, 0, 1)


# A regrade's queries: the ranges and the baselines are read once for the rows it derives,
# not once per row. The rows below derive as before (nothing saved), so the count is the
# write's own, the same at 3 and at 15 results.


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def queries_to_void_the_first_dose(subject, by) -> int:
    return queries_of(
        lambda: dose_void(
            record=DosingRecord.objects.get(subject=subject),
            by=by,
            reason="Entered for the wrong subject",
            now=LATER,
        )
    )


def normal_alt(subject, by, count: int) -> None:
    """`count` more ALT results of 20 U/L on C1D8: normal against any normal baseline."""
    for _ in range(count):
        record_result(subject, by, value=Decimal(20))


def test_a_baseline_correction_reads_the_later_results_in_queries_not_growing_with_them(
    subject, coordinator_a
):
    baseline = record_result(
        subject, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(30)
    )

    def correct(value, version):
        lab_result_update(
            record=baseline,
            by=coordinator_a,
            values=result_values(collected_on=PLANNED_C1D1, value=Decimal(value)),
            reason="Transcription error",
            expected_version=version,
            now=LATER,
        )

    normal_alt(subject, coordinator_a, 3)
    at_3 = queries_of(lambda: correct(35, 1))
    normal_alt(subject, coordinator_a, 12)
    at_15 = queries_of(lambda: correct(32, 2))

    assert at_15 == at_3
    assert set(LabResult.objects.filter(subject=subject).values_list("version", flat=True)) == {
        1,
        3,
    }


def test_the_first_dose_voided_reads_the_results_in_queries_not_growing_with_them(
    study, site_a, coordinator_a, investigator_a, subject
):
    def void_the_first_dose(of, later: int) -> int:
        record_result(
            of, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(30)
        )
        normal_alt(of, coordinator_a, later)
        return queries_to_void_the_first_dose(of, coordinator_a)

    at_3 = void_the_first_dose(subject, 3)
    other = dosed_subject(study, site_a, coordinator_a, investigator_a)
    at_15 = void_the_first_dose(other, 15)

    assert at_15 == at_3
    assert set(LabResult.objects.values_list("version", flat=True)) == {1}


def test_a_new_range_reads_the_sites_results_in_queries_not_growing_with_them(
    subject, site_a, coordinator_a
):
    # Ranges for the other sex: every ALT result of the subject is derived again, none changes.
    other_sex = "F" if subject.sex == "M" else "M"

    def new_range(**ages):
        normal_range_record(
            site=site_a,
            by=coordinator_a,
            values=range_values(sex=other_sex, high=Decimal(35), **ages),
            now=LATER,
        )

    normal_alt(subject, coordinator_a, 3)
    at_3 = queries_of(lambda: new_range(age_max=50))
    normal_alt(subject, coordinator_a, 12)
    at_15 = queries_of(lambda: new_range(age_min=51))

    assert at_15 == at_3
    assert set(LabResult.objects.filter(subject=subject).values_list("version", flat=True)) == {1}


def test_a_regrade_costs_queries_for_the_results_it_saves_not_for_those_it_reads(
    study, site_a, coordinator_a, investigator_a, subject
):
    """Voiding the first dose: the 3 results after it lose their abnormal baseline (80 U/L)
    and are saved; the results on the dose day are read against the ULN before and after."""

    def void_the_first_dose(of, unchanged: int) -> int:
        for _ in range(unchanged):
            record_result(
                of, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(20)
            )
        record_result(
            of, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1, value=Decimal(80)
        )
        for _ in range(3):
            record_result(of, coordinator_a, value=Decimal(100))
        return queries_to_void_the_first_dose(of, coordinator_a)

    with_none = void_the_first_dose(subject, 0)
    other = dosed_subject(study, site_a, coordinator_a, investigator_a)
    with_12 = void_the_first_dose(other, 12)

    assert with_12 == with_none
    saved = LabResult.objects.filter(collected_on__gt=PLANNED_C1D1)
    assert set(saved.values_list("grade", "version")) == {(1, 2)}
    dose_day = LabResult.objects.filter(collected_on=PLANNED_C1D1)
    assert set(dose_day.values_list("version", flat=True)) == {1}
