"""Recording a subject's medical history and prior cancer therapy: who may, checked against
history.rules and history.prior_therapy, audited.

Each write goes through the CRF write contract (review.contract.crf_write: data entry at the
subject's site, the row lock, the record lock, the version, the reason for change, the audit
context, the automatic edit checks); this module adds the clinical rules.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from adverse_events.models import CtcaeTerm
from history import prior_therapy, rules
from history.models import (
    MedicalHistory,
    PriorRadiotherapy,
    PriorSurgery,
    SystemicTherapyLine,
)
from review.contract import crf_write
from screening.models import EligibilityAssessment
from trial.access import entry_required
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


def medical_history_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> MedicalHistory:
    """Add a condition to the subject's medical history."""
    with crf_write(
        require=entry_required(by, subject, "record medical history"),
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
        require=entry_required(by, record.subject, "edit medical history"),
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
        require=entry_required(by, record.subject, "void medical history"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()


# --- prior cancer therapy ----------------------------------------------------------------------
# Each write re-runs the eligibility CRF's edit checks: they compare its answers of inclusions
# 2, 5 and 6 with these records (screening.prior_therapy), so a correction here raises or
# closes the query there.

LINE_FIELDS = (
    "line_number",
    "regimen",
    "agents",
    "start_date",
    "end_date",
    "best_response",
    "reason_stopped",
    "reason_stopped_other",
)
RADIOTHERAPY_FIELDS = ("site", "total_dose_gy", "total_dose_code", "start_date", "end_date")
SURGERY_FIELDS = ("procedure", "surgery_date")


def _text(values: dict, name: str) -> str:
    return (values.get(name) or "").strip()


def line_facts(values: dict) -> prior_therapy.LineFacts:
    return prior_therapy.LineFacts(
        line_number=values.get("line_number"),
        regimen=_text(values, "regimen"),
        agents=_text(values, "agents"),
        start=_text(values, "start_date"),
        end=_text(values, "end_date"),
        best_response=_text(values, "best_response"),
        reason_stopped=_text(values, "reason_stopped"),
        reason_stopped_other=_text(values, "reason_stopped_other"),
    )


def radiotherapy_facts(values: dict) -> prior_therapy.RadiotherapyFacts:
    return prior_therapy.RadiotherapyFacts(
        site=_text(values, "site"),
        total_dose_gy=values.get("total_dose_gy"),
        total_dose_code=_text(values, "total_dose_code"),
        start=_text(values, "start_date"),
        end=_text(values, "end_date"),
    )


def surgery_facts(values: dict) -> prior_therapy.SurgeryFacts:
    return prior_therapy.SurgeryFacts(
        procedure=_text(values, "procedure"), on=_text(values, "surgery_date")
    )


def _line_problems(subject, values, record, *, today, consented):
    others = SystemicTherapyLine.objects.filter(subject=subject, voided_at__isnull=True)
    if record is not None:
        others = others.exclude(pk=record.pk)
    return prior_therapy.check_line(
        line_facts(values),
        other_lines={line.line_number: line.title for line in others},
        today=today,
        consent_date=consented,
    )


def _radiotherapy_problems(subject, values, record, *, today, consented):
    return prior_therapy.check_radiotherapy(
        radiotherapy_facts(values), today=today, consent_date=consented
    )


def _surgery_problems(subject, values, record, *, today, consented):
    return prior_therapy.check_surgery(surgery_facts(values), today=today, consent_date=consented)


@dataclass(frozen=True)
class _Therapy:
    """How the writes of one prior-therapy CRF differ: its model, fields, name and rules."""

    model: type
    fields: tuple[str, ...]
    name: str  # "systemic line": in the audit reason and the permission message
    problems: Callable


_LINE = _Therapy(SystemicTherapyLine, LINE_FIELDS, "systemic line", _line_problems)
_RADIOTHERAPY = _Therapy(
    PriorRadiotherapy, RADIOTHERAPY_FIELDS, "radiotherapy", _radiotherapy_problems
)
_SURGERY = _Therapy(PriorSurgery, SURGERY_FIELDS, "surgery", _surgery_problems)


def _check_therapy(therapy: _Therapy, subject: Subject, values: dict, record, now: datetime):
    consented = consent_date(subject)
    if consented is None:
        _raise([(None, "Record informed consent before prior cancer therapy.")])
    problems = therapy.problems(
        subject, values, record, today=timezone.localtime(now).date(), consented=consented
    )
    if problems:
        _raise(problems)


def _apply_therapy(therapy: _Therapy, record, values: dict) -> None:
    for name in therapy.fields:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
        elif value is None and record._meta.get_field(name).null is False:
            value = ""
        setattr(record, name, value)


def _recheck(write, therapy: _Therapy, subject: Subject) -> None:
    """The stored records whose checks read this write: the eligibility CRF (its answers
    against the prior therapy), and for a systemic line the subject's other lines (the order
    query reads the lines numbered below: history.crf.systemic_line_edit_checks)."""
    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    if assessment is not None:
        write.recheck(assessment)
    if therapy.model is SystemicTherapyLine:
        write.recheck(*SystemicTherapyLine.objects.filter(subject=subject, voided_at__isnull=True))


def _therapy_record(therapy: _Therapy, *, subject: Subject, by: User, values: dict, now):
    with crf_write(
        require=entry_required(by, subject, f"record prior {therapy.name}"),
        by=by,
        now=now,
        subject=subject,
        audit_reason=f"Prior {therapy.name} recorded",
    ) as write:
        _check_therapy(therapy, subject, values, None, now)
        last = therapy.model.objects.filter(subject=subject).aggregate(m=Max("sequence"))["m"]
        record = therapy.model(subject=subject, sequence=(last or 0) + 1, recorded_by=by)
        _apply_therapy(therapy, record, values)
        write.save(record)
        _recheck(write, therapy, subject)
    return record


def _therapy_update(therapy: _Therapy, *, record, by, values, reason, expected_version, now):
    with crf_write(
        require=entry_required(by, record.subject, f"edit prior {therapy.name}"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        _check_therapy(therapy, current.subject, values, current, now)
        _apply_therapy(therapy, current, values)
        write.save(current)
        _recheck(write, therapy, current.subject)
    return current


def _therapy_void(therapy: _Therapy, *, record, by, reason, expected_version, now):
    with crf_write(
        require=entry_required(by, record.subject, f"void prior {therapy.name}"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        voided = write.void()
        _recheck(write, therapy, voided.subject)
    return voided


def systemic_line_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> SystemicTherapyLine:
    """Add a line of prior systemic therapy."""
    return _therapy_record(_LINE, subject=subject, by=by, values=values, now=now)


def systemic_line_update(
    *, record, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> SystemicTherapyLine:
    """Correct a systemic line; the reason is kept in the audit trail."""
    return _therapy_update(
        _LINE,
        record=record,
        by=by,
        values=values,
        reason=reason,
        expected_version=expected_version,
        now=now,
    )


def systemic_line_void(*, record, by: User, reason: str, expected_version: int, now: datetime):
    """Void a line entered in error: the row stays, with the reason."""
    return _therapy_void(
        _LINE, record=record, by=by, reason=reason, expected_version=expected_version, now=now
    )


def radiotherapy_record(
    *, subject: Subject, by: User, values: dict, now: datetime
) -> PriorRadiotherapy:
    """Add a course of prior radiotherapy."""
    return _therapy_record(_RADIOTHERAPY, subject=subject, by=by, values=values, now=now)


def radiotherapy_update(
    *, record, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> PriorRadiotherapy:
    """Correct a radiotherapy course; the reason is kept in the audit trail."""
    return _therapy_update(
        _RADIOTHERAPY,
        record=record,
        by=by,
        values=values,
        reason=reason,
        expected_version=expected_version,
        now=now,
    )


def radiotherapy_void(*, record, by: User, reason: str, expected_version: int, now: datetime):
    """Void a radiotherapy course entered in error: the row stays, with the reason."""
    return _therapy_void(
        _RADIOTHERAPY,
        record=record,
        by=by,
        reason=reason,
        expected_version=expected_version,
        now=now,
    )


def surgery_record(*, subject: Subject, by: User, values: dict, now: datetime) -> PriorSurgery:
    """Add a prior cancer surgery."""
    return _therapy_record(_SURGERY, subject=subject, by=by, values=values, now=now)


def surgery_update(
    *, record, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> PriorSurgery:
    """Correct a surgery; the reason is kept in the audit trail."""
    return _therapy_update(
        _SURGERY,
        record=record,
        by=by,
        values=values,
        reason=reason,
        expected_version=expected_version,
        now=now,
    )


def surgery_void(*, record, by: User, reason: str, expected_version: int, now: datetime):
    """Void a surgery entered in error: the row stays, with the reason."""
    return _therapy_void(
        _SURGERY, record=record, by=by, reason=reason, expected_version=expected_version, now=now
    )
