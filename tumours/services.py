"""Tumour assessment services: record, correct and void a RECIST time point; derive responses.

Every write goes through the CRF write contract (review.contract.crf_write): the site's
coordinators and investigators only, not on a locked record or subject, under the row lock,
from the version the user opened, with a reason for change on a correction or a void. The
responses are derived (tumours.recist), never typed: a correction or a void re-derives every
later time point of the subject, since each reads the nadir of those before it.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from review.contract import CrfWrite, crf_write
from trial.access import require
from trial.capabilities import Capability
from trial.models import Subject, SubjectStatus, User
from trial.selectors import consent_date, first_dose_date
from tumours import recist
from tumours.models import (
    LesionMeasurement,
    TargetLesionDefinition,
    TumourAssessment,
)

DERIVED = (
    "sum_mm",
    "change_from_baseline_pct",
    "change_from_nadir_pct",
    "nadir_mm",
    "response",
    "reasons",
)


def live_assessments(subject: Subject):
    """The subject's time points, voided ones left out."""
    return subject.tumour_assessments.filter(voided_at__isnull=True)


def live_lesions(subject: Subject):
    """The target lesions of the live baseline."""
    return subject.target_lesions.filter(voided_at__isnull=True)


def _assessment_of(row: TumourAssessment, lesions) -> recist.Assessment:
    measured = {m.lesion_id: m.diameter_mm for m in row.measurements.all()}
    return recist.Assessment(
        assessment_date=row.assessment_date,
        targets=tuple(
            recist.TargetLesion(
                lesion_id=lesion.lesion_id,
                organ=lesion.organ,
                is_lymph_node=lesion.is_lymph_node,
                diameter_mm=measured.get(lesion.pk),
            )
            for lesion in lesions
            if lesion.pk in measured
        ),
        non_target=recist.NonTargetStatus(row.non_target),
        new_lesions=row.new_lesions,
    )


def _may_record(by: User, subject: Subject) -> None:
    require(by, Capability.ENTER_DATA, subject, action="record tumour assessments")
    if subject.status in (SubjectStatus.SCREENING, SubjectStatus.SCREEN_FAILED):
        raise ValidationError("Tumour assessments are recorded for enrolled subjects.")


def _check_date(subject: Subject, assessment_date: date, today: date) -> None:
    errors = {}
    if assessment_date > today:
        errors["assessment_date"] = [f"Assessment date {assessment_date} is in the future."]
    consented = consent_date(subject)
    if consented and assessment_date < consented:
        errors["assessment_date"] = [
            f"Assessment date {assessment_date} is before consent ({consented})."
        ]
    if live_assessments(subject).filter(assessment_date=assessment_date).exists():
        errors["assessment_date"] = [f"An assessment on {assessment_date} is already recorded."]
    if errors:
        raise ValidationError(errors)


def _set_derived(row: TumourAssessment, result: recist.ResponseResult) -> list[str]:
    """Store a time point's derived columns; the names of those that changed."""
    values = {
        "sum_mm": result.sum_mm,
        "change_from_baseline_pct": result.change_from_baseline_pct,
        "change_from_nadir_pct": result.change_from_nadir_pct,
        "nadir_mm": result.nadir_mm,
        "response": result.response.value,
        "reasons": list(result.reasons),
    }
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def _rederive(write: CrfWrite, subject: Subject, *, since: date) -> None:
    """Re-derive the responses of the live follow-ups on or after `since`, in date order."""
    baseline_row = live_assessments(subject).filter(is_baseline=True).first()
    if baseline_row is None:
        return
    lesions = list(live_lesions(subject))
    baseline = _assessment_of(baseline_row, lesions)
    prior = []
    rows = (
        live_assessments(subject)
        .filter(is_baseline=False)
        .order_by("assessment_date")
        .prefetch_related("measurements")
    )
    for row in rows:
        current = _assessment_of(row, lesions)
        if row.assessment_date >= since:
            try:
                result = recist.overall_response(baseline, prior, current)
            except ValueError as exc:
                raise ValidationError(f"{row.assessment_date}: {exc}") from None
            changed = _set_derived(row, result)
            if changed:
                write.save(row, update_fields=changed)
        prior.append(current)


def baseline_record(
    *,
    subject: Subject,
    by: User,
    assessment_date: date,
    lesions: list[dict],
    non_target: str,
    today: date,
    method: str = "CT",
    now: datetime | None = None,
) -> TumourAssessment:
    """Baseline: choose the target lesions (id, organ, node?, diameter)."""
    with crf_write(
        require=lambda: _may_record(by, subject),
        subject=subject,
        by=by,
        now=now or timezone.now(),
        audit_reason="Baseline tumour assessment",
    ) as write:
        _check_date(subject, assessment_date, today)
        if live_assessments(subject).filter(is_baseline=True).exists():
            raise ValidationError("The baseline assessment is already recorded.")
        targets = tuple(
            recist.TargetLesion(
                lesion_id=lesion["lesion_id"],
                organ=lesion["organ"],
                is_lymph_node=lesion["is_lymph_node"],
                diameter_mm=lesion["diameter_mm"],
            )
            for lesion in lesions
        )
        problems = recist.validate_baseline(targets)
        if problems:
            raise ValidationError({"__all__": problems})
        row = write.save(
            TumourAssessment(
                subject=subject,
                assessment_date=assessment_date,
                is_baseline=True,
                method=method,
                non_target=non_target,
                new_lesions=False,
                sum_mm=recist.sum_of_diameters(targets),
                recorded_by=by,
            )
        )
        for lesion in lesions:
            definition = TargetLesionDefinition.objects.create(
                subject=subject,
                lesion_id=lesion["lesion_id"],
                organ=lesion["organ"],
                is_lymph_node=lesion["is_lymph_node"],
                location=lesion.get("location", ""),
            )
            LesionMeasurement.objects.create(
                assessment=row, lesion=definition, diameter_mm=lesion["diameter_mm"]
            )
    return row


