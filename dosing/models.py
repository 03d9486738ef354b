"""The dosing CRF (dispositions: dispositions.models; tumour assessments: tumours.models)."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from trial.models import DoseLevel, Subject, User, Visit
from trial.vital_signs import VITAL_SIGNS


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


VITAL_FIELDS = VITAL_SIGNS  # pre_ and post_ each


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
