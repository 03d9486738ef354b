"""PK and immunogenicity samples (SDTM BE, samples.sdtm): one collected sample per visit, sample
type and nominal time of the study's schedule ([samples] of the study file), its identifier,
its collection time read against the visit's dose (samples.timing) and its handling stages."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q


@pghistory.track()
class Sample(models.Model):
    subject = models.ForeignKey("trial.Subject", on_delete=models.PROTECT, related_name="samples")
    visit = models.ForeignKey("trial.Visit", on_delete=models.PROTECT, related_name="samples")
    sample_type = models.CharField(max_length=20)  # a type code of [samples]
    nominal_time = models.CharField(max_length=20)  # a time code of [samples]
    sample_id = models.CharField(
        "sample identifier", max_length=40, help_text="The tube's label or barcode."
    )
    collected_on = models.DateField("date collected")
    collected_time = models.TimeField("time collected")
    # Derived on save by samples.services from the study's schedule and the visit's dose, kept
    # as read then (a later change of the study file does not rewrite a saved sample).
    sample_type_label = models.CharField(max_length=100, editable=False)
    nominal_label = models.CharField("nominal time", max_length=100, editable=False)
    nominal_anchor = models.CharField(max_length=20, editable=False)
    nominal_offset_minutes = models.IntegerField(editable=False)
    tolerance_minutes = models.PositiveIntegerField(editable=False)
    dose_reference_at = models.DateTimeField(
        "dose time read against", editable=False, help_text="Start, or end for the EOI sample"
    )
    deviation_minutes = models.IntegerField("deviation from nominal (min)", editable=False)
    beyond_tolerance = models.BooleanField(editable=False)
    timing_reason = models.CharField(max_length=200, editable=False)
    # Handling stages, each recorded once it happened (samples.services.sample_stage_record).
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    stored_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipped_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipment_reference = models.CharField(max_length=100, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "collected_on", "collected_time"]
        verbose_name = "sample"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "sample_type", "nominal_time"],
                condition=Q(voided_at__isnull=True),
                name="sample_once_per_visit_type_time",
            ),
            models.UniqueConstraint(
                fields=["sample_id"],
                condition=Q(voided_at__isnull=True),
                name="sample_identifier_unique",
            ),
            models.CheckConstraint(
                condition=Q(stored_at__isnull=True) | Q(processed_at__isnull=False),
                name="sample_stored_after_processed",
            ),
            models.CheckConstraint(
                condition=Q(shipped_at__isnull=True) | Q(stored_at__isnull=False),
                name="sample_shipped_after_stored",
            ),
        ]
        indexes = [models.Index(fields=["subject", "collected_on"])]

    def __str__(self):
        return f"{self.subject} {self.sample_type} {self.nominal_time} {self.sample_id}"

    @property
    def title(self) -> str:
        return f"{self.sample_type} {self.nominal_label} {self.visit.code}"

    @property
    def status(self) -> str:
        if self.shipped_at:
            return "shipped"
        if self.stored_at:
            return "stored"
        if self.processed_at:
            return "processed"
        return "collected"
