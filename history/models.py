"""Medical history: the subject's conditions before consent (SDTM MH).

Dates are stored as text at the precision known (ISO 8601: 2019, 2019-03, 2019-03-14) or as
a missing-data code (trial.dates); the rules that check them are in history.rules.
"""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from trial.dates import MISSING_CODE_CHOICES


@pghistory.track()
class MedicalHistory(models.Model):
    """One condition of a subject's medical history."""

    subject = models.ForeignKey(
        "trial.Subject", on_delete=models.PROTECT, related_name="medical_history"
    )
    sequence = models.PositiveIntegerField(help_text="MHSEQ: per subject, never reused")
    condition = models.CharField("condition (verbatim)", max_length=200)
    term = models.ForeignKey(
        "adverse_events.CtcaeTerm",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="CTCAE v5.0 term",
        help_text="Where one fits: an adverse event of this term is compared with its baseline",
    )
    # The term's wording when it was chosen (SDTM MHDECOD), as an AE keeps it.
    recorded_term = models.CharField("CTCAE term (as recorded)", max_length=200, blank=True)
    start_date = models.CharField("start date", max_length=10)
    ongoing = models.BooleanField(default=True)
    end_date = models.CharField("end date", max_length=10, blank=True)
    baseline_grade = models.PositiveSmallIntegerField(
        "baseline CTCAE grade", null=True, blank=True, help_text="If ongoing at the first dose"
    )
    baseline_grade_code = models.CharField(
        "baseline grade missing", max_length=4, blank=True, choices=MISSING_CODE_CHOICES
    )
    treatment = models.TextField("treatment", blank=True)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "sequence"]
        verbose_name = "medical history condition"
        verbose_name_plural = "medical history"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="mh_unique_sequence"),
            models.CheckConstraint(
                condition=Q(baseline_grade__isnull=True)
                | Q(baseline_grade__gte=1, baseline_grade__lte=4),
                name="mh_baseline_grade_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(ongoing=False) | Q(end_date=""), name="mh_ongoing_has_no_end"
            ),
        ]

    def __str__(self):
        return f"{self.subject} MH{self.sequence} {self.condition}"

    @property
    def title(self) -> str:
        return f"MH{self.sequence} {self.condition}"
