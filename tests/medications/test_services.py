"""Recording medications (medications.services): bad input, the deviation query, audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medications.models import ConcomitantMedication, ConcomitantMedicationEvent
from medications.rules import Timing
from medications.selectors import timing_of
from medications.services import medication_update, medication_void
from review.models import Query, QueryStatus
from tests.adverse_events.factories import record_ae
from tests.medications.factories import RECORDED_AT, medication_values, record_medication
from tests.screening.factories import PLANNED_C1D1

LATER = RECORDED_AT + timedelta(hours=1)


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="concomitantmedication"
    )


def test_a_medication_is_recorded_audited_and_concomitant(subject, coordinator_a):
    record = record_medication(subject, coordinator_a)
    [event] = ConcomitantMedicationEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["reason"] == "Medication recorded"
    assert record.sequence == 1
    assert timing_of(record, PLANNED_C1D1) is Timing.CONCOMITANT
    stopped = record_medication(
        subject, coordinator_a, ongoing=False, end_date=str(PLANNED_C1D1 - timedelta(days=1))
    )
    assert timing_of(stopped, PLANNED_C1D1) is Timing.PRIOR


def test_the_indication_may_be_the_subject_s_own_ae(subject, coordinator_a):
    ae = record_ae(subject, coordinator_a)
    record = record_medication(subject, coordinator_a, indication="", indication_ae=ae)
    assert record.indication_ae == ae


def test_an_indication_linked_to_another_subject_s_ae_is_refused(
    subject, subject_b, coordinator_a, coordinator_b
):
    other_ae = record_ae(subject_b, coordinator_b)
    with pytest.raises(ValidationError) as excinfo:
        record_medication(subject, coordinator_a, indication_ae=other_ae)
    assert excinfo.value.message_dict["indication_ae"] == [
        "The indication is an adverse event of another subject."
    ]
    assert not ConcomitantMedication.objects.exists()


def test_a_dose_without_unit_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_medication(subject, coordinator_a, dose_unit="")
    assert excinfo.value.message_dict == {"dose_unit": ["A dose of 1000 needs its unit."]}


@pytest.mark.parametrize("who", ["monitor", "coordinator_b"])
def test_only_the_subject_s_site_staff_record_medications(request, subject, who):
    with pytest.raises(PermissionDenied):
        record_medication(subject, request.getfixturevalue(who))


def test_an_immunosuppressive_after_consent_raises_a_deviation_query_closed_when_corrected(
    subject, coordinator_a
):
    record = record_medication(
        subject, coordinator_a, medication="Prednisolone", immunosuppressive=True
    )
    [query] = auto_queries(record)
    assert query.check_code == "cm_prohibited_after_consent:immunosuppressive"
    assert query.status == QueryStatus.OPEN
    assert query.text.startswith("Protocol deviation: CM1 Prednisolone")

    medication_update(
        record=record,
        by=coordinator_a,
        values=medication_values(medication="Prednisolone", immunosuppressive=False),
        reason="Topical, not systemic: not immunosuppressive",
        expected_version=1,
        now=LATER,
    )
    query.refresh_from_db()
    assert query.status == QueryStatus.CLOSED


def test_an_investigational_product_after_consent_raises_a_deviation_query(subject, coordinator_a):
    record = record_medication(
        subject, coordinator_a, medication="Trial drug X", investigational=True
    )
    assert [q.check_code for q in auto_queries(record)] == [
        "cm_prohibited_after_consent:investigational"
    ]


def test_voiding_closes_the_deviation_query_and_keeps_the_row(subject, coordinator_a):
    record = record_medication(subject, coordinator_a, immunosuppressive=True)
    medication_void(
        record=record, by=coordinator_a, reason="Other patient", expected_version=1, now=LATER
    )
    record.refresh_from_db()
    assert record.voided_at is not None and record.void_reason == "Other patient"
    assert auto_queries(record).get().status == QueryStatus.CLOSED
