"""The visit's own writes: performed on a date, or missed with a reason. A visit is trial's
record (its kind, `trial.visit`, is declared in review.trial_kinds); its writes go through the
write contract, so they stand on the review floor, where every CRF app and the subject page
can call them. A dosing visit is performed by its dosing form (dosing.services)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from review.contract import crf_write
from trial.access import entry_required
from trial.models import User, Visit, VisitKind
from trial.selectors import first_dose_date


def visit_complete(
    *, visit: Visit, by: User, on: date, today: date, now: datetime | None = None
) -> Visit:
    """Record a non-dosing visit as performed on `on` (out-of-window visits are flagged).

    `now` dates the automatic queries the edit checks raise (the clock by default).
    """
    with crf_write(
        require=entry_required(by, visit.subject, "record visits"),
        record=visit,
        by=by,
        now=now or timezone.now(),
        reason_required=False,
        audit_reason=f"{visit.code} performed",
    ) as write:
        current = write.record
        if current.kind == VisitKind.DOSING:
            raise ValidationError("A dosing visit is completed by its dosing form.")
        if current.not_applicable:
            raise ValidationError(f"{current.code} is not applicable for this subject.")
        if on > today:
            raise ValidationError({"completed_on": [f"Visit date {on} is in the future."]})
        c1d1 = first_dose_date(current.subject)
        if current.kind != VisitKind.SCREENING and c1d1 is None:
            raise ValidationError({"completed_on": ["Record the C1D1 dose before later visits."]})
        if c1d1 and current.kind != VisitKind.SCREENING and on < c1d1:
            raise ValidationError({"completed_on": [f"Visit date {on} is before C1D1 ({c1d1})."]})
        current.completed_on = on
        write.save(current, update_fields=["completed_on"])
    visit.refresh_from_db()
    return visit


def visit_mark_missed(*, visit: Visit, by: User, reason: str) -> Visit:
    if not reason.strip():
        entry_required(by, visit.subject, "record missed visits")()
        raise ValidationError({"reason": ["Give the reason the visit was missed."]})
    with crf_write(
        require=entry_required(by, visit.subject, "record missed visits"),
        record=visit,
        by=by,
        now=timezone.now(),
        reason_required=False,
        audit_reason=f"{visit.code} missed: {reason}",
    ) as write:
        current = write.record
        if current.completed_on:
            raise ValidationError(f"{current.code} was performed on {current.completed_on}.")
        current.missed_reason = reason.strip()
        write.save(current, update_fields=["missed_reason"])
    visit.refresh_from_db()
    return visit
