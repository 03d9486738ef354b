"""Dosing visits and visit completion (the disposition events: dispositions.services)."""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Q
from django.utils import timezone

from dosing.dose_checks import DoseLimits, dose_quantity_problems
from dosing.models import DoseChange, DosingRecord
from dosing.selectors import plausible_vitals
from review.contract import crf_write
from trial import hooks, lifecycle, schedule
from trial.access import require
from trial.capabilities import Capability
from trial.models import Subject, SubjectStatus, User, Visit, VisitKind
from trial.selectors import consent_date
from trial.services import reanchor_follow_up, transition
from trial.study_config import definitions_of
from trial.vital_signs import check_vitals

DOSING_FIELDS = (
    "dose_change",
    "dose_change_reason",
    "administered_on",
    "start_time",
    "stop_time",
    "dose_level",
    "dose_amount",
    "dose_unit",
    "volume_ml",
    "route",
    "injected_lesions",
    "lot_number",
    "deviation_reason",
    *(
        f"{when}_{v}"
        for when in ("pre", "post")
        for v in (
            "temperature_c",
            "pulse_bpm",
            "systolic_mmhg",
            "diastolic_mmhg",
            "respiratory_rate",
            "spo2_pct",
        )
    ),
    "immediate_reaction",
    "pregnancy_test",
)


TEXT_FIELDS = frozenset(
    {
        "dose_change",
        "dose_change_reason",
        "dose_unit",
        "route",
        "injected_lesions",
        "lot_number",
        "deviation_reason",
        "immediate_reaction",
        "pregnancy_test",
    }
)


def _require_staff(user: User, subject: Subject, action: str) -> None:
    require(user, Capability.ENTER_DATA, subject, action=action)


def _doses_given(subject: Subject):
    """The subject's doses given: a date, and not voided (a skipped dose has no date)."""
    return DosingRecord.objects.filter(
        subject=subject, administered_on__isnull=False, voided_at__isnull=True
    )


def keep_dose_dates(subject: Subject) -> bool:
    """Store the first and last dose dates from the doses given (inside the dose write);
    True when the first dose date moved.

    The first dose is the earliest given: C1D1, since no other dose may be recorded before
    it nor dated on or before it (`_dosing_problems`), and C1D1 is not voided while later
    doses stand (`dose_void`). The caller holds the subject's row lock.
    """
    dates = _doses_given(subject).aggregate(
        first=Min("administered_on"), last=Max("administered_on")
    )
    moved = subject.first_dose_on != dates["first"]
    if (subject.first_dose_on, subject.last_dose_on) != (dates["first"], dates["last"]):
        subject.first_dose_on, subject.last_dose_on = dates["first"], dates["last"]
        subject.save(update_fields=["first_dose_on", "last_dose_on"])
    return moved


def _keep_dose_dates(write, subject: Subject, by: User) -> None:
    """keep_dose_dates, then what reads the first dose date follows it: a lab result's
    baseline and grade (the labs app, through trial.hooks "first_dose_moved")."""
    if keep_dose_dates(subject):
        hooks.call("first_dose_moved", write=write, subject=subject, by=by)


def dose_limits() -> DoseLimits:
    return DoseLimits(
        max_percent_of_level=settings.DOSE_MAX_PERCENT_OF_LEVEL,
        max_volume_ml=Decimal(settings.DOSE_MAX_VOLUME_ML),
    )


