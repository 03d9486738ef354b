"""Dosing CRF, tumour assessments (RECIST 1.1) and the subject's disposition events."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from trial.models import DoseLevel, Subject, User, Visit


class DoseChange(models.TextChoices):
    NONE = "none", "Given as planned"
    DELAYED = "delayed", "Delayed"
    REDUCED = "reduced", "Reduced"
    SKIPPED = "skipped", "Skipped (not given)"
    STOPPED = "stopped", "Stopped (permanently discontinued)"


class Route(models.TextChoices):
    INTRATUMOURAL = "intratumoural", "Intratumoural injection"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAVENOUS = "intravenous", "Intravenous"


class PregnancyTest(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"
    NOT_DONE = "not_done", "Not done"
    NOT_APPLICABLE = "not_applicable", "Not applicable (not of child-bearing potential)"


def _vital(label, digits=5, places=1):
    return models.DecimalField(
        label, max_digits=digits, decimal_places=places, null=True, blank=True
    )


VITAL_FIELDS = (
    "temperature_c",
    "pulse_bpm",
    "systolic_mmhg",
    "diastolic_mmhg",
    "respiratory_rate",
    "spo2_pct",
)


@pghistory.track()
class DosingRecord(models.Model):
    """What happened at one dosing visit: the dose given (or why not) and the vital signs."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="dosing")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="doses")
    dose_change = models.CharField(
        max_length=10, choices=DoseChange.choices, default=DoseChange.NONE
    )
    dose_change_reason = models.TextField(blank=True)
    administered_on = models.DateField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    stop_time = models.TimeField(null=True, blank=True)
    dose_level = models.ForeignKey(
        DoseLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_amount = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    dose_unit = models.CharField(max_length=20, blank=True)
    volume_ml = models.DecimalField(
        "volume (mL)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.INTRATUMOURAL)
    injected_lesions = models.CharField(max_length=200, blank=True)
    lot_number = models.CharField("product lot", max_length=40, blank=True)
    deviation_reason = models.TextField(
        blank=True, help_text="Required when the dose differs from the subject's dose level"
    )
    pre_temperature_c = _vital("pre-dose temperature (°C)", 4, 1)
    pre_pulse_bpm = _vital("pre-dose pulse (beats/min)", 4, 0)
    pre_systolic_mmhg = _vital("pre-dose systolic BP (mmHg)", 4, 0)
    pre_diastolic_mmhg = _vital("pre-dose diastolic BP (mmHg)", 4, 0)
    pre_respiratory_rate = _vital("pre-dose respiratory rate (breaths/min)", 4, 0)
    pre_spo2_pct = _vital("pre-dose SpO2 (%)", 4, 0)
    post_temperature_c = _vital("post-dose temperature (°C)", 4, 1)
    post_pulse_bpm = _vital("post-dose pulse (beats/min)", 4, 0)
    post_systolic_mmhg = _vital("post-dose systolic BP (mmHg)", 4, 0)
    post_diastolic_mmhg = _vital("post-dose diastolic BP (mmHg)", 4, 0)
    post_respiratory_rate = _vital("post-dose respiratory rate (breaths/min)", 4, 0)
    post_spo2_pct = _vital("post-dose SpO2 (%)", 4, 0)
    immediate_reaction = models.TextField("immediate reactions", blank=True)
    pregnancy_test = models.CharField(max_length=15, choices=PregnancyTest.choices, blank=True)
    # Optimistic locking: a save must name the version it was edited from.
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Entered in error: the row stays, with the reason (dosing.services.dose_void).
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_change="skipped", administered_on__isnull=True)
                | (~Q(dose_change="skipped") & Q(administered_on__isnull=False)),
                name="dosing_date_unless_skipped",
            ),
        ]

    def __str__(self):
        return f"Dose at {self.visit}"

    @property
    def given(self) -> bool:
        return self.dose_change != DoseChange.SKIPPED


class DispositionKind(models.TextChoices):
    END_OF_TREATMENT = "end_of_treatment", "End of treatment"
    END_OF_STUDY = "end_of_study", "End of study (completed)"
    WITHDRAWAL = "withdrawal", "Withdrawal of consent"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"
    DEATH = "death", "Death"


@pghistory.track()
class Disposition(models.Model):
    """An event that moves the subject's state: end of treatment, withdrawal, death..."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="dispositions")
    kind = models.CharField(max_length=20, choices=DispositionKind.choices)
    event_date = models.DateField()
    reason = models.TextField()
    # The CRF bookkeeping (docs/adding-a-crf.md).
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "event_date", "id"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["subject", "kind"], name="disposition_once_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.subject} on {self.event_date}"


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


@pghistory.track()
class TargetLesionDefinition(models.Model):
    """A RECIST 1.1 target lesion chosen at baseline (up to 5, at most 2 per organ)."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="target_lesions")
    lesion_id = models.CharField(max_length=10)
    organ = models.CharField(max_length=60)
    is_lymph_node = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    # Voided with the baseline that chose it (dosing.tumour.tumour_assessment_void).
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
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


@pghistory.track()
class TumourAssessment(models.Model):
    """One RECIST 1.1 time point; the response is computed by dosing.recist, never typed."""

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


@pghistory.track()
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
