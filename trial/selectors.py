"""Reads of a subject reused across the CRF apps (each reads the stored column, so a caller's
instance that predates a dose still gets today's value)."""

from datetime import date

from trial.models import Subject


def first_dose_date(subject: Subject) -> date | None:
    """Subject.first_dose_on as stored now (the caller's instance may predate a dose)."""
    return Subject.objects.values_list("first_dose_on", flat=True).get(pk=subject.pk)


def last_dose_date(subject: Subject) -> date | None:
    """Subject.last_dose_on as stored now (the caller's instance may predate a dose)."""
    return Subject.objects.values_list("last_dose_on", flat=True).get(pk=subject.pk)