def _dosing_problems(visit: Visit, subject: Subject, values: dict, today: date):
    """(field, message) pairs for a dosing CRF that cannot be saved as it is."""
    problems: list[tuple[str, str]] = []
    change = values.get("dose_change") or DoseChange.NONE
    given = change != DoseChange.SKIPPED
    on = values.get("administered_on")
    if visit.kind != VisitKind.DOSING:
        problems.append((None, f"{visit.code} is not a dosing visit."))
    if subject.status not in (SubjectStatus.ENROLLED, SubjectStatus.ON_TREATMENT):
        problems.append(
            (
                None,
                f"Subject {subject} is {subject.get_status_display().lower()}: "
                "doses are recorded only for enrolled subjects on treatment.",
            )
        )
    if change != DoseChange.NONE and not (values.get("dose_change_reason") or "").strip():
        problems.append(("dose_change_reason", f"Give the reason the dose was {change}."))
    if given:
        for name in ("administered_on", "dose_level", "dose_amount", "route"):
            if values.get(name) in (None, ""):
                problems.append(
                    (
                        name,
                        f"{name.replace('_', ' ').capitalize()} is required when a dose is given.",
                    )
                )
    elif on is not None:
        problems.append(("administered_on", "A skipped dose has no administration date."))
    if on is not None:
        if on > today:
            problems.append(("administered_on", f"Administration date {on} is in the future."))
        c1d1 = subject.first_dose_on if visit.code != "C1D1" else None
        if visit.code != "C1D1" and c1d1 is None:
            problems.append(("administered_on", "Record the C1D1 dose first."))
        elif c1d1 is not None and on <= c1d1:
            problems.append(
                (
                    "administered_on",
                    f"Administration date {on} is not after the first dose (C1D1 {c1d1}).",
                )
            )
        if visit.code == "C1D1":
            later = (
                _doses_given(subject)
                .filter(administered_on__lte=on)
                .exclude(visit=visit)
                .order_by("administered_on")
                .first()
            )
            if later is not None:
                problems.append(
                    (
                        "administered_on",
                        f"C1D1 on {on} would not be the first dose: "
                        f"{later.visit.code} was given on {later.administered_on}.",
                    )
                )
        consented = consent_date(subject)
        if consented is not None and on < consented:
            problems.append(("administered_on", "Administration date is before consent."))
    start, stop = values.get("start_time"), values.get("stop_time")
    if start and stop and stop < start:
        problems.append(
            ("stop_time", f"Stop time {stop:%H:%M} is before start time {start:%H:%M}.")
        )
    level = values.get("dose_level")
    if given:
        problems.extend(
            dose_quantity_problems(
                amount=values.get("dose_amount"),
                volume_ml=values.get("volume_ml"),
                level_amount=level.dose_amount if level is not None else None,
                level_unit=level.dose_unit if level is not None else "",
                limits=dose_limits(),
            )
        )
    if given and level is not None and subject.dose_level_id is not None:
        mismatch = level.pk != subject.dose_level_id or (
            values.get("dose_amount") is not None
            and change != DoseChange.REDUCED
            and values["dose_amount"] != subject.dose_level.dose_amount
        )
        if mismatch and not (values.get("deviation_reason") or "").strip():
            problems.append(
                (
                    "deviation_reason",
                    f"The dose given differs from the subject's assigned level "
                    f"{subject.dose_level}: a deviation reason is required.",
                )
            )
    ranges = plausible_vitals(subject_id=subject.pk)
    for when in ("pre", "post"):
        problems.extend(check_vitals(values, ranges=ranges, prefix=f"{when}_"))
    if subject.sex == "F" and values.get("pregnancy_test") == "positive" and given:
        problems.append(
            ("pregnancy_test", "A dose cannot be given after a positive pregnancy test.")
        )
    return problems


def _raise(problems) -> None:
    errors: dict = {}
    for field, message in problems:
        message = message[0].upper() + message[1:]
        errors.setdefault(field or "__all__", []).append(message.rstrip(".") + ".")
    raise ValidationError(errors)


def _replan_first_dose_visits(subject: Subject, c1d1: date) -> None:
    """The schedule is relative to the actual first dose: move visits not yet done."""
    planned = {
        v.code: v for v in schedule.plan_visits(definitions_of(subject.study), first_dose=c1d1)
    }
    # C1D1 itself moves too: it is day 1 by definition, whenever it happened.
    visits = subject.visits.filter(anchor="first_dose").filter(
        Q(completed_on__isnull=True) | Q(code="C1D1")
    )
    for visit in visits:
        plan = planned.get(visit.code)
        if plan is None:
            continue
        visit.save(update_fields=visit.move_window(plan))


