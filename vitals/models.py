"""Vital signs (SDTM VS) at the visits without a dose: one set per visit and time point (at
these visits the time point is the visit itself). The pre- and post-dose vital signs of a
dosing visit are on its dosing CRF (dosing.models.DosingRecord), both read by SDTM VS
(vitals.sdtm)."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from vitals.rules import TimePoint


class VitalsTimePoint(models.TextChoices):
    VISIT = TimePoint.VISIT, "At the visit"


def _vital(label, digits, places):
    # The dosing CRF's precision (dosing.models._vital): a value reads the same on both.
    return models.DecimalField(
        label, max_digits=digits, decimal_places=places, null=True, blank=True
    )


@pghistory.track()
class VitalSigns(models.Model):
    subject = models.ForeignKey(
        "trial.Subject", on_delete=models.PROTECT, related_name="vital_signs"
    )
    visit = models.ForeignKey("trial.Visit", on_delete=models.PROTECT, related_name="vital_signs")
    time_point = models.CharField(
        max_length=10, choices=VitalsTimePoint.choices, default=VitalsTimePoint.VISIT
    )
    measured_on = models.DateField("date measured")
    measured_time = models.TimeField("time measured", null=True, blank=True)
    temperature_c = _vital("temperature (°C)", 4, 1)
    pulse_bpm = _vital("pulse (beats/min)", 4, 0)
    systolic_mmhg = _vital("systolic BP (mmHg)", 4, 0)
    diastolic_mmhg = _vital("diastolic BP (mmHg)", 4, 0)
    respiratory_rate = _vital("respiratory rate (breaths/min)", 4, 0)
    spo2_pct = _vital("SpO2 (%)", 4, 0)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "measured_on", "time_point"]
        verbose_name = "vital signs"
        verbose_name_plural = "vital signs"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "time_point"],
                condition=Q(voided_at__isnull=True),
                name="vitals_one_per_visit_time_point",
            ),
        ]
        indexes = [models.Index(fields=["subject", "measured_on"])]

    def __str__(self):
        return f"{self.subject} vital signs {self.visit.code}"

    @property
    def title(self) -> str:
        return f"Vital signs {self.visit.code}"
