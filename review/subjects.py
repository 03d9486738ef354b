"""Corrections of a registered subject (trial's own record, the `trial.subject` kind): its
registration data corrected with a reason, or the whole subject voided as entered in error.

Here rather than in trial.services: a locked subject is read-only (review.services
.assert_editable), and review stands on the floor above trial.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from review.services import assert_editable, task_counts_moved
from trial.access import can
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.dates import implausible_date
from trial.models import Subject, User

SUBJECT_EDITABLE_FIELDS = (
    "sex",
    "date_of_birth",
    "race",
    "ethnicity",
    "tumour_type",
    "tumour_type_other",
)


def subject_update(*, subject: Subject, by: User, reason: str, **changes) -> Subject:
    """Correct a subject's registration data; saved data needs a reason for change."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "A reason for change is required to edit saved data."})
    unknown = set(changes) - set(SUBJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    if not can(by, Capability.EDIT_SUBJECT, subject):
        raise PermissionDenied(
            "Only the site's coordinators, investigators and data managers edit its subjects."
        )
    if subject.voided_at:
        raise ValidationError("This subject was voided; voided records cannot be edited.")
    assert_editable(subject)
    if "date_of_birth" in changes:
        problem = implausible_date(
            "Date of birth", changes["date_of_birth"], today=timezone.localdate()
        )
        if problem:
            raise ValidationError({"date_of_birth": problem})
    changed = [name for name, value in changes.items() if getattr(subject, name) != value]
    if not changed:
        return subject
    for name in changed:
        setattr(subject, name, changes[name])
    if {"sex", "date_of_birth"} & set(changed):
        # Read by eligibility's signature (review.current): the database requires the stamp.
        subject.demographics_changed_at = timezone.now()
        changed.append("demographics_changed_at")
    subject.full_clean()
    with transaction.atomic(), audit_context(by=by, reason=reason.strip()):
        subject.save(update_fields=changed)
        # Eligibility's content hash covers the sex and the date of birth.
        task_counts_moved(site_id=subject.site_id)
    return subject


def subject_void(*, subject: Subject, by: User, reason: str) -> Subject:
    """Mark a subject entered in error; clinical rows are never deleted."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "A reason is required to void a record."})
    if not can(by, Capability.VOID_SUBJECT, subject):
        raise PermissionDenied("You may not void subjects at this site.")
    if subject.voided_at:
        raise ValidationError("This subject is already voided.")
    assert_editable(subject)
    subject.voided_at = timezone.now()
    subject.void_reason = reason.strip()
    with transaction.atomic(), audit_context(by=by, reason=reason.strip()):
        subject.save(update_fields=["voided_at", "void_reason"])
        task_counts_moved(site_id=subject.site_id)
    return subject
