"""Concomitant (and prior) medications of a subject (SDTM CM).

Dates are stored as text at the precision known, or a missing-data code (trial.dates); the
rules are in medications.rules. Prior or concomitant is not stored: it is derived from the
first dose whenever it is read (medications.selectors.timing_of), so a first dose recorded
or corrected later never leaves it stale.
"""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from trial.dates import MISSING_CODE_CHOICES


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    INTRAVENOUS = "intravenous", "Intravenous"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"
    TOPICAL = "topical", "Topical"
    INHALED = "inhaled", "Inhaled"
    OTHER = "other", "Other"


@pghistory.track()
class ConcomitantMedication(models.Model):
    subject = models.ForeignKey(
        "trial.Subject", on_delete=models.PROTECT, related_name="medications"
    )
    sequence = models.PositiveIntegerField(help_text="CMSEQ: per subject, never reused")
    medication = models.CharField("medication (verbatim)", max_length=200)
    indication = models.CharField("indication", max_length=200, blank=True)
    indication_ae = models.ForeignKey(
        "adverse_events.AdverseEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medications",
        verbose_name="indication: adverse event",
    )
    indication_history = models.ForeignKey(
        "history.MedicalHistory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medications",
        verbose_name="indication: medical history condition",
    )
    dose = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    dose_code = models.CharField(
        "dose missing", max_length=4, blank=True, choices=MISSING_CODE_CHOICES
    )
    dose_unit = models.CharField("unit", max_length=20, blank=True)
    route = models.CharField(max_length=20, choices=Route.choices, blank=True)
    frequency = models.CharField(max_length=40, blank=True)
    start_date = models.CharField("start date", max_length=10)
    ongoing = models.BooleanField(default=True)
    end_date = models.CharField("end date", max_length=10, blank=True)
    immunosuppressive = models.BooleanField(default=False)
    investigational = models.BooleanField("another investigational product", default=False)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "sequence"]
        verbose_name = "concomitant medication"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="cm_unique_sequence"),
            models.CheckConstraint(
                condition=Q(ongoing=False) | Q(end_date=""), name="cm_ongoing_has_no_end"
            ),
            models.CheckConstraint(
                condition=Q(dose__isnull=True) | ~Q(dose_unit=""), name="cm_dose_has_unit"
            ),
        ]

    def __str__(self):
        return f"{self.subject} CM{self.sequence} {self.medication}"

    @property
    def title(self) -> str:
        return f"CM{self.sequence} {self.medication}"
