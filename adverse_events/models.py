"""Adverse events graded by NCI-CTCAE v5.0."""

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from adverse_events import rules


@pghistory.track()
class CtcaeTerm(models.Model):
    """One CTCAE v5.0 term with its MedDRA code, SOC and grade texts.

    A grade that does not exist for a term (shown as '-' in NCI's spreadsheet) has an empty
    text here and cannot be chosen on the AE form.
    """

    meddra_code = models.PositiveIntegerField(unique=True)
    soc = models.CharField("MedDRA SOC", max_length=120, db_index=True)
    term = models.CharField(max_length=200)
    grade_1 = models.TextField(blank=True)
    grade_2 = models.TextField(blank=True)
    grade_3 = models.TextField(blank=True)
    grade_4 = models.TextField(blank=True)
    grade_5 = models.TextField(blank=True)
    definition = models.TextField(blank=True)
    navigational_note = models.TextField(blank=True)
    is_other_specify = models.BooleanField(
        default=False, help_text='A "<SOC> - Other, specify" term: needs a verbatim term'
    )
    version = models.CharField(max_length=10, default="5.0")

    class Meta:
        ordering = ["soc", "term"]
        verbose_name = "CTCAE term"
        constraints = [
            models.UniqueConstraint(fields=["soc", "term"], name="ctcae_unique_soc_term"),
            models.CheckConstraint(
                condition=~Q(grade_1="")
                | ~Q(grade_2="")
                | ~Q(grade_3="")
                | ~Q(grade_4="")
                | ~Q(grade_5=""),
                name="ctcae_term_has_a_grade",
            ),
        ]

    def __str__(self):
        return self.term

    def grade_text(self, grade: int) -> str:
        return getattr(self, f"grade_{grade}")

    @property
    def available_grades(self) -> list[int]:
        return [g for g in range(1, 6) if self.grade_text(g)]


@pghistory.track(pghistory.InsertEvent())
class CtcaeDictionaryVersion(models.Model):
    """Each import that changed the dictionary, with its report of what changed.

    `changes` (adverse_events.ctcae.dictionary_changes): {"added": [...], "renamed": [...],
    "soc_changed": [...], "grades_changed": [...], "other_changed": [...], "not_in_file":
    [...]}, each entry naming the MedDRA code and term. Rows are never changed nor deleted.
    """

    number = models.PositiveIntegerField(unique=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        "trial.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=200)
    reason = models.TextField()
    term_count = models.PositiveIntegerField(help_text="Terms in the dictionary after the import")
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-number"]
        verbose_name = "CTCAE dictionary version"
        triggers = [
            pgtrigger.Protect(name="append_only_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return f"CTCAE dictionary version {self.number} ({self.source})"


def _choices(enum):
    return [(m.value, m.label) for m in enum]


@pghistory.track()
class AdverseEvent(models.Model):
    """One adverse event of a subject, graded by CTCAE v5.0.

    Derived columns (period, worst grade, SAE and SUSAR deadlines, DLT candidacy) are computed
    by adverse_events.rules when the AE is saved through adverse_events.services.
    """

    subject = models.ForeignKey(
        "trial.Subject", on_delete=models.PROTECT, related_name="adverse_events"
    )
    sequence = models.PositiveIntegerField(help_text="AESEQ: per subject, never reused")
    term = models.ForeignKey(CtcaeTerm, on_delete=models.PROTECT, related_name="+")
    # The term as it read in the dictionary when it was chosen (as SDTM's AEDECOD): a later
    # dictionary version that renames the term does not change what was recorded.
    recorded_term = models.CharField("CTCAE term (as recorded)", max_length=200)
    recorded_meddra_code = models.PositiveIntegerField("MedDRA code (as recorded)")
    recorded_soc = models.CharField("MedDRA SOC (as recorded)", max_length=120)
    verbatim_term = models.CharField(
        max_length=200, blank=True, help_text='Required for an "Other, specify" term'
    )
    onset_date = models.DateField()
    ongoing = models.BooleanField(default=True)
    end_date = models.DateField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField()
    worst_grade = models.PositiveSmallIntegerField()
    serious = models.BooleanField(default=False)
    serious_criteria = ArrayField(
        models.CharField(max_length=30, choices=_choices(rules.SeriousCriterion)),
        default=list,
        blank=True,
    )
    relationship = models.CharField(max_length=15, choices=_choices(rules.Relationship), blank=True)
    relationship_by = models.ForeignKey(
        "trial.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relationship_at = models.DateTimeField(null=True, blank=True)
    expectedness = models.CharField(max_length=15, choices=_choices(rules.Expectedness), blank=True)
    action_taken = models.CharField(max_length=20, choices=_choices(rules.ActionTaken))
    outcome = models.CharField(max_length=30, choices=_choices(rules.Outcome))
    death_date = models.DateField(null=True, blank=True)
    treatment_given = models.TextField(blank=True)
    period = models.CharField(max_length=20, choices=_choices(rules.Period))
    # SAE: when the site became aware, and the 24-hour report deadline (indexed for scans).
    aware_at = models.DateTimeField(null=True, blank=True)
    sae_report_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sae_reported_at = models.DateTimeField(null=True, blank=True)
    sae_reported_by = models.ForeignKey(
        "trial.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    susar = models.BooleanField(default=False)
    susar_report_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # DLT: proposed by the rule, decided by the investigator.
    dlt_candidate = models.BooleanField(default=False)
    dlt_candidate_reason = models.CharField(max_length=300, blank=True)
    dlt = models.BooleanField(null=True, blank=True)
    dlt_decided_by = models.ForeignKey(
        "trial.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dlt_decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "sequence"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        indexes = [
            # The AE list's order (adverse_events.views.LIST_ORDER): a page of the latest
            # onsets is read from the index, not sorted out of every AE of the trial.
            models.Index(
                models.F("onset_date").desc(),
                "subject",
                "sequence",
                condition=Q(voided_at__isnull=True),
                name="ae_live_by_onset",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="ae_unique_sequence"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=5), name="ae_grade_1_to_5"),
            models.CheckConstraint(
                condition=Q(worst_grade__gte=models.F("grade")), name="ae_worst_grade_is_worst"
            ),
            models.CheckConstraint(
                condition=Q(serious=False) | Q(aware_at__isnull=False),
                name="ae_serious_has_awareness_time",
            ),
        ]

    def __str__(self):
        return f"{self.subject} AE{self.sequence} {self.display_term}"

    @property
    def display_term(self) -> str:
        return self.verbatim_term if self.term.is_other_specify else self.recorded_term

    def record_term(self, term: CtcaeTerm) -> None:
        """Point at `term` and keep its wording as of now (when the term is (re)chosen)."""
        self.term = term
        self.recorded_term = term.term
        self.recorded_meddra_code = term.meddra_code
        self.recorded_soc = term.soc
