"""Recording vital signs through the CRF write contract (review.contract.crf_write). A save
refuses, naming the field: an implausible value or a diastolic pressure at or above the
systolic (trial.vital_signs, the dosing CRF's rule and the study file's ranges), no vital
sign at all, a date in the future, before the consent or outside the visit (vitals.rules),
a dosing visit, a missed one, and a second set at the same visit and time point."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing.selectors import plausible_vitals
from review.contract import crf_write
from trial.access import entry_required
from trial.models import User, Visit, VisitKind
from trial.selectors import consent_date
from trial.vital_signs import VITAL_SIGNS, check_vitals
from vitals import rules
from vitals.models import VitalSigns, VitalsTimePoint

VITALS_FIELDS = ("measured_on", "measured_time", *VITAL_SIGNS)


def _problems(record: VitalSigns, *, now: datetime) -> dict[str, list[str]]:
    visit = record.visit
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message[0].upper() + message[1:].rstrip(".") + ".")

    problem = rules.visit_problem(
        dosing_visit=visit.kind == VisitKind.DOSING,
        missed=bool(visit.missed_reason),
        not_applicable=visit.not_applicable,
    )
    if problem:
        add("__all__", problem)
    problem = rules.measured_on_problem(
        measured_on=record.measured_on,
        today=timezone.localdate(now),
        consent_on=consent_date(record.subject),
        window=(visit.window_opens_on, visit.window_closes_on),
        visit_on=visit.completed_on,
    )
    if problem:
        add("measured_on", problem)
    values = {name: getattr(record, name) for name in VITAL_SIGNS}
    if rules.none_measured(values):
        add("__all__", "Record at least one vital sign.")
    for field, message in check_vitals(
        values, ranges=plausible_vitals(subject_id=record.subject_id)
    ):
        add(field, message)
    return errors


def _refuse_a_second(record: VitalSigns) -> None:
    """One live set per visit and time point (checked under the subject's row lock)."""
    others = VitalSigns.objects.filter(
        visit=record.visit, time_point=record.time_point, voided_at__isnull=True
    ).exclude(pk=record.pk)
    if others.exists():
        raise ValidationError(
            f"Vital signs are already recorded at {record.visit.code}: correct those instead."
        )


def _apply(record: VitalSigns, values: dict, *, now: datetime) -> None:
    for name in VITALS_FIELDS:
        setattr(record, name, values.get(name))
    errors = _problems(record, now=now)
    if errors:
        raise ValidationError(errors)


def vitals_record(*, visit: Visit, by: User, values: dict, now: datetime) -> VitalSigns:
    """Record the vital signs taken at a visit without a dose."""
    subject = visit.subject
    with crf_write(
        require=entry_required(by, subject, "record vital signs"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="Vital signs recorded",
    ) as write:
        record = VitalSigns(
            subject=subject, visit=visit, time_point=VitalsTimePoint.VISIT, recorded_by=by
        )
        _apply(record, values, now=now)
        _refuse_a_second(record)
        write.save(record)
    return record


def vitals_update(
    *,
    record: VitalSigns,
    by: User,
    values: dict,
    reason: str,
    expected_version: int,
    now: datetime,
) -> VitalSigns:
    """Correct a set of vital signs: the version the user edited, a reason for change."""
    with crf_write(
        require=entry_required(by, record.subject, "edit vital signs"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        _apply(current, values, now=now)
        write.save(current)
    return current


def vitals_void(
    *, record: VitalSigns, by: User, reason: str, expected_version: int, now: datetime
) -> VitalSigns:
    """Void a set entered in error (the row stays, with the reason): the visit may then take
    another."""
    with crf_write(
        require=entry_required(by, record.subject, "void vital signs"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()
