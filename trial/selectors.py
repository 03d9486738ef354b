"""Reads of a subject reused across the CRF apps (each reads the stored column, so a caller's
instance that predates a dose still gets today's value)."""

from datetime import date

from django.utils import timezone

from trial.models import Subject


def first_dose_date(subject: Subject) -> date | None:
    """Subject.first_dose_on as stored now (the caller's instance may predate a dose)."""
    return Subject.objects.values_list("first_dose_on", flat=True).get(pk=subject.pk)


def last_dose_date(subject: Subject) -> date | None:
    """Subject.last_dose_on as stored now (the caller's instance may predate a dose)."""
    return Subject.objects.values_list("last_dose_on", flat=True).get(pk=subject.pk)


def consent_date(subject: Subject) -> date | None:
    """The local date the subject's standing informed consent was signed, as stored now;
    None when none is recorded or it was voided (screening's Consent, one per subject):
    every "consent first" rule reads it here."""
    signed_at = (
        Subject.objects.filter(pk=subject.pk, consent__voided_at__isnull=True)
        .values_list("consent__signed_at", flat=True)
        .first()
    )
    return timezone.localtime(signed_at).date() if signed_at else None
