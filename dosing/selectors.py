"""Reads for the subject page and the site worklist, scoped by trial.access."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from dosing.models import VITAL_FIELDS, DoseChange, DosingRecord
from dosing.vitals import VitalRange
from review import checks
from trial import schedule
from trial.access import scope_to_sites
from trial.models import Subject, User, Visit, VitalSignLimit

OPEN_STATUSES = (schedule.VisitStatus.DUE, schedule.VisitStatus.MISSED)


@dataclass(frozen=True)
class TimelineRow:
    visit: Visit
    status: schedule.VisitStatus
    study_day: int | None
    deviation_days: int
    dosing: DosingRecord | None


# What a given dose needs before its CRF counts as complete (the form lets a coordinator save
# it without them, so a visit can be entered in steps): the time, volume, lot and every vital.
DOSE_COMPLETE_FIELDS = (
    "administered_on",
    "start_time",
    "volume_ml",
    "lot_number",
    *(f"{when}_{name}" for when in ("pre", "post") for name in VITAL_FIELDS),
)
TEXT_FIELDS = frozenset({"lot_number"})


def dose_is_complete(record: DosingRecord) -> bool:
    """A skipped dose is complete as recorded; a given one once every needed field is in."""
    if record.dose_change == DoseChange.SKIPPED:
        return True
    return all(getattr(record, name) not in (None, "") for name in DOSE_COMPLETE_FIELDS)


def incomplete_doses() -> Q:
    """dose_is_complete, as a filter: the dosing CRFs that are not complete."""
    missing = Q()
    for name in DOSE_COMPLETE_FIELDS:
        missing |= Q(**{name: ""}) if name in TEXT_FIELDS else Q(**{f"{name}__isnull": True})
    return ~Q(dose_change=DoseChange.SKIPPED) & missing


def vital_sign_limits(*, subject_id: int) -> list[VitalSignLimit]:
    """The [vital_signs] limits of the subject's study, as loaded from the study file."""
    limits = list(VitalSignLimit.objects.filter(study__subjects__pk=subject_id).order_by("order"))
    if not limits:
        raise ImproperlyConfigured(
            "The study's vital-sign limits ([vital_signs] of the study file) are not loaded: "
            "run `manage.py load_study` first."
        )
    return limits


def _as_recorded(code: str, value: Decimal | None) -> Decimal | None:
    """A limit at the precision the dosing CRF records the value (38.0 °C, 120 beats/min), so
    that messages, and the automatic queries compared by their text, read the same."""
    if value is None:
        return None
    places = DosingRecord._meta.get_field(f"pre_{code}").decimal_places
    shown = value.quantize(Decimal(1).scaleb(-places))
    return shown if shown == value else value  # a finer limit is kept exactly as written


def plausible_vitals(*, subject_id: int) -> tuple[VitalRange, ...]:
    """Outside these a vital sign is refused as a typing error (dosing.vitals)."""
    return tuple(
        VitalRange(
            limit.code,
            limit.label,
            limit.unit,
            _as_recorded(limit.code, limit.plausible_min),
            _as_recorded(limit.code, limit.plausible_max),
        )
        for limit in vital_sign_limits(subject_id=subject_id)
    )


def clinical_vital_limits(*, subject_id: int) -> tuple[checks.VitalLimit, ...]:
    """Beyond these a vital sign is saved and queried (review.checks.vitals_out_of_range)."""
    return tuple(
        checks.VitalLimit(
            limit.code,
            limit.label,
            limit.unit,
            low=_as_recorded(limit.code, limit.clinical_min),
            high=_as_recorded(limit.code, limit.clinical_max),
        )
        for limit in vital_sign_limits(subject_id=subject_id)
        if limit.clinical_min is not None or limit.clinical_max is not None
    )


def visits_for(user: User):
    return scope_to_sites(Visit.objects.all(), user, site_field="subject__site")


def next_dosing_visit(visit: Visit) -> Visit | None:
    """The subject's next dosing visit after `visit` ("Save and go to the next form")."""
    return (
        Visit.objects.filter(subject_id=visit.subject_id, kind="dosing", order__gt=visit.order)
        .order_by("order")
        .first()
    )


def timeline(subject: Subject, *, today: date, c1d1: date | None) -> list[TimelineRow]:
    doses = {d.visit_id: d for d in DosingRecord.objects.filter(subject=subject)}
    rows = []
    for visit in subject.visits.order_by("order"):
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
                dosing=doses.get(visit.pk),
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
