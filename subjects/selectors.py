"""Reads for the subject page and the site worklist, scoped by trial.access."""

from dataclasses import dataclass
from datetime import date, timedelta

from review.matrix import MatrixForm, visit_forms
from trial import schedule
from trial.access import visits_for
from trial.models import Subject, User, Visit


@dataclass(frozen=True)
class TimelineRow:
    visit: Visit
    status: schedule.VisitStatus
    study_day: int | None
    deviation_days: int
    # The forms the study's schedule of assessments expects at the visit, with their state.
    forms: tuple[MatrixForm, ...] = ()


def timeline(subject: Subject, *, today: date, c1d1: date | None) -> list[TimelineRow]:
    # In schedule order (Visit.Meta); the subject page prefetches them for its sections too.
    visits = list(subject.visits.all())
    forms = visit_forms(subject, visits)
    rows = []
    for visit in visits:
        planned = visit.planned()
        rows.append(
            TimelineRow(
                visit=visit,
                status=visit.status_on(today),
                study_day=schedule.study_day(c1d1, visit.target_date) if c1d1 else None,
                deviation_days=(
                    schedule.window_deviation(planned, visit.completed_on)
                    if visit.completed_on
                    else 0
                ),
                forms=tuple(forms[visit.pk]),
            )
        )
    return rows


def worklist(user: User, *, today: date, horizon_days: int = 7):
    """Visits of the user's subjects that are due within the horizon or overdue."""
    candidates = (
        visits_for(user)
        .filter(
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            window_opens_on__lte=today + timedelta(days=horizon_days),
            subject__voided_at__isnull=True,
        )
        .select_related("subject", "subject__site")
        .order_by("window_closes_on", "subject__subject_number")
    )
    due, overdue = [], []
    for visit in candidates:
        status = visit.status_on(today)
        (overdue if status == schedule.VisitStatus.MISSED else due).append(visit)
    return due, overdue