def dose_record(
    *,
    visit: Visit,
    by: User,
    values: dict,
    today: date,
    expected_version: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> DosingRecord:
    """Record (or correct) the dosing CRF of one visit.

    Corrections name the version they were edited from: if someone saved in between, the
    save is refused (optimistic locking) instead of silently overwriting their change.
    `now` dates the automatic queries the edit checks raise (the clock by default).
    """
    caller_subject = visit.subject
    with crf_write(
        require=lambda: _require_staff(by, caller_subject, "record doses"),
        parent=visit,
        find=lambda: DosingRecord.objects.filter(visit=visit).first(),
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        already_recorded=f"A dose is already recorded for {visit.code}; open it to correct it.",
        reason=reason,
        audit_reason=f"Dosing recorded for {visit.code}",
    ) as write:
        visit = write.parent
        # The subject's row lock serialises its dose writes: its first and last dose dates
        # are computed from all of its doses.
        subject = (
            Subject.objects.select_for_update(of=("self",))
            .select_related("dose_level", "site")
            .get(pk=visit.subject_id)
        )
        existing = write.record
        if existing is not None:
            # Status may have moved on (follow-up) since the dose: corrections stay possible.
            problems = [
                p
                for p in _dosing_problems(visit, subject, values, today)
                if not (p[0] is None and "doses are recorded only" in p[1])
            ]
        else:
            problems = _dosing_problems(visit, subject, values, today)
        if problems:
            _raise(problems)
        record = existing or DosingRecord(visit=visit, subject=subject, recorded_by=by)
        for name in DOSING_FIELDS:
            value = values.get(name)
            if value is None and name in TEXT_FIELDS:
                value = ""
            setattr(record, name, value)
        # The unit is the dose level's (study file), never typed.
        record.dose_unit = record.dose_level.dose_unit if record.dose_level else ""
        write.save(record)
        _keep_dose_dates(write, subject, by)
        if visit.code == "C1D1" and record.administered_on is not None:
            if subject.status == SubjectStatus.ENROLLED:
                transition(subject, SubjectStatus.ON_TREATMENT)
            _replan_first_dose_visits(subject, record.administered_on)
            visit.refresh_from_db()
        if record.administered_on is not None and visit.completed_on != record.administered_on:
            visit.completed_on = record.administered_on
            visit.save(update_fields=["completed_on"])
        if (
            existing is not None
            and subject.dispositions.filter(
                kind=lifecycle.END_OF_TREATMENT, voided_at__isnull=True
            ).exists()
        ):
            # A corrected dose date after end of treatment moves the follow-up anchor.
            reanchor_follow_up(subject, subject.last_dose_on)
        record.visit = visit  # the edit checks (on leaving) read its window as replanned
    _refresh_caller_subject(caller_subject, subject)
    return record


def _refresh_caller_subject(caller: Subject, stored: Subject) -> None:
    """The instance the caller holds sees the dose dates just stored (and the status)."""
    if caller is not stored and caller.pk == stored.pk:
        caller.first_dose_on, caller.last_dose_on = stored.first_dose_on, stored.last_dose_on
        caller.status = stored.status


def dose_void(*, record: DosingRecord, by: User, reason: str, now: datetime) -> DosingRecord:
    """Void a dose entered in error: the row stays, with the reason; the dose dates follow.

    The visit is no longer performed by this dose. C1D1 is voided only as the subject's last
    standing dose (void the later doses first), and only while the subject is on treatment:
    the subject is then enrolled again, not yet dosed, and the schedule returns to the
    planned C1D1. A later dose voided after end of treatment moves the follow-up anchor back
    to the new last dose.
    """
    with crf_write(
        require=lambda: _require_staff(by, record.subject, "void doses"),
        record=record,
        by=by,
        now=now,
        reason=reason,
        void=True,
    ) as write:
        current = write.record
        subject = Subject.objects.select_for_update(of=("self",)).get(pk=current.subject_id)
        visit = current.visit
        first_dose = visit.code == "C1D1" and current.administered_on is not None
        later = list(
            _doses_given(subject)
            .exclude(pk=current.pk)
            .order_by("administered_on")
            .values_list("visit__code", flat=True)
        )
        if first_dose and later:
            raise ValidationError(
                f"C1D1 cannot be voided while later doses stand ({', '.join(later)}): "
                "void them first."
            )
        if first_dose and subject.status != SubjectStatus.ON_TREATMENT:
            raise ValidationError(
                f"Subject {subject} is {subject.get_status_display().lower()}: the only dose "
                "is voided only while the subject is on treatment."
            )
        write.void()
        _keep_dose_dates(write, subject, by)
        if visit.completed_on is not None:
            visit.completed_on = None
            visit.save(update_fields=["completed_on"])
        if first_dose:
            # Entered in error: the subject was never dosed, so never on treatment.
            subject.status = SubjectStatus.ENROLLED
            subject.save(update_fields=["status"])
            _replan_first_dose_visits(subject, subject.planned_c1d1)
        elif (
            subject.last_dose_on is not None
            and subject.dispositions.filter(
                kind=lifecycle.END_OF_TREATMENT, voided_at__isnull=True
            ).exists()
        ):
            reanchor_follow_up(subject, subject.last_dose_on)
    _refresh_caller_subject(record.subject, subject)
    return current
