"""Recording prior and concomitant medications, through the CRF write contract
(review.contract.crf_write); the clinical rules are medications.rules."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from medications import rules
from medications.models import ConcomitantMedication
from review.contract import crf_write
from trial.access import entry_required
from trial.models import Subject, User
from trial.selectors import consent_date

CM_FIELDS = (
    "medication",
    "indication",
    "indication_ae",
    "indication_history",
    "dose",
    "dose_code",
    "dose_unit",
    "route",
    "frequency",
    "start_date",
    "ongoing",
    "end_date",
    "immunosuppressive",
    "investigational",
)
_TEXT = {"medication", "indication", "dose_code", "dose_unit", "route", "frequency"}


def facts_for(subject: Subject, values: dict) -> rules.MedicationFacts:
    ae, condition = values.get("indication_ae"), values.get("indication_history")
    return rules.MedicationFacts(
        medication=values.get("medication") or "",
        start=values.get("start_date") or "",
        ongoing=bool(values.get("ongoing")),
        end=values.get("end_date") or "",
        dose=values.get("dose"),
        dose_code=values.get("dose_code") or "",
        dose_unit=values.get("dose_unit") or "",
        subject_id=subject.pk,
        indication_ae_subject_id=ae.subject_id if ae else None,
        indication_history_subject_id=condition.subject_id if condition else None,
        immunosuppressive=bool(values.get("immunosuppressive")),
        investigational=bool(values.get("investigational")),
    )


def check(subject: Subject, values: dict, *, now: datetime) -> list[tuple[str | None, str]]:
    if consent_date(subject) is None:
        return [(None, "Record informed consent before medications.")]
    return rules.check_medication(facts_for(subject, values), today=timezone.localtime(now).date())


def _raise(problems) -> None:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field or "__all__", []).append(message)
    raise ValidationError(errors)


def _apply(record: ConcomitantMedication, values: dict) -> None:
    for name in CM_FIELDS:
        value = values.get(name)
        if name in _TEXT or name in ("start_date", "end_date"):
            value = (value or "").strip()
        elif name in ("ongoing", "immunosuppressive", "investigational"):
            value = bool(value)
        setattr(record, name, value)


def medication_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> ConcomitantMedication:
    """Add a prior or concomitant medication."""
    with crf_write(
        require=entry_required(by, subject, "record medications"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="Medication recorded",
    ) as write:
        problems = check(subject, values, now=now)
        if problems:
            _raise(problems)
        last = ConcomitantMedication.objects.filter(subject=subject).aggregate(m=Max("sequence"))
        record = ConcomitantMedication(
            subject=subject, sequence=(last["m"] or 0) + 1, recorded_by=by
        )
        _apply(record, values)
        write.save(record)
    return record


def medication_update(
    *,
    record: ConcomitantMedication,
    by: User,
    values: dict,
    reason: str,
    expected_version: int,
    now: datetime,
) -> ConcomitantMedication:
    with crf_write(
        require=entry_required(by, record.subject, "edit medications"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        problems = check(current.subject, values, now=now)
        if problems:
            _raise(problems)
        _apply(current, values)
        write.save(current)
    return current


def medication_void(
    *, record: ConcomitantMedication, by: User, reason: str, expected_version: int, now: datetime
) -> ConcomitantMedication:
    with crf_write(
        require=entry_required(by, record.subject, "void medications"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()
