"""Recording a subject's medical history: who may, checked against history.rules, audited.

The write pattern of the other CRFs (adverse_events.services): data entry at the subject's
site, the lock (review.services.assert_editable), a row lock and version check on edits, a
reason for every change of saved data, the audit context, then the automatic edit checks.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from adverse_events.models import CtcaeTerm
from dosing.services import first_dose_date
from history import rules
from history.models import MedicalHistory
from review.services import assert_editable, run_edit_checks
from trial.access import require_data_entry
from trial.audit import audit_context
from trial.models import Subject, User

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


def consent_date(subject: Subject) -> date | None:
    consent = getattr(subject, "consent", None)
    return timezone.localtime(consent.signed_at).date() if consent else None


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


def medical_history_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> MedicalHistory:
    """Add a condition to the subject's medical history."""
    require_data_entry(by, subject, action="record medical history")
    assert_editable(subject)
    if subject.voided_at:
        raise ValidationError("This subject was voided: nothing more is recorded for it.")
    problems = check(subject, values, now=now)
    if problems:
        _raise(problems)
    with transaction.atomic():
        Subject.objects.select_for_update().get(pk=subject.pk)
        last = MedicalHistory.objects.filter(subject=subject).aggregate(m=Max("sequence"))["m"]
        record = MedicalHistory(subject=subject, sequence=(last or 0) + 1, recorded_by=by)
        _apply(record, values)
        with audit_context(by=by, reason="Medical history recorded"):
            record.save()
            run_edit_checks(record, now=now)
    return record


def _locked_current(record: MedicalHistory, expected_version: int) -> MedicalHistory:
    current = MedicalHistory.objects.select_for_update().get(pk=record.pk)
    if current.voided_at:
        raise ValidationError("This medical history entry was voided; it cannot be changed.")
    if current.version != expected_version:
        raise ValidationError(
            {
                "__all__": ValidationError(
                    f"{current.title} was saved by someone else after you opened it (it is "
                    f"now version {current.version}; you edited version {expected_version}). "
                    "Your input is kept below: check the saved values and save again.",
                    code="stale",
                )
            }
        )
    return current


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
    require_data_entry(by, record.subject, action="edit medical history")
    assert_editable(record)
    if not reason.strip():
        raise ValidationError({"reason": ["A reason for change is required to edit saved data."]})
    with transaction.atomic():
        current = _locked_current(record, expected_version)
        problems = check(current.subject, values, now=now)
        if problems:
            _raise(problems)
        _apply(current, values)
        current.version += 1
        with audit_context(by=by, reason=reason.strip()):
            current.save()
            run_edit_checks(current, now=now)
    return current


def medical_history_void(
    *, record: MedicalHistory, by: User, reason: str, expected_version: int, now: datetime
) -> MedicalHistory:
    """Void an entry made in error: the row stays, with the reason; its queries close."""
    require_data_entry(by, record.subject, action="void medical history")
    assert_editable(record)
    if not reason.strip():
        raise ValidationError({"reason": ["A reason is required to void a record."]})
    with transaction.atomic():
        current = _locked_current(record, expected_version)
        current.voided_at = now
        current.void_reason = reason.strip()
        current.version += 1
        with audit_context(by=by, reason=f"Voided: {reason.strip()}"):
            current.save(update_fields=["voided_at", "void_reason", "version", "updated_at"])
            run_edit_checks(current, now=now)
    return current
