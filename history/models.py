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


# --- prior cancer therapy (SDTM CM / PR with a category) --------------------------------------
# What the subject received for the cancer before the trial: the facts inclusions 2, 5 and 6
# are about (history.prior_therapy derives them; the eligibility CRF shows them beside the
# answers typed there). The rules are in history.prior_therapy.


class BestResponse(models.TextChoices):
    CR = "CR", "Complete response (CR)"
    PR = "PR", "Partial response (PR)"
    SD = "SD", "Stable disease (SD)"
    PD = "PD", "Progressive disease (PD)"
    NE = "NE", "Not evaluable (NE)"
    UNK = "UNK", "UNK (unknown)"


class ReasonStopped(models.TextChoices):
    PROGRESSION = "progression", "Progression"
    TOXICITY = "toxicity", "Toxicity"
    OTHER = "other", "Other"


class _PriorTherapy(models.Model):
    """The columns every prior-therapy record has: its subject, its number within the
    subject's records of its kind (never reused), the CRF bookkeeping."""

    subject = models.ForeignKey("trial.Subject", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(help_text="Per subject and kind, never reused")
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["subject", "sequence"]


@pghistory.track()
class SystemicTherapyLine(_PriorTherapy):
    """One line of prior systemic anticancer therapy."""

    line_number = models.PositiveSmallIntegerField("line number")
    regimen = models.CharField("regimen", max_length=200)
    agents = models.TextField("agents", help_text="One per line or separated by commas")
    start_date = models.CharField("start date", max_length=10)
    end_date = models.CharField("end date", max_length=10)
    best_response = models.CharField("best response", max_length=3, choices=BestResponse.choices)
    reason_stopped = models.CharField(
        "reason stopped", max_length=12, choices=ReasonStopped.choices
    )
    reason_stopped_other = models.CharField("other reason", max_length=200, blank=True)

    class Meta(_PriorTherapy.Meta):
        verbose_name = "prior systemic therapy line"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "sequence"], name="pt_systemic_unique_sequence"
            ),
            # A voided line (entered in error) does not hold its number.
            models.UniqueConstraint(
                fields=["subject", "line_number"],
                condition=Q(voided_at__isnull=True),
                name="pt_systemic_unique_live_line_number",
            ),
            models.CheckConstraint(condition=Q(line_number__gte=1), name="pt_line_number_gte_1"),
        ]

    def __str__(self):
        return f"{self.subject} {self.title}"

    @property
    def title(self) -> str:
        return f"Line {self.line_number} {self.regimen}"


@pghistory.track()
class PriorRadiotherapy(_PriorTherapy):
    """One course of prior radiotherapy."""

    site = models.CharField("site irradiated", max_length=200)
    total_dose_gy = models.DecimalField(
        "total dose (Gy)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    total_dose_code = models.CharField(
        "total dose missing", max_length=4, blank=True, choices=MISSING_CODE_CHOICES
    )
    start_date = models.CharField("start date", max_length=10)
    end_date = models.CharField("end date", max_length=10)

    class Meta(_PriorTherapy.Meta):
        verbose_name = "prior radiotherapy"
        verbose_name_plural = "prior radiotherapy"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="pt_rt_unique_sequence"),
            models.CheckConstraint(
                condition=Q(total_dose_gy__isnull=True) | Q(total_dose_gy__gt=0),
                name="pt_rt_dose_positive",
            ),
        ]

    def __str__(self):
        return f"{self.subject} {self.title}"

    @property
    def title(self) -> str:
        return f"RT{self.sequence} {self.site}"


@pghistory.track()
class PriorSurgery(_PriorTherapy):
    """One prior cancer surgery."""

    procedure = models.CharField("procedure", max_length=200)
    surgery_date = models.CharField("date", max_length=10)

    class Meta(_PriorTherapy.Meta):
        verbose_name = "prior cancer surgery"
        verbose_name_plural = "prior cancer surgery"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="pt_sx_unique_sequence"),
        ]

    def __str__(self):
        return f"{self.subject} {self.title}"

    @property
    def title(self) -> str:
        return f"Surgery{self.sequence} {self.procedure}"
