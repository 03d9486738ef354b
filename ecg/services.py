"""Recording ECGs through the CRF write contract (review.contract.crf_write). The rules are
ecg.rules: a save checks each reading against physiology, averages the readings, computes the
average QTcF and grades it against the subject's baseline."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from ecg import rules
from ecg.models import READING_FIELDS, READINGS, EcgTimePoint, Electrocardiogram
from review.contract import crf_write
from trial.access import entry_required
from trial.models import User, Visit, VisitKind

READING_COLUMNS = tuple(
    f"{name}_{number}" for number in range(1, READINGS + 1) for name in READING_FIELDS
)
ECG_FIELDS = (
    "time_point",
    "performed_on",
    "performed_time",
    *READING_COLUMNS,
    "interpretation",
    "abnormality",
)


def typed_readings(record: Electrocardiogram) -> list[rules.TypedReading]:
    def value(name, number):
        raw = getattr(record, f"{name}_{number}")
        return None if raw is None else Decimal(raw)

    return [
        rules.TypedReading(**{name: value(name, number) for name in READING_FIELDS})
        for number in range(1, READINGS + 1)
    ]


def is_after_first_dose(record: Electrocardiogram) -> bool:
    return rules.after_first_dose(
        performed_on=record.performed_on,
        time_point=record.time_point,
        first_dose_on=record.subject.first_dose_on,
    )


def baseline_of(record: Electrocardiogram) -> Electrocardiogram | None:
    """The subject's baseline ECG: the last live one before the first dose (screening, C1D1
    pre-dose); None when `record` is itself a baseline or there is none."""
    subject = record.subject
    if not is_after_first_dose(record):
        return None
    rows = (
        Electrocardiogram.objects.filter(
            subject=subject, voided_at__isnull=True, performed_on__lte=subject.first_dose_on
        )
        .exclude(performed_on=subject.first_dose_on, time_point=EcgTimePoint.POST_DOSE)
        .exclude(pk=record.pk)
    )
    return rows.order_by("-performed_on", "-performed_time", "-pk").first()


def _compute(record: Electrocardiogram) -> None:
    """Check the entered fields and derive the means, QTcF and grade; field errors raise
    ValidationError naming the field and the rule."""
    errors: dict[str, list[str]] = {}
    problem = rules.time_point_problem(
        time_point=record.time_point, dosing_visit=record.visit.kind == VisitKind.DOSING
    )
    if problem:
        errors["time_point"] = [problem]
    for number, reading in enumerate(typed_readings(record), start=1):
        for field, message in rules.typed_reading_problems(reading, number).items():
            errors.setdefault(field, []).append(message[0].upper() + message[1:] + ".")
    if record.interpretation in rules.Interpretation.ABNORMAL and not record.abnormality:
        errors["abnormality"] = ["An abnormal ECG needs its findings described."]
    if errors:
        raise ValidationError(errors)
    summary = rules.summarise(typed_readings(record))
    record.readings = summary.readings
    record.mean_heart_rate_bpm = summary.heart_rate_bpm
    record.mean_pr_ms = summary.pr_ms
    record.mean_qrs_ms = summary.qrs_ms
    record.mean_qt_ms = summary.qt_ms
    record.mean_rr_ms = summary.rr_ms
    record.qtcf_ms = summary.qtcf_ms
    baseline = baseline_of(record)
    record.baseline_qtcf_ms = baseline.qtcf_ms if baseline is not None else None
    record.qtc_grade = rules.qtc_grade(
        qtc_ms=summary.qtcf_ms, baseline_qtc_ms=record.baseline_qtcf_ms
    )


def _apply(record: Electrocardiogram, values: dict) -> None:
    for name in ECG_FIELDS:
        value = values.get(name)
        if name == "abnormality":
            value = (value or "").strip()
        setattr(record, name, value)


def _refuse_a_second(record: Electrocardiogram) -> None:
    """One live ECG per visit and time point (checked under the subject's row lock)."""
    others = Electrocardiogram.objects.filter(
        visit=record.visit, time_point=record.time_point, voided_at__isnull=True
    ).exclude(pk=record.pk)
    if others.exists():
        raise ValidationError(
            {
                "time_point": [
                    f"An ECG {record.get_time_point_display().lower()} is already recorded at "
                    f"{record.visit.code}: correct that one instead."
                ]
            }
        )


def ecg_record(*, visit: Visit, by: User, values: dict, now: datetime) -> Electrocardiogram:
    """Add the ECG of a visit's time point."""
    subject = visit.subject
    with crf_write(
        require=entry_required(by, subject, "record ECGs"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="ECG recorded",
    ) as write:
        record = Electrocardiogram(subject=subject, visit=visit, recorded_by=by)
        _apply(record, values)
        _compute(record)
        _refuse_a_second(record)
        write.save(record)
    return record


def ecg_update(
    *,
    record: Electrocardiogram,
    by: User,
    values: dict,
    reason: str,
    expected_version: int,
    now: datetime,
) -> Electrocardiogram:
    with crf_write(
        require=entry_required(by, record.subject, "edit ECGs"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        _apply(current, values)
        _compute(current)
        _refuse_a_second(current)
        write.save(current)
    return current


def ecg_void(
    *, record: Electrocardiogram, by: User, reason: str, expected_version: int, now: datetime
) -> Electrocardiogram:
    with crf_write(
        require=entry_required(by, record.subject, "void ECGs"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()
