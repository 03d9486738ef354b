"""ECGs (SDTM EG): one recording per visit and time point, its triplicate readings as typed
and, computed by ecg.services when it is saved, their means, the average QTcF (Fridericia)
and its CTCAE v5.0 grade (ecg.rules)."""

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q

from ecg.rules import QT_MS_MAX, QT_MS_MIN, Interpretation, TimePoint

READINGS = 3  # triplicate
READING_FIELDS = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "rr_ms")


class EcgTimePoint(models.TextChoices):
    VISIT = TimePoint.VISIT, "At the visit"
    PRE_DOSE = TimePoint.PRE_DOSE, "Pre-dose"
    POST_DOSE = TimePoint.POST_DOSE, "Post-dose"


class EcgInterpretation(models.TextChoices):
    NORMAL = Interpretation.NORMAL, "Normal"
    ABNORMAL_NCS = Interpretation.ABNORMAL_NCS, "Abnormal, not clinically significant"
    ABNORMAL_CS = Interpretation.ABNORMAL_CS, "Abnormal, clinically significant"


def _reading(label: str, number: int, unit: str):
    return models.PositiveSmallIntegerField(f"{label} {number} ({unit})", null=True, blank=True)


def _mean(label: str):
    return models.DecimalField(
        f"mean {label}", max_digits=6, decimal_places=1, null=True, editable=False
    )


@pghistory.track()
class Electrocardiogram(models.Model):
    subject = models.ForeignKey("trial.Subject", on_delete=models.PROTECT, related_name="ecgs")
    visit = models.ForeignKey("trial.Visit", on_delete=models.PROTECT, related_name="ecgs")
    time_point = models.CharField(max_length=10, choices=EcgTimePoint.choices)
    performed_on = models.DateField("date recorded")
    performed_time = models.TimeField("time recorded", null=True, blank=True)
    heart_rate_bpm_1 = _reading("Heart rate", 1, "beats/min")
    pr_ms_1 = _reading("PR", 1, "ms")
    qrs_ms_1 = _reading("QRS", 1, "ms")
    qt_ms_1 = _reading("QT", 1, "ms")
    rr_ms_1 = _reading("RR", 1, "ms")
    heart_rate_bpm_2 = _reading("Heart rate", 2, "beats/min")
    pr_ms_2 = _reading("PR", 2, "ms")
    qrs_ms_2 = _reading("QRS", 2, "ms")
    qt_ms_2 = _reading("QT", 2, "ms")
    rr_ms_2 = _reading("RR", 2, "ms")
    heart_rate_bpm_3 = _reading("Heart rate", 3, "beats/min")
    pr_ms_3 = _reading("PR", 3, "ms")
    qrs_ms_3 = _reading("QRS", 3, "ms")
    qt_ms_3 = _reading("QT", 3, "ms")
    rr_ms_3 = _reading("RR", 3, "ms")
    interpretation = models.CharField(max_length=15, choices=EcgInterpretation.choices)
    abnormality = models.TextField("abnormal findings", blank=True)
    # Derived on save by ecg.services (never typed).
    readings = models.PositiveSmallIntegerField(editable=False)
    mean_heart_rate_bpm = _mean("heart rate (beats/min)")
    mean_pr_ms = _mean("PR (ms)")
    mean_qrs_ms = _mean("QRS (ms)")
    mean_qt_ms = _mean("QT (ms)")
    mean_rr_ms = _mean("RR (ms)")
    qtcf_ms = models.DecimalField(
        "average QTcF (ms)", max_digits=6, decimal_places=1, editable=False
    )
    baseline_qtcf_ms = models.DecimalField(
        "baseline QTcF (ms)", max_digits=6, decimal_places=1, null=True, editable=False
    )
    qtc_grade = models.PositiveSmallIntegerField("CTCAE grade of QTc", editable=False)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey("trial.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["subject", "performed_on", "time_point"]
        verbose_name = "ECG"
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "time_point"],
                condition=Q(voided_at__isnull=True),
                name="ecg_one_per_visit_time_point",
            ),
            models.CheckConstraint(
                condition=Q(qt_ms_1__gte=int(QT_MS_MIN), qt_ms_1__lte=int(QT_MS_MAX)),
                name="ecg_qt_1_physiological",
            ),
        ]
        indexes = [models.Index(fields=["subject", "performed_on"])]

    def __str__(self):
        return f"{self.subject} ECG {self.visit.code} {self.get_time_point_display()}"

    @property
    def title(self) -> str:
        when = "" if self.time_point == EcgTimePoint.VISIT else f" {self.get_time_point_display()}"
        return f"ECG {self.visit.code}{when}"
