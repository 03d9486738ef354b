"""Screening CRFs: informed consent and the eligibility assessment.

The eligibility verdict is never typed in: it is computed by screening.eligibility from the
recorded facts and stored with its reasons when the assessment is saved through its service.
"""

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from screening.eligibility import (
    AUTOIMMUNE_CONDITIONS,
    PREGNANCY_TEST_RESULTS,
    SEVERE_ALLERGY_KINDS,
    Status,
)
from trial.models import Subject, User


@pghistory.track()
class Consent(models.Model):
    """Written informed consent: no other screening data is saved before it."""

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="consent")
    icf_version = models.CharField("ICF version", max_length=30)
    signed_at = models.DateTimeField("date and time signed")
    # The CRF bookkeeping (docs/adding-a-crf.md): version, who entered it and when, the last
    # save, a void with its reason.
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"Consent {self.icf_version} for {self.subject}"


def _yes_no(label):
    return models.BooleanField(label, null=True, blank=True)


def _date(label):
    return models.DateField(label, null=True, blank=True)


class EligibilityStatus(models.TextChoices):
    ELIGIBLE = Status.ELIGIBLE.value, "Eligible"
    NOT_ELIGIBLE = Status.NOT_ELIGIBLE.value, "Not eligible"
    INCOMPLETE = Status.INCOMPLETE.value, "Incomplete"


@pghistory.track()
class EligibilityAssessment(models.Model):
    """The eligibility CRF: the facts each criterion of the synopsis needs."""

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="eligibility")
    assessment_date = models.DateField("assessment date")
    # Inclusion 2
    histology_confirmed = _yes_no("histopathologically confirmed malignant solid tumour")
    refractory_to_second_line = _yes_no("refractory to second-line treatment, advanced disease")
    no_standard_treatment = _yes_no("no standard clinical treatment regimen available")
    # Inclusion 3, 4
    ecog = models.PositiveSmallIntegerField("ECOG performance status", null=True, blank=True)
    expected_survival_months = models.PositiveSmallIntegerField(
        "expected survival (months)", null=True, blank=True
    )
    # Inclusion 5, 6 and exclusion 1
    had_chemotherapy = _yes_no("ever received chemotherapy")
    last_chemotherapy_date = _date("date of last chemotherapy")
    had_radiotherapy = _yes_no("ever received radiotherapy")
    last_radiotherapy_date = _date("date of last radiotherapy")
    had_surgery = _yes_no("ever had cancer surgery")
    last_surgery_date = _date("date of last surgery")
    had_nitrosourea_or_mitomycin = _yes_no("ever received a nitrosourea or mitomycin C")
    last_nitrosourea_or_mitomycin_date = _date("date of last nitrosourea / mitomycin C")
    had_other_trial_drug = _yes_no("ever received another investigational drug")
    last_other_trial_drug_date = _date("date of last dose in another drug trial")
    # Inclusion 7: {"anc": {"value": "1.8", "uln": null}, ...} keyed by the study's lab codes.
    labs = models.JSONField(default=dict, blank=True)
    # Exclusion 2
    tumour_near_major_vessels_or_trachea = _yes_no("tumour close to major blood vessels or trachea")
    # Exclusion 3
    nyha_class = models.PositiveSmallIntegerField("NYHA class", null=True, blank=True)
    unstable_angina = _yes_no("unstable angina pectoris")
    had_myocardial_infarction = _yes_no("history of myocardial infarction")
    last_myocardial_infarction_date = _date("date of last myocardial infarction")
    arrhythmia_requiring_treatment = _yes_no("arrhythmia requiring treatment or intervention")
    # Exclusion 4 (women)
    pregnant = _yes_no("pregnant")
    lactating = _yes_no("lactating")
    childbearing_potential = _yes_no("of child-bearing potential")
    pregnancy_test_result = models.CharField(
        "pregnancy test", max_length=10, blank=True, choices=PREGNANCY_TEST_RESULTS
    )
    # Exclusion 5
    active_tuberculosis = _yes_no("active tuberculosis")
    bacterial_or_fungal_infection_grade = models.PositiveSmallIntegerField(
        "worst active bacterial/fungal infection, CTCAE grade (0 = none)", null=True, blank=True
    )
    active_hiv = _yes_no("active HIV infection")
    active_hbv = _yes_no("active HBV infection")
    hcv_infection = _yes_no("HCV infection")
    # Exclusion 6, 8, 9
    psychotropic_abuse_unable_to_quit = _yes_no("psychotropic drug abuse, unable to quit")
    mental_disorder = _yes_no("mental disorder")
    immunosuppressive_treatment = _yes_no("currently receiving immunosuppressive treatment")
    drug_or_alcohol_abuse_history = _yes_no("history of drug abuse or alcoholism")
    # Exclusion 7: None = not answered, [] = none
    autoimmune_conditions = ArrayField(
        models.CharField(max_length=40, choices=AUTOIMMUNE_CONDITIONS), null=True, blank=True
    )
    # Exclusion 10
    allergy_to_study_drug = _yes_no("allergy to IL-22BP/LNP or its excipients")
    severe_allergy_history = ArrayField(
        models.CharField(max_length=40, choices=SEVERE_ALLERGY_KINDS), null=True, blank=True
    )
    # Exclusion 11, 12
    pregnancy_plan_within_window = _yes_no(
        "subject or partner plans a pregnancy before 12 months after the last injection"
    )
    investigator_excludes_for_concomitant_disease = _yes_no(
        "concomitant disease that endangers safety or completion (investigator's judgement)"
    )

    # Computed on save by the eligibility rules.
    status = models.CharField(
        max_length=15, choices=EligibilityStatus.choices, default=EligibilityStatus.INCOMPLETE
    )
    findings = models.JSONField(default=list, blank=True)
    # The CRF bookkeeping (docs/adding-a-crf.md). The last save is saved_by / saved_at (its
    # names since the first migration: audited columns are not renamed); recorded_by /
    # recorded_at, who entered it first and when, came later (backfilled from the first
    # audit event, empty where there is none).
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True, null=True)
    saved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    # The investigator's own action (screening.services.eligibility_confirm).
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    screen_failed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screen_failed_at = models.DateTimeField(null=True, blank=True)
    screen_failure_reason = models.TextField(blank=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(status="eligible"),
                name="eligibility_only_eligible_can_be_confirmed",
            ),
        ]

    def __str__(self):
        return f"Eligibility of {self.subject}"

    @property
    def failed_findings(self):
        return [f for f in self.findings if f["outcome"] == "failed"]

    @property
    def missing_findings(self):
        return [f for f in self.findings if f["outcome"] == "missing"]
