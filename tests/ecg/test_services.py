"""Recording ECGs (ecg.services): averaged, QTcF graded against the baseline, audited; bad
input refused naming the field; a finding after the first dose without its AE queried."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from ecg.models import Electrocardiogram, ElectrocardiogramEvent
from ecg.rules import QTC_TERM
from ecg.services import ecg_update, ecg_void
from review.models import Query, QueryStatus
from review.selectors import record_panel
from review.services import record_lock, record_verify
from tests.adverse_events.factories import record_ae
from tests.ecg.factories import C1D8, RECORDED_AT, ecg_values, record_ecg, with_qt
from tests.review.factories import sign
from tests.screening.factories import PLANNED_C1D1

LATER = RECORDED_AT + timedelta(hours=1)


def auto_queries(record):
    return Query.objects.filter(
        object_id=record.pk, origin="automatic", content_type__model="electrocardiogram"
    )


def test_an_ecg_is_averaged_graded_and_audited(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a)
    assert record.readings == 3
    assert (record.mean_qt_ms, record.qtcf_ms, record.mean_rr_ms) == (
        Decimal("410.0"),
        Decimal("410.0"),
        Decimal("1000.0"),
    )
    assert record.qtc_grade == 0 and record.baseline_qtcf_ms is None
    [event] = ElectrocardiogramEvent.objects.filter(pgh_obj=record)
    assert event.pgh_context.metadata["reason"] == "ECG recorded"


def test_a_rise_of_more_than_60_ms_over_the_pre_dose_baseline_is_grade_3(subject, coordinator_a):
    record_ecg(
        subject,
        coordinator_a,
        "C1D1",
        values=with_qt(400, time_point="pre_dose", performed_on=PLANNED_C1D1),
    )
    later = record_ecg(subject, coordinator_a, values=with_qt(461))
    assert later.baseline_qtcf_ms == Decimal("400.0")
    assert later.qtc_grade == 3  # 461 alone is grade 1


def test_the_post_dose_ecg_of_the_first_dose_day_is_not_the_baseline(subject, coordinator_a):
    c1d1 = {"performed_on": PLANNED_C1D1}
    record_ecg(subject, coordinator_a, "C1D1", values=with_qt(400, time_point="pre_dose", **c1d1))
    post = record_ecg(
        subject, coordinator_a, "C1D1", values=with_qt(455, time_point="post_dose", **c1d1)
    )
    assert (post.baseline_qtcf_ms, post.qtc_grade) == (Decimal("400.0"), 1)
    later = record_ecg(subject, coordinator_a, values=with_qt(430))
    assert later.baseline_qtcf_ms == Decimal("400.0")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"qt_ms_1": 720}, "qt_ms_1", "outside physiology"),
        ({"qt_ms_2": 150}, "qt_ms_2", "outside physiology"),
        ({"rr_ms_3": 200}, "rr_ms_3", "outside physiology"),
        ({"heart_rate_bpm_1": None}, "heart_rate_bpm_1", "required"),
        ({"time_point": "pre_dose"}, "time_point", "Only a dosing visit"),
        ({"interpretation": "abnormal_ncs"}, "abnormality", "findings described"),
    ],
)
def test_bad_input_is_refused_naming_the_field(subject, coordinator_a, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        record_ecg(subject, coordinator_a, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not Electrocardiogram.objects.exists()


def test_one_ecg_per_visit_and_time_point(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        record_ecg(subject, coordinator_a)
    assert "already recorded" in excinfo.value.message_dict["time_point"][0]
    ecg_void(record=record, by=coordinator_a, reason="Wrong subject", expected_version=1, now=LATER)
    record_ecg(subject, coordinator_a)  # a voided ECG does not block its replacement
    assert Electrocardiogram.objects.count() == 2


def test_other_sites_and_read_only_roles_cannot_record(subject, coordinator_b, monitor):
    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            record_ecg(subject, user)
    assert not Electrocardiogram.objects.exists()


def test_a_grade_2_qtc_after_the_first_dose_without_an_ae_raises_a_query(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a, values=with_qt(485))
    assert record.qtc_grade == 2
    [query] = auto_queries(record)
    assert query.status == QueryStatus.OPEN and query.field_name == "qt_ms_1"
    assert QTC_TERM in query.text


def test_no_query_when_the_qtc_ae_is_ongoing(subject, coordinator_a):
    record_ae(subject, coordinator_a, term=QTC_TERM, grade=2)
    record = record_ecg(subject, coordinator_a, values=with_qt(485))
    assert not auto_queries(record).exists()


def test_a_clinically_significant_abnormality_without_an_ae_raises_a_query(subject, coordinator_a):
    record = record_ecg(
        subject, coordinator_a, interpretation="abnormal_cs", abnormality="New LBBB"
    )
    [query] = auto_queries(record)
    assert query.field_name == "interpretation"


def test_baseline_findings_and_grade_1_raise_no_query(subject, coordinator_a):
    baseline = record_ecg(
        subject,
        coordinator_a,
        "C1D1",
        values=with_qt(
            490,
            time_point="pre_dose",
            performed_on=PLANNED_C1D1,
            interpretation="abnormal_cs",
            abnormality="Long QT",
        ),
    )
    grade_1 = record_ecg(subject, coordinator_a, values=with_qt(455))
    assert (baseline.qtc_grade, grade_1.qtc_grade) == (2, 1)
    assert not auto_queries(baseline).exists() and not auto_queries(grade_1).exists()


def test_a_correction_regrades_closes_the_query_and_needs_a_reason(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a, values=with_qt(485))
    values = with_qt(440)
    with pytest.raises(ValidationError) as excinfo:
        ecg_update(
            record=record, by=coordinator_a, values=values, reason="", expected_version=1, now=LATER
        )
    assert "reason" in excinfo.value.message_dict
    updated = ecg_update(
        record=record,
        by=coordinator_a,
        values=values,
        reason="QT re-read on the tracing",
        expected_version=1,
        now=LATER,
    )
    assert (updated.qtcf_ms, updated.qtc_grade, updated.version) == (Decimal("440.0"), 0, 2)
    assert auto_queries(record).get().status == QueryStatus.CLOSED


def test_a_stale_correction_is_refused(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a)
    ecg_update(
        record=record,
        by=coordinator_a,
        values=ecg_values(),
        reason="x",
        expected_version=1,
        now=LATER,
    )
    with pytest.raises(ValidationError) as excinfo:
        ecg_update(
            record=record,
            by=coordinator_a,
            values=ecg_values(performed_on=C1D8),
            reason="y",
            expected_version=1,
            now=LATER,
        )
    assert excinfo.value.error_dict["__all__"][0].code == "stale"


def test_void_keeps_the_row_and_closes_its_queries(subject, coordinator_a):
    record = record_ecg(subject, coordinator_a, values=with_qt(485))
    ecg_void(record=record, by=coordinator_a, reason="Duplicate", expected_version=1, now=LATER)
    record.refresh_from_db()
    assert record.voided_at == LATER and record.void_reason == "Duplicate"
    assert auto_queries(record).get().status == QueryStatus.CLOSED
    with transaction.atomic(), pytest.raises(DatabaseError, match="Cannot delete"):
        Electrocardiogram.objects.filter(pk=record.pk).delete()


def test_an_ecg_is_signed_verified_and_locked_through_review(
    subject, coordinator_a, investigator_a, monitor, data_manager
):
    record = record_ecg(subject, coordinator_a)
    sign(record, investigator_a, now=LATER)
    record_verify(record=record, by=monitor, now=LATER)
    record_lock(record=record, by=data_manager, now=LATER + timedelta(minutes=5))
    panel = record_panel(record, data_manager)
    assert panel.locked and panel.signature is not None and panel.verification is not None
    with pytest.raises(ValidationError, match="is locked"):
        ecg_update(
            record=record,
            by=coordinator_a,
            values=with_qt(430),
            reason="Source",
            expected_version=1,
            now=LATER + timedelta(minutes=10),
        )
