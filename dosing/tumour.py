"""Tumour assessment services: record a RECIST time point and derive the responses."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dosing import recist
from dosing.models import (
    LesionMeasurement,
    TargetLesionDefinition,
    TumourAssessment,
)
from dosing.services import first_dose_date
from review.services import assert_editable
from trial.access import require
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.models import Subject, SubjectStatus, User


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


def _check_common(subject: Subject, by: User, assessment_date: date, today: date) -> None:
    require(by, Capability.ENTER_DATA, subject, action="record tumour assessments")
    assert_editable(subject)
    if subject.status in (SubjectStatus.SCREENING, SubjectStatus.SCREEN_FAILED):
        raise ValidationError("Tumour assessments are recorded for enrolled subjects.")
    errors = {}
    if assessment_date > today:
        errors["assessment_date"] = [f"Assessment date {assessment_date} is in the future."]
    consent = getattr(subject, "consent", None)
    if consent and assessment_date < timezone.localtime(consent.signed_at).date():
        errors["assessment_date"] = [
            f"Assessment date {assessment_date} is before consent "
            f"({timezone.localtime(consent.signed_at).date()})."
        ]
    if TumourAssessment.objects.filter(subject=subject, assessment_date=assessment_date).exists():
        errors["assessment_date"] = [f"An assessment on {assessment_date} is already recorded."]
    if errors:
        raise ValidationError(errors)


def baseline_record(
    *,
    subject: Subject,
    by: User,
    assessment_date: date,
    lesions: list[dict],
    non_target: str,
    today: date,
    method: str = "CT",
) -> TumourAssessment:
    """Baseline: choose the target lesions (id, organ, node?, diameter)."""
    _check_common(subject, by, assessment_date, today)
    if TumourAssessment.objects.filter(subject=subject, is_baseline=True).exists():
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
    with transaction.atomic(), audit_context(by=by, reason="Baseline tumour assessment"):
        row = TumourAssessment.objects.create(
            subject=subject,
            assessment_date=assessment_date,
            is_baseline=True,
            method=method,
            non_target=non_target,
            new_lesions=False,
            sum_mm=recist.sum_of_diameters(targets),
            recorded_by=by,
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
) -> TumourAssessment:
    """A follow-up time point: one diameter per baseline lesion; the response is computed."""
    _check_common(subject, by, assessment_date, today)
    baseline_row = TumourAssessment.objects.filter(subject=subject, is_baseline=True).first()
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
    lesions = list(subject.target_lesions.all())
    baseline = _assessment_of(baseline_row, lesions)
    prior = [
        _assessment_of(row, lesions)
        for row in subject.tumour_assessments.filter(
            is_baseline=False, assessment_date__lt=assessment_date
        ).prefetch_related("measurements")
    ]
    current = recist.Assessment(
        assessment_date=assessment_date,
        targets=tuple(
            recist.TargetLesion(
                lesion_id=lesion.lesion_id,
                organ=lesion.organ,
                is_lymph_node=lesion.is_lymph_node,
                diameter_mm=diameters.get(lesion.lesion_id),
            )
            for lesion in lesions
        ),
        non_target=recist.NonTargetStatus(non_target),
        new_lesions=new_lesions,
    )
    try:
        result = recist.overall_response(baseline, prior, current)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic(), audit_context(by=by, reason="Tumour assessment recorded"):
        row = TumourAssessment.objects.create(
            subject=subject,
            assessment_date=assessment_date,
            method=method,
            non_target=non_target,
            new_lesions=new_lesions,
            sum_mm=result.sum_mm,
            change_from_baseline_pct=result.change_from_baseline_pct,
            change_from_nadir_pct=result.change_from_nadir_pct,
            nadir_mm=result.nadir_mm,
            response=result.response.value,
            reasons=list(result.reasons),
            recorded_by=by,
        )
        for lesion in lesions:
            LesionMeasurement.objects.create(
                assessment=row, lesion=lesion, diameter_mm=diameters.get(lesion.lesion_id)
            )
    return row


def best_response(subject: Subject) -> str | None:
    """Best overall response (RECIST 1.1, unconfirmed) of the recorded time points."""
    first_dose = first_dose_date(subject)
    if first_dose is None:
        return None
    best = recist.best_response_on_treatment(
        subject.tumour_assessments.filter(is_baseline=False).values_list(
            "assessment_date", "response"
        ),
        first_dose=first_dose,
    )
    return best.value if best else None
