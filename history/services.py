"""Recording a subject's medical history: who may, checked against history.rules, audited.

Each write goes through the CRF write contract (review.contract.crf_write: data entry at the
subject's site, the row lock, the record lock, the version, the reason for change, the audit
context, the automatic edit checks); this module adds the clinical rules.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from adverse_events.models import CtcaeTerm
from history import rules
from history.models import MedicalHistory
from review.contract import crf_write
from trial.access import require
from trial.capabilities import Capability
from trial.models import Subject, User
from trial.selectors import consent_date, first_dose_date

MH_FIELDS = (
    "condition",
    "term",
    "start_date",
    "ongoing",
    "end_date",
    "baseline_grade",
    "baseline_grade_code",
    "treatment",
)


def facts_for(values: dict) -> rules.ConditionFacts:
    term: CtcaeTerm | None = values.get("term")
    return rules.ConditionFacts(
        condition=values.get("condition") or "",
        start=values.get("start_date") or "",
        ongoing=bool(values.get("ongoing")),
        end=values.get("end_date") or "",
        baseline_grade=values.get("baseline_grade"),
        baseline_grade_code=values.get("baseline_grade_code") or "",
        term=term.term if term else None,
        available_grades=frozenset(term.available_grades) if term else frozenset(),
    )


def check(subject: Subject, values: dict, *, now: datetime) -> list[tuple[str | None, str]]:
    """(field, message) problems of these values; [] when they may be saved."""
    consented = consent_date(subject)
    if consented is None:
        return [(None, "Record informed consent before the medical history.")]
    return rules.check_condition(
        facts_for(values),
        today=timezone.localtime(now).date(),
        consent_date=consented,
        first_dose=first_dose_date(subject),
    )


def _raise(problems) -> None:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field or "__all__", []).append(message)
    raise ValidationError(errors)


def _apply(record: MedicalHistory, values: dict) -> None:
    for name in MH_FIELDS:
        value = values.get(name)
        if name == "term":
            record.term = value
            record.recorded_term = value.term if value else ""
            continue
        if value is None and name not in ("baseline_grade",):
            value = "" if name != "ongoing" else False
        setattr(record, name, value.strip() if isinstance(value, str) else value)


def _require_entry(by: User, subject: Subject, action: str):
    return lambda: require(by, Capability.ENTER_DATA, subject, action=action)


def medical_history_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> MedicalHistory:
    """Add a condition to the subject's medical history."""
    if subject.voided_at:
        raise ValidationError("This subject was voided: nothing more is recorded for it.")
    with crf_write(
        require=_require_entry(by, subject, "record medical history"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="Medical history recorded",
    ) as write:
        problems = check(subject, values, now=now)
        if problems:
            _raise(problems)
        last = MedicalHistory.objects.filter(subject=subject).aggregate(m=Max("sequence"))["m"]
        record = MedicalHistory(subject=subject, sequence=(last or 0) + 1, recorded_by=by)
        _apply(record, values)
        write.save(record)
    return record


def medical_history_update(
    *,
    record: MedicalHistory,
    by: User,
    values: dict,
    reason: str,
    expected_version: int,
    now: datetime,
) -> MedicalHistory:
    """Correct a condition; the reason is kept in the audit trail."""
    with crf_write(
        require=_require_entry(by, record.subject, "edit medical history"),
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


def medical_history_void(
    *, record: MedicalHistory, by: User, reason: str, expected_version: int, now: datetime
) -> MedicalHistory:
    """Void an entry made in error: the row stays, with the reason; its queries close."""
    with crf_write(
        require=_require_entry(by, record.subject, "void medical history"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()
