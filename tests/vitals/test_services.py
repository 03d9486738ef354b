"""Recording vital signs (vitals.services): audited; bad input refused naming the field; one
set per visit; corrected with a reason from the version edited; voided, never deleted; an
abnormal value queried automatically."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from review.models import Query, QueryStatus
from review.selectors import record_panel
from review.services import record_lock, record_verify
from tests.review.factories import sign
from tests.screening.factories import CONSENTED, PLANNED_C1D1
from tests.vitals.factories import C1D2, RECORDED_AT, record_vitals, vitals_values
from vitals.models import VitalSigns, VitalSignsEvent
from vitals.services import vitals_update, vitals_void

LATER = RECORDED_AT + timedelta(hours=1)


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="vitalsigns"
    )


def update(record, by, *, reason="Re-measured", expected_version=1, **changes):
    return vitals_update(
        record=record,
        by=by,
        values=vitals_values(**changes),
        reason=reason,
        expected_version=expected_version,
        now=LATER,
    )


def test_a_set_is_recorded_at_its_visit_and_audited(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    assert (record.visit.code, record.time_point, record.version) == ("C1D2", "visit", 1)
    assert record.pulse_bpm == Decimal("74")
    [event] = VitalSignsEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["reason"] == "Vital signs recorded"
    assert not auto_queries(record).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pulse_bpm": Decimal("251")}, "pulse_bpm", "outside the plausible range 20–250"),
        ({"temperature_c": Decimal("29.9")}, "temperature_c", "plausible range 30.0–43.0 °C"),
        ({"spo2_pct": Decimal("101")}, "spo2_pct", "plausible range"),
        ({"diastolic_mmhg": Decimal("122")}, "diastolic_mmhg", "must be below systolic 122"),
        ({"measured_on": C1D2 + timedelta(days=2)}, "measured_on", "in the future"),
        ({"measured_on": CONSENTED - timedelta(days=1)}, "measured_on", "before the informed"),
        ({"measured_on": PLANNED_C1D1}, "measured_on", "outside the visit's window"),
        ({"measured_on": None}, "measured_on", "required"),
        (dict.fromkeys(("temperature_c", "pulse_bpm", "systolic_mmhg", "diastolic_mmhg",
                        "respiratory_rate", "spo2_pct")), "__all__", "at least one vital sign"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(subject, coordinator_a, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        record_vitals(subject, coordinator_a, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not VitalSigns.objects.exists()


def test_a_dosing_visit_s_vital_signs_are_on_its_dosing_crf(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_vitals(subject, coordinator_a, "C1D1", measured_on=PLANNED_C1D1)
    assert "dosing CRF" in excinfo.value.message_dict["__all__"][0]


def test_a_missed_visit_takes_no_vital_signs(subject, coordinator_a):
    subject.visits.filter(code="C1D2").update(missed_reason="Patient unwell at home")
    with pytest.raises(ValidationError) as excinfo:
        record_vitals(subject, coordinator_a)
    assert "missed" in excinfo.value.message_dict["__all__"][0]


def test_screening_vital_signs_on_the_consent_day(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a, "SCR", measured_on=CONSENTED)
    assert record.visit.kind == "screening"


def test_one_set_per_visit_a_voided_one_does_not_block_its_replacement(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    with pytest.raises(ValidationError, match="already recorded at C1D2"):
        record_vitals(subject, coordinator_a)
    vitals_void(
        record=record, by=coordinator_a, reason="Wrong subject", expected_version=1, now=LATER
    )
    record_vitals(subject, coordinator_a, now=LATER)
    assert VitalSigns.objects.count() == 2


def test_other_sites_and_read_only_roles_cannot_record(subject, coordinator_b, monitor):
    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            record_vitals(subject, user)
    assert not VitalSigns.objects.exists()


def test_a_value_out_of_the_clinical_range_is_queried_and_the_correction_closes_it(
    subject, coordinator_a
):
    record = record_vitals(subject, coordinator_a, temperature_c=Decimal("38.4"))
    [query] = auto_queries(record)
    assert (query.status, query.field_name) == (QueryStatus.OPEN, "temperature_c")
    assert query.text.startswith("Temperature 38.4 °C is at or above 38.0 °C")
    updated = update(record, coordinator_a, temperature_c=Decimal("37.4"))
    assert (updated.temperature_c, updated.version) == (Decimal("37.4"), 2)
    assert auto_queries(record).get().status == QueryStatus.CLOSED
    event = VitalSignsEvent.objects.filter(pgh_obj=record).order_by("pgh_id").last()
    assert event.pgh_context.metadata["reason"] == "Re-measured"


def test_a_correction_needs_a_reason_and_keeps_the_rules(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        update(record, coordinator_a, reason="")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        update(record, coordinator_a, pulse_bpm=Decimal("300"))
    assert "plausible range" in excinfo.value.message_dict["pulse_bpm"][0]
    record.refresh_from_db()
    assert (record.pulse_bpm, record.version) == (Decimal("74"), 1)


def test_a_stale_correction_is_refused(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    update(record, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        update(record, coordinator_a, pulse_bpm=Decimal("80"))
    assert excinfo.value.error_dict["__all__"][0].code == "stale"


def test_void_keeps_the_row_closes_its_queries_and_needs_a_reason(subject, coordinator_a):
    record = record_vitals(subject, coordinator_a, spo2_pct=Decimal("90"))
    with pytest.raises(ValidationError):
        vitals_void(record=record, by=coordinator_a, reason="", expected_version=1, now=LATER)
    vitals_void(record=record, by=coordinator_a, reason="Duplicate", expected_version=1, now=LATER)
    record.refresh_from_db()
    assert record.voided_at == LATER and record.void_reason == "Duplicate"
    assert auto_queries(record).get().status == QueryStatus.CLOSED
    with transaction.atomic(), pytest.raises(DatabaseError, match="Cannot delete"):
        VitalSigns.objects.filter(pk=record.pk).delete()


def test_signed_verified_and_locked_through_review(
    subject, coordinator_a, investigator_a, monitor, data_manager
):
    record = record_vitals(subject, coordinator_a)
    sign(record, investigator_a, now=LATER)
    record_verify(record=record, by=monitor, now=LATER)
    record_lock(record=record, by=data_manager, now=LATER + timedelta(minutes=5))
    panel = record_panel(record, data_manager)
    assert panel.locked and panel.signature is not None and panel.verification is not None
    with pytest.raises(ValidationError, match="is locked"):
        update(record, coordinator_a)
