"""Tumour assessments (RECIST 1.1): the target lesions chosen at baseline, the time points
and their measurements.

These models moved here from the dosing app without moving their tables: each keeps its
table and its pghistory event table (`db_table`), so the audit events and the hash chain
(trial.audit_chain, which names event tables) carry on unbroken (migration 0001).
"""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from trial.models import Subject, User


def _kept_table(name: str) -> dict:
    """The event table's name from before the move (its rows and chain links stay)."""
    return {"db_table": f"dosing_{name}event"}


class NonTarget(models.TextChoices):
    CR = "cr", "Complete response (all gone, nodes < 10 mm)"
    NON_CR_NON_PD = "non_cr_non_pd", "Non-CR / non-PD (present)"
    PD = "pd", "Unequivocal progression"
    NE = "ne", "Not evaluated"
    NOT_PRESENT = "not_present", "No non-target lesions at baseline"


class ResponseCategory(models.TextChoices):
    CR = "cr", "CR"
    PR = "pr", "PR"
    SD = "sd", "SD"
    PD = "pd", "PD"
    NE = "ne", "NE"


@pghistory.track(meta=_kept_table("targetlesiondefinition"))
class TargetLesionDefinition(models.Model):
    """A RECIST 1.1 target lesion chosen at baseline (up to 5, at most 2 per organ)."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="target_lesions")
    lesion_id = models.CharField(max_length=10)
    organ = models.CharField(max_length=60)
    is_lymph_node = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    # Voided with the baseline that chose it (tumours.services.tumour_assessment_void).
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        db_table = "dosing_targetlesiondefinition"
        ordering = ["subject", "lesion_id"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "lesion_id"],
                condition=Q(voided_at__isnull=True),
                name="lesion_unique_id_live",
            )
        ]

    def __str__(self):
        return f"{self.lesion_id} ({self.organ})"


@pghistory.track(meta=_kept_table("tumourassessment"))
class TumourAssessment(models.Model):
    """One RECIST 1.1 time point; the response is computed by tumours.recist, never typed."""

    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="tumour_assessments"
    )
    assessment_date = models.DateField()
    is_baseline = models.BooleanField(default=False)
    method = models.CharField(max_length=30, default="CT")
    non_target = models.CharField(max_length=15, choices=NonTarget.choices)
    new_lesions = models.BooleanField(null=True, blank=True)
    sum_mm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    change_from_baseline_pct = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    change_from_nadir_pct = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    nadir_mm = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    response = models.CharField(max_length=2, choices=ResponseCategory.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    # Optimistic locking: a correction must name the version it was edited from.
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        db_table = "dosing_tumourassessment"
        ordering = ["subject", "assessment_date"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            # A voided time point leaves its day (and the baseline its place) free.
            models.UniqueConstraint(
                fields=["subject", "assessment_date"],
                condition=Q(voided_at__isnull=True),
                name="tumour_assessment_one_per_day_live",
            ),
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(is_baseline=True, voided_at__isnull=True),
                name="tumour_assessment_one_baseline_live",
            ),
        ]

    def __str__(self):
        return f"Tumour assessment of {self.subject} on {self.assessment_date}"


@pghistory.track(meta=_kept_table("lesionmeasurement"))
class LesionMeasurement(models.Model):
    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="measurements"
    )
    lesion = models.ForeignKey(
        TargetLesionDefinition, on_delete=models.PROTECT, related_name="measurements"
    )
    # Longest diameter (short axis for nodes); empty = not evaluable at this time point.
    diameter_mm = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)

    class Meta:
        db_table = "dosing_lesionmeasurement"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "lesion"], name="measurement_once_per_lesion"
            ),
            models.CheckConstraint(
                condition=Q(diameter_mm__isnull=True) | Q(diameter_mm__gte=0),
                name="measurement_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.lesion} {self.diameter_mm if self.diameter_mm is not None else 'NE'} mm"


@pghistory.track()
class NonTargetLesionDefinition(models.Model):
    """A RECIST 1.1 non-target lesion recorded at baseline: every other lesion, measurable or
    not, followed as present, absent or in unequivocal progression (RECIST 1.1, 4.2)."""

    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="non_target_lesions"
    )
    lesion_id = models.CharField(max_length=10)
    organ = models.CharField(max_length=60)
    is_lymph_node = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    # Voided with the baseline that recorded it (tumours.services.tumour_assessment_void).
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "lesion_id"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "lesion_id"],
                condition=Q(voided_at__isnull=True),
                name="non_target_lesion_unique_id_live",
            )
        ]

    def __str__(self):
        return f"{self.lesion_id} ({self.organ})"


class NonTargetLesionState(models.TextChoices):
    # The values of tumours.recist.NonTargetLesionState.
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent (a node: short axis < 10 mm)"
    PROGRESSION = "unequivocal_progression", "Unequivocal progression"
    NOT_EVALUATED = "not_evaluated", "Not evaluated"


@pghistory.track()
class NonTargetObservation(models.Model):
    """One non-target lesion at one time point (present at baseline, by definition)."""

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="non_target_observations"
    )
    lesion = models.ForeignKey(
        NonTargetLesionDefinition, on_delete=models.PROTECT, related_name="observations"
    )
    state = models.CharField(max_length=25, choices=NonTargetLesionState.choices)

    class Meta:
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "lesion"], name="non_target_observed_once_per_lesion"
            )
        ]

    def __str__(self):
        return f"{self.lesion.lesion_id} {self.get_state_display()}"


@pghistory.track()
class NewLesion(models.Model):
    """A new lesion seen at a follow-up. The same lesion seen again at a later scan keeps its
    id, so an equivocal one is confirmed (or not) by the scans after it (RECIST 1.1, 4.3.2)."""

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="new_lesion_entries"
    )
    lesion_id = models.CharField(max_length=10)
    organ = models.CharField(max_length=60)
    location = models.CharField(max_length=200, blank=True)
    equivocal = models.BooleanField(default=False)

    class Meta:
        ordering = ["assessment", "lesion_id"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "lesion_id"], name="new_lesion_once_per_assessment"
            )
        ]

    def __str__(self):
        return f"{self.lesion_id} ({self.organ}{', equivocal' if self.equivocal else ''})"