def follow_up_record(
    *,
    subject: Subject,
    by: User,
    assessment_date: date,
    diameters: dict[str, Decimal | None],
    non_target: str,
    new_lesions: bool | None,
    today: date,
    method: str = "CT",
    now: datetime | None = None,
) -> TumourAssessment:
    """A follow-up time point: one diameter per baseline lesion; the response is computed."""
    with crf_write(
        require=lambda: _may_record(by, subject),
        subject=subject,
        by=by,
        now=now or timezone.now(),
        audit_reason="Tumour assessment recorded",
    ) as write:
        _check_date(subject, assessment_date, today)
        baseline_row = live_assessments(subject).filter(is_baseline=True).first()
        if baseline_row is None:
            raise ValidationError("Record the baseline assessment first.")
        if assessment_date <= baseline_row.assessment_date:
            raise ValidationError(
                {
                    "assessment_date": [
                        f"A follow-up must be after the baseline ({baseline_row.assessment_date})."
                    ]
                }
            )
        row = write.save(
            TumourAssessment(
                subject=subject,
                assessment_date=assessment_date,
                method=method,
                non_target=non_target,
                new_lesions=new_lesions,
                recorded_by=by,
            )
        )
        for lesion in live_lesions(subject):
            LesionMeasurement.objects.create(
                assessment=row, lesion=lesion, diameter_mm=diameters.get(lesion.lesion_id)
            )
        _rederive(write, subject, since=assessment_date)
    row.refresh_from_db()
    return row


def tumour_assessment_correct(
    *,
    assessment: TumourAssessment,
    by: User,
    expected_version: int,
    reason: str,
    diameters: dict[str, Decimal | None],
    non_target: str,
    new_lesions: bool | None,
    method: str,
    now: datetime | None = None,
) -> TumourAssessment:
    """Correct a time point's measurements and findings (its date and, at baseline, the
    choice of target lesions stay: void the assessment and record it again for those).

    The responses of this and every later time point are derived again.
    """
    with crf_write(
        require=lambda: _may_record(by, assessment.subject),
        record=assessment,
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        subject = current.subject
        measurements = list(current.measurements.select_related("lesion"))
        unknown = set(diameters) - {m.lesion.lesion_id for m in measurements}
        if unknown:
            raise ValidationError(f"No target lesion {', '.join(sorted(unknown))} at baseline.")
        if current.is_baseline:
            targets = tuple(
                recist.TargetLesion(
                    lesion_id=m.lesion.lesion_id,
                    organ=m.lesion.organ,
                    is_lymph_node=m.lesion.is_lymph_node,
                    diameter_mm=diameters.get(m.lesion.lesion_id, m.diameter_mm),
                )
                for m in measurements
            )
            problems = recist.validate_baseline(targets)
            if problems:
                raise ValidationError({"__all__": problems})
        for measurement in measurements:
            value = diameters.get(measurement.lesion.lesion_id, measurement.diameter_mm)
            if measurement.diameter_mm != value:
                measurement.diameter_mm = value
                measurement.save(update_fields=["diameter_mm"])
        current.non_target = non_target
        current.method = method
        if current.is_baseline:
            current.sum_mm = recist.sum_of_diameters(targets)
        else:
            current.new_lesions = new_lesions
        write.save(current)
        _rederive(write, subject, since=current.assessment_date)
    current.refresh_from_db()
    return current


def tumour_assessment_void(
    *, assessment: TumourAssessment, by: User, reason: str, now: datetime | None = None
) -> TumourAssessment:
    """Void a time point entered in error: the row stays, with the reason; later time
    points are derived again without it. A baseline is voided (with its target lesions)
    only once no live follow-up measures them."""
    with crf_write(
        require=lambda: _may_record(by, assessment.subject),
        record=assessment,
        by=by,
        now=now or timezone.now(),
        reason=reason,
        void=True,
    ) as write:
        current = write.record
        subject = current.subject
        if current.is_baseline:
            if live_assessments(subject).filter(is_baseline=False).exists():
                raise ValidationError(
                    "Void the follow-up assessments first: the baseline defines the target "
                    "lesions they measure."
                )
            for lesion in live_lesions(subject):
                lesion.voided_at = write.now
                lesion.void_reason = write.reason
                lesion.save(update_fields=["voided_at", "void_reason"])
        write.void()
        _rederive(write, subject, since=current.assessment_date)
    return current


def best_response(subject: Subject) -> str | None:
    """Best overall response (RECIST 1.1, unconfirmed) of the recorded time points."""
    first_dose = first_dose_date(subject)
    if first_dose is None:
        return None
    best = recist.best_response_on_treatment(
        live_assessments(subject)
        .filter(is_baseline=False)
        .values_list("assessment_date", "response"),
        first_dose=first_dose,
    )
    return best.value if best else None
