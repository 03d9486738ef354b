"""The subject's disposition events: end of treatment, end of study, withdrawal, loss to
follow-up, death. Each moves the subject's state (trial.lifecycle).

The model moved here from the dosing app without moving its table: it keeps its table and
its pghistory event table (`db_table`), so the audit events and the hash chain
(trial.audit_chain, which names event tables) carry on unbroken (migration 0001).
"""

import pghistory
import pgtrigger
from django.db import models

from trial import lifecycle
from trial.models import Subject, User


class DispositionKind(models.TextChoices):
    END_OF_TREATMENT = lifecycle.END_OF_TREATMENT, "End of treatment"
    END_OF_STUDY = lifecycle.END_OF_STUDY, "End of study (completed)"
    WITHDRAWAL = lifecycle.WITHDRAWAL, "Withdrawal of consent"
    LOST_TO_FOLLOW_UP = lifecycle.LOST_TO_FOLLOW_UP, "Lost to follow-up"
    DEATH = lifecycle.DEATH, "Death"


# The dispositions that take the subject off study: they end its participation (SDTM DM
# RFPENDTC; the end of the swimmer bar on the oncology dashboard).
ENDS_PARTICIPATION = (
    DispositionKind.DEATH,
    DispositionKind.WITHDRAWAL,
    DispositionKind.LOST_TO_FOLLOW_UP,
    DispositionKind.END_OF_STUDY,
)


@pghistory.track(meta={"db_table": "dosing_dispositionevent"})
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
        db_table = "dosing_disposition"
        ordering = ["subject", "event_date", "id"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            # A disposition voided as entered in error does not block recording it again.
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=models.Q(voided_at__isnull=True),
                name="disposition_once_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.subject} on {self.event_date}"
