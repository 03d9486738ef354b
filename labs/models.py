"""Local laboratory results (SDTM LB) and the site laboratories' normal ranges.

A result keeps the value and unit as entered (LBORRES/LBORRESU) beside the value in the test's
standard unit (LBSTRESN/LBSTRESU, labs.units), the normal range it was read against (the one
in force on its date for the subject's sex and age, labs.ranges) and its CTCAE v5.0 grade
(labs.grading), all computed by labs.services when the result is saved. A categorical test (a
urine dipstick, labs.units) keeps its category instead: no value, unit or standard value.
"""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import F, Q

from labs.units import DIPSTICK, TESTS

TEST_CHOICES = [(code, test.name) for code, test in TESTS.items()]


class Panel(models.TextChoices):
    HAEMATOLOGY = "haematology", "Haematology"
    CHEMISTRY = "chemistry", "Chemistry"
    COAGULATION = "coagulation", "Coagulation"
    URINALYSIS = "urinalysis", "Urinalysis"


PANEL_OF_TEST = {
    "NEUT": Panel.HAEMATOLOGY,
    "PLAT": Panel.HAEMATOLOGY,
    "WBC": Panel.HAEMATOLOGY,
    "HGB": Panel.HAEMATOLOGY,
    "ALT": Panel.CHEMISTRY,
    "AST": Panel.CHEMISTRY,
    "BILI": Panel.CHEMISTRY,
    "CREAT": Panel.CHEMISTRY,
    "INR": Panel.COAGULATION,
    "APTT": Panel.COAGULATION,
    "PROT": Panel.URINALYSIS,
    "PROTEXR": Panel.URINALYSIS,
    "OCCBLD": Panel.URINALYSIS,
    "GLUC": Panel.URINALYSIS,
}
CATEGORY_CHOICES = [(c, c) for c in DIPSTICK]


class RangeSex(models.TextChoices):
    ANY = "", "Either"
    MALE = "M", "Male"
    FEMALE = "F", "Female"


@pghistory.track()
class LabNormalRange(models.Model):
    """One normal range of a site's laboratory, in force from a date (labs.ranges)."""

    site = models.ForeignKey("trial.Site", on_delete=models.PROTECT, related_name="lab_ranges")
    laboratory = models.CharField(max_length=100)
    test = models.CharField(max_length=8, choices=TEST_CHOICES)
    unit = models.CharField(max_length=20)
    low = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    sex = models.CharField(max_length=1, choices=RangeSex.choices, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "test", "effective_from"]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="labrange_low_not_above_high",
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=False) | Q(high__isnull=False),
                name="labrange_has_a_limit",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="labrange_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.laboratory} {self.test} {self.low}-{self.high} {self.unit}"


@pghistory.track()
class LabResult(models.Model):
    subject = models.ForeignKey(
        "trial.Subject", on_delete=models.PROTECT, related_name="lab_results"
    )
    visit = models.ForeignKey("trial.Visit", on_delete=models.PROTECT, related_name="lab_results")
    test = models.CharField(max_length=8, choices=TEST_CHOICES)
    panel = models.CharField(max_length=20, choices=Panel.choices, editable=False)
    collected_on = models.DateField("date collected")
    collected_time = models.TimeField("time collected", null=True, blank=True)
    # A numeric test has a value and unit, a categorical one (a dipstick) its category.
    value = models.DecimalField(
        "result (as reported)", max_digits=12, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField("unit (as reported)", max_length=20, blank=True)
    category = models.CharField(
        "category (as reported)", max_length=20, choices=CATEGORY_CHOICES, blank=True
    )
    # Derived on save by labs.services (never typed).
    standard_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, editable=False)
    standard_unit = models.CharField(max_length=20, editable=False)
    normal_range = models.ForeignKey(
        LabNormalRange, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    normal_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, editable=False)
    normal_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, editable=False)
    # LOW, NORMAL, HIGH; ABNORMAL for a category out of normal; "" without a range.
    range_indicator = models.CharField(max_length=8, blank=True, editable=False)
    grade = models.PositiveSmallIntegerField("CTCAE grade", null=True, editable=False)
    grade_reason = models.CharField(max_length=200, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "collected_on", "test"]
        verbose_name = "lab result"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="labresult_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(value__isnull=False, category="", standard_value__isnull=False) & ~Q(unit="")
                )
                | Q(value__isnull=True, unit="", standard_value__isnull=True) & ~Q(category=""),
                name="labresult_value_and_unit_or_category",
            ),
        ]
        indexes = [models.Index(fields=["subject", "test", "collected_on"])]

    def __str__(self):
        return f"{self.subject} {self.test} {self.collected_on}"

    @property
    def reported(self) -> str:
        """The result as reported: "50 U/L", or a dipstick's "1+"."""
        if self.category:
            return self.category
        return f"{self.value.normalize():f} {self.unit}" if self.value is not None else ""

    @property
    def normal_categories(self) -> str:
        """A dipstick's categories within normal ("Negative or Trace"), for its pages."""
        return " or ".join(TESTS[self.test].normal_categories)

    @property
    def title(self) -> str:
        return f"{self.get_test_display()} {self.collected_on:%Y-%m-%d}"
