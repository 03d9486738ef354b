"""Recording samples (samples.services): found in the study's schedule, timed against the
visit's dose, audited; bad input refused naming the field; a deviation beyond tolerance
queried; handling stages recorded in order."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from review.models import Query, QueryStatus
from review.selectors import record_panel
from review.services import record_lock
from samples.models import Sample, SampleEvent
from samples.services import sample_stage_record, sample_update, sample_void
from tests.review.factories import sign
from tests.samples.factories import RECORDED_AT, record_sample, sample_values
from tests.screening.factories import PLANNED_C1D1

LATER = RECORDED_AT + timedelta(hours=1)


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="sample"
    )


def test_a_sample_is_timed_against_the_dose_and_audited(subject, coordinator_a):
    record = record_sample(subject, coordinator_a)
    assert (record.sample_type_label, record.nominal_label) == (
        "Pharmacokinetics (serum IL-22BP)",
        "1 h",
    )
    assert record.dose_reference_at == _local(-1)  # the dose started at 09:30
    assert (record.deviation_minutes, record.beyond_tolerance) == (0, False)
    assert record.status == "collected"
    assert not auto_queries(record).exists()
    [event] = SampleEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["reason"] == "Sample recorded"


@pytest.mark.parametrize(
    ("nominal", "collected", "deviation", "beyond"),
    [
        ("H1", time(10, 40), 10, False),  # 1 h: ±10 min
        ("H1", time(10, 41), 11, True),
        ("H1", time(10, 20), -10, False),
        ("H1", time(10, 19), -11, True),
        ("EOI", time(9, 50), 5, False),  # from the end (09:45): ±5 min
        ("EOI", time(9, 51), 6, True),
        ("PRE", time(8, 30), -60, False),  # pre-dose: at most 60 min before 09:30
        ("PRE", time(8, 29), -61, True),
    ],
)
def test_a_deviation_beyond_the_tolerance_is_flagged_and_queried(
    subject, coordinator_a, nominal, collected, deviation, beyond
):
    record = record_sample(subject, coordinator_a, nominal_time=nominal, collected_time=collected)
    assert (record.deviation_minutes, record.beyond_tolerance) == (deviation, beyond)
    queries = list(auto_queries(record))
    assert len(queries) == (1 if beyond else 0)
    if beyond:
        assert queries[0].field_name == "collected_time" and "tolerance" in queries[0].text


def test_the_24_h_sample_the_next_day(subject, coordinator_a):
    record = record_sample(
        subject,
        coordinator_a,
        nominal_time="H24",
        collected_on=PLANNED_C1D1 + timedelta(days=1),
        collected_time=time(9, 30),
    )
    assert (record.deviation_minutes, record.beyond_tolerance) == (0, False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # A sample time before the dose when its nominal time is after it.
        ({"collected_time": time(9, 0)}, "collected_time", "before the dose"),
        ({"nominal_time": "PRE", "collected_time": time(9, 31)}, "collected_time", "after the"),
        ({"sample_type": "ADA", "nominal_time": "H1"}, "nominal_time", "collected at PRE"),
        ({"sample_type": "URINE"}, "sample_type", "planned there: PK, ADA, BIOMARKER"),
        ({"sample_id": "  "}, "sample_id", "needs its identifier"),
    ],
)
def test_bad_input_is_refused_naming_the_field(subject, coordinator_a, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        record_sample(subject, coordinator_a, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not Sample.objects.exists()


def test_a_visit_without_its_dose_recorded_refuses_the_sample(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_sample(subject, coordinator_a, "C2D1")
    assert "record the dose first" in excinfo.value.message_dict["collected_time"][0]


def test_one_sample_per_time_and_one_use_of_an_identifier(subject, coordinator_a):
    first = record_sample(subject, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        record_sample(subject, coordinator_a, sample_id="PK-0002")
    assert "already recorded" in excinfo.value.message_dict["nominal_time"][0]
    with pytest.raises(ValidationError) as excinfo:
        record_sample(subject, coordinator_a, nominal_time="H2", collected_time=time(11, 30))
    assert "PK-0001 is already recorded" in excinfo.value.message_dict["sample_id"][0]
    sample_void(record=first, by=coordinator_a, reason="Mislabelled", expected_version=1, now=LATER)
    record_sample(subject, coordinator_a)  # a voided sample frees its time and identifier
    assert Sample.objects.count() == 2


def test_other_sites_and_read_only_roles_cannot_record(subject, coordinator_b, monitor):
    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            record_sample(subject, user)
    assert not Sample.objects.exists()


def test_a_correction_retimes_closes_the_query_and_needs_a_reason(subject, coordinator_a):
    record = record_sample(subject, coordinator_a, collected_time=time(10, 50))
    assert record.beyond_tolerance
    values = sample_values(collected_time=time(10, 35))
    with pytest.raises(ValidationError) as excinfo:
        sample_update(
            record=record, by=coordinator_a, values=values, reason="", expected_version=1, now=LATER
        )
    assert "reason" in excinfo.value.message_dict
    updated = sample_update(
        record=record,
        by=coordinator_a,
        values=values,
        reason="Time read from the tube log",
        expected_version=1,
        now=LATER,
    )
    assert (updated.deviation_minutes, updated.beyond_tolerance, updated.version) == (5, False, 2)
    assert auto_queries(record).get().status == QueryStatus.CLOSED


def _local(hours_after_collection):
    collected = datetime.combine(PLANNED_C1D1, time(10, 30), tzinfo=timezone.get_current_timezone())
    return collected + timedelta(hours=hours_after_collection)


def test_handling_stages_in_order_keep_the_signature(subject, coordinator_a, investigator_a):
    record = record_sample(subject, coordinator_a)
    now = _local(48)
    sign(record, investigator_a, now=LATER)
    with pytest.raises(ValidationError) as excinfo:
        sample_stage_record(
            record=record,
            by=coordinator_a,
            stage="stored",
            at=_local(1),
            expected_version=1,
            now=now,
        )
    assert "processed before it is stored" in excinfo.value.message_dict["at"][0]
    record = sample_stage_record(
        record=record,
        by=coordinator_a,
        stage="processed",
        at=_local(0.5),
        expected_version=1,
        now=now,
    )
    record = sample_stage_record(
        record=record,
        by=coordinator_a,
        stage="stored",
        at=_local(1),
        expected_version=2,
        now=now,
    )
    with pytest.raises(ValidationError) as excinfo:
        sample_stage_record(
            record=record,
            by=coordinator_a,
            stage="shipped",
            at=_local(24),
            expected_version=3,
            now=now,
        )
    assert "reference" in excinfo.value.message_dict
    record = sample_stage_record(
        record=record,
        by=coordinator_a,
        stage="shipped",
        at=_local(24),
        reference="AWB 123",
        expected_version=3,
        now=now,
    )
    assert (record.status, record.shipment_reference, record.version) == ("shipped", "AWB 123", 4)
    assert record_panel(record, investigator_a).signature_state == "valid"
    latest = SampleEvent.objects.filter(pgh_obj=record).order_by("pgh_id").last()
    assert latest.pgh_context.metadata["reason"] == "Sample shipped"


def test_a_locked_sample_is_read_only(subject, coordinator_a, investigator_a, data_manager):
    record = record_sample(subject, coordinator_a)
    sign(record, investigator_a, now=LATER)
    record_lock(record=record, by=data_manager, now=LATER + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="is locked"):
        sample_update(
            record=record,
            by=coordinator_a,
            values=sample_values(sample_id="PK-0009"),
            reason="Source",
            expected_version=1,
            now=LATER + timedelta(minutes=10),
        )


def test_void_keeps_the_row(subject, coordinator_a):
    record = record_sample(subject, coordinator_a)
    sample_void(record=record, by=coordinator_a, reason="Duplicate", expected_version=1, now=LATER)
    record.refresh_from_db()
    assert record.voided_at == LATER and record.void_reason == "Duplicate"
    with transaction.atomic(), pytest.raises(DatabaseError, match="Cannot delete"):
        Sample.objects.filter(pk=record.pk).delete()
