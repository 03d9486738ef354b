"""Visit schedule and visit windows of the IL-22BP/LNP trial, as pure functions.

The schedule itself is study configuration (``VisitDefinition`` rows loaded from the study
file); this module turns definitions plus a subject's dose dates into planned visits with
windows, and says where a visit stands on a given day. No ORM and no clock: ``today`` is
always an argument.

Study days follow the oncology convention: C1D1 (the first dose) is day 1, the day before is
day -1 and there is no day 0. A definition's ``offset_days`` counts days after its anchor
date, so for first-dose visits ``study day = offset_days + 1`` when the offset is >= 0 and
``study day = offset_days`` when it is negative (C1D8: offset 7; screening: offset -28, i.e.
day -28). ``study_day`` converts a date.
"""

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum


class Anchor(StrEnum):
    FIRST_DOSE = "first_dose"
    LAST_DOSE = "last_dose"


class VisitKind(StrEnum):
    SCREENING = "screening"
    DOSING = "dosing"
    SAFETY = "safety"
    END_OF_TREATMENT = "end_of_treatment"
    FOLLOW_UP = "follow_up"


class VisitStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    COMPLETED = "completed"
    COMPLETED_OUT_OF_WINDOW = "completed_out_of_window"
    MISSED = "missed"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class VisitDefinition:
    """One configured visit: when it falls relative to its anchor, and its window.

    The target is ``anchor + offset_months`` (calendar months, end-of-month clamped) and then
    ``+ offset_days``; the window is ``target - window_before_days .. target +
    window_after_days``, both ends inclusive.
    """

    code: str
    name: str
    kind: VisitKind
    anchor: Anchor
    offset_days: int = 0
    offset_months: int = 0
    window_before_days: int = 0
    window_after_days: int = 0
    cycle: int | None = None
    order: int = 0

    def __post_init__(self) -> None:
        if self.window_before_days < 0 or self.window_after_days < 0:
            raise ValueError(f"{self.code}: window days must be >= 0")


@dataclass(frozen=True)
class PlannedVisit:
    """A visit of one subject with its dates; ``window_closes`` is the stored deadline.

    ``not_applicable`` marks a dosing visit that falls after the subject's last dose
    (see ``reanchor_on_last_dose``).
    """

    code: str
    name: str
    kind: VisitKind
    cycle: int | None
    order: int
    target_date: date
    window_opens: date
    window_closes: date
    anchor: Anchor
    not_applicable: bool = False


def add_months(d: date, months: int) -> date:
    """``d`` plus calendar months, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    years, month_index = divmod(d.month - 1 + months, 12)
    year, month = d.year + years, month_index + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def study_day(c1d1: date, on: date) -> int:
    """Study day of ``on``: 1 on C1D1, -1 the day before; there is no day 0."""
    delta = (on - c1d1).days
    return delta + 1 if delta >= 0 else delta


def followup_window_closes_on(last_dose: date, months: int = 12) -> date:
    """End of follow-up: ``months`` calendar months after the last injection.

    Synopsis, exclusion 11: no pregnancy plans "from the screening period to 12 months after
    the completion of drug injection"; the brief closes the follow-up window on that same date.
    """
    return add_months(last_dose, months)


def standard_definitions(
    *,
    cycle_length_days: int,
    max_cycles: int,
    safety_days: Sequence[int],
    safety_window_days: Mapping[int, int],
    dosing_window_days: int,
    eot_within_days: int,
    followup_months: Sequence[int],
    followup_window_days: int,
    screening_days: int,
) -> tuple[VisitDefinition, ...]:
    """The brief's schedule built from the study's numbers.

    Brief values: cycles of 21 days, up to 6; safety days (2, 8, 15) with windows
    {2: 0, 8: 1, 15: 2}; dosing window 3 days (C1D1 has none); EOT within 30 days;
    follow-up months (1, 3, 6, 9, 12) with a 14-day window; screening 28 days.
    ``safety_days`` and the keys of ``safety_window_days`` are cycle-1 days (day 1 = C1D1).
    """
    if cycle_length_days < 1 or max_cycles < 1 or screening_days < 1:
        raise ValueError("cycle length, number of cycles and screening days must be >= 1")
    for day in safety_days:
        if not 2 <= day <= cycle_length_days:
            raise ValueError(f"safety day {day} is outside cycle 1 (2..{cycle_length_days})")
        if day not in safety_window_days:
            raise ValueError(f"safety day {day} has no window in safety_window_days")
    if any(months < 1 for months in followup_months):
        raise ValueError("follow-up months must be >= 1")

    definitions: list[VisitDefinition] = [
        # Screening is day -screening_days .. -1: the target is the first day, the window
        # runs forward to the day before C1D1.
        VisitDefinition(
            code="SCR",
            name="Screening",
            kind=VisitKind.SCREENING,
            anchor=Anchor.FIRST_DOSE,
            offset_days=-screening_days,
            window_after_days=screening_days - 1,
        )
    ]
    safety_by_day = sorted(safety_days)
    for cycle in range(1, max_cycles + 1):
        # C1D1 has no window: it is the anchor, day 1 is by definition the day it happens.
        window = 0 if cycle == 1 else dosing_window_days
        definitions.append(
            VisitDefinition(
                code=f"C{cycle}D1",
                name=f"Cycle {cycle} Day 1",
                kind=VisitKind.DOSING,
                anchor=Anchor.FIRST_DOSE,
                offset_days=(cycle - 1) * cycle_length_days,
                window_before_days=window,
                window_after_days=window,
                cycle=cycle,
            )
        )
        if cycle == 1:
            for day in safety_by_day:
                definitions.append(
                    VisitDefinition(
                        code=f"C1D{day}",
                        name=f"Cycle 1 Day {day} (safety)",
                        kind=VisitKind.SAFETY,
                        anchor=Anchor.FIRST_DOSE,
                        offset_days=day - 1,
                        window_before_days=safety_window_days[day],
                        window_after_days=safety_window_days[day],
                        cycle=1,
                    )
                )
    # "Within 30 days of the last dose": the target is the deadline (last dose + 30) so that
    # reminders and the out-of-window check key on it; the window opens on the last dose day.
    definitions.append(
        VisitDefinition(
            code="EOT",
            name="End of Treatment",
            kind=VisitKind.END_OF_TREATMENT,
            anchor=Anchor.LAST_DOSE,
            offset_days=eot_within_days,
            window_before_days=eot_within_days,
        )
    )
    for months in sorted(followup_months):
        definitions.append(
            VisitDefinition(
                code=f"FU{months}M",
                name=f"Follow-up {months} month{'s' if months > 1 else ''}",
                kind=VisitKind.FOLLOW_UP,
                anchor=Anchor.LAST_DOSE,
                offset_months=months,
                window_before_days=followup_window_days,
                window_after_days=followup_window_days,
            )
        )
    return tuple(replace(d, order=i) for i, d in enumerate(definitions, start=1))


def _plan(definition: VisitDefinition, anchor_date: date) -> PlannedVisit:
    # Months from the anchor, never chained from the previous visit, so end-of-month clamps
    # do not drift (last dose Jan 31: FU1M Feb 28, FU3M Apr 30, not Apr 28).
    target = add_months(anchor_date, definition.offset_months) + timedelta(
        days=definition.offset_days
    )
    return PlannedVisit(
        code=definition.code,
        name=definition.name,
        kind=definition.kind,
        cycle=definition.cycle,
        order=definition.order,
        target_date=target,
        window_opens=target - timedelta(days=definition.window_before_days),
        window_closes=target + timedelta(days=definition.window_after_days),
        anchor=definition.anchor,
    )


def _dosing_after_last_dose(visit: PlannedVisit, last_dose: date) -> bool:
    # Judged on the window opening, not the target: a last dose given early inside a
    # cycle's window is that cycle's dose, so that cycle stays applicable.
    return visit.kind == VisitKind.DOSING and visit.window_opens > last_dose


def _by_code(definitions: Iterable[VisitDefinition]) -> dict[str, VisitDefinition]:
    by_code: dict[str, VisitDefinition] = {}
    for definition in definitions:
        if definition.code in by_code:
            raise ValueError(f"visit code {definition.code} is defined twice")
        by_code[definition.code] = definition
    return by_code


def plan_visits(
    definitions: Iterable[VisitDefinition],
    *,
    first_dose: date,
    last_dose: date | None = None,
) -> list[PlannedVisit]:
    """Planned visits for a subject whose C1D1 is ``first_dose``, in definition order.

    Last-dose visits use ``last_dose`` when known, else the projected last dose: the latest
    first-dose-anchored dosing target (day 1 of the last cycle). With ``last_dose`` given,
    dosing visits after it are marked ``not_applicable``, as ``reanchor_on_last_dose`` does.
    """
    ordered = sorted(_by_code(definitions).values(), key=lambda d: d.order)
    if last_dose is not None and last_dose < first_dose:
        raise ValueError("the last dose cannot be before the first dose")
    first_dose_visits = {
        d.code: _plan(d, first_dose) for d in ordered if d.anchor == Anchor.FIRST_DOSE
    }
    if last_dose is None:
        dosing_targets = [
            v.target_date for v in first_dose_visits.values() if v.kind == VisitKind.DOSING
        ]
        if not dosing_targets and any(d.anchor == Anchor.LAST_DOSE for d in ordered):
            raise ValueError("no dosing visit to project the last dose from")
        last_dose_anchor = max(dosing_targets, default=first_dose)
    else:
        last_dose_anchor = last_dose
    planned = [
        first_dose_visits[d.code] if d.anchor == Anchor.FIRST_DOSE else _plan(d, last_dose_anchor)
        for d in ordered
    ]
    if last_dose is None:
        return planned
    return [replace(v, not_applicable=_dosing_after_last_dose(v, last_dose)) for v in planned]


def reanchor_on_last_dose(
    planned: Sequence[PlannedVisit],
    definitions: Iterable[VisitDefinition],
    *,
    last_dose: date,
) -> list[PlannedVisit]:
    """The plan once treatment has ended on ``last_dose``.

    Last-dose visits (EOT, follow-up) are recomputed from ``last_dose``; first-dose visits keep
    their dates. Dosing visits whose window opens after the last dose stay in the list, marked
    ``not_applicable`` (so their rows can be closed rather than silently dropped); the mark is
    recomputed each time, so correcting the last dose to a later date clears it.
    """
    by_code = _by_code(definitions)
    dosing_targets = [v.target_date for v in planned if v.kind == VisitKind.DOSING]
    if dosing_targets and last_dose < min(dosing_targets):
        raise ValueError("the last dose cannot be before the first dose")
    reanchored: list[PlannedVisit] = []
    for visit in planned:
        if visit.code not in by_code:
            raise ValueError(f"planned visit {visit.code} has no definition")
        if visit.anchor == Anchor.LAST_DOSE:
            reanchored.append(_plan(by_code[visit.code], last_dose))
        else:
            reanchored.append(
                replace(visit, not_applicable=_dosing_after_last_dose(visit, last_dose))
            )
    return reanchored


def visit_status(
    visit: PlannedVisit,
    *,
    today: date,
    completed_on: date | None = None,
    missed_recorded: bool = False,
    not_applicable: bool = False,
) -> VisitStatus:
    """Where ``visit`` stands on ``today``; window bounds are inclusive.

    Precedence: not applicable (argument or the plan's mark), then completion (a recorded
    visit date is a fact, even if the visit was earlier recorded as missed), then a recorded
    miss, then the window against ``today``.
    """
    if not_applicable or visit.not_applicable:
        return VisitStatus.NOT_APPLICABLE
    if completed_on is not None:
        if window_deviation(visit, completed_on) == 0:
            return VisitStatus.COMPLETED
        return VisitStatus.COMPLETED_OUT_OF_WINDOW
    if missed_recorded:
        return VisitStatus.MISSED
    if today < visit.window_opens:
        return VisitStatus.UPCOMING
    if today <= visit.window_closes:
        return VisitStatus.DUE
    return VisitStatus.MISSED


def window_deviation(visit: PlannedVisit, done_on: date) -> int:
    """Days outside the window: negative when early, positive when late, 0 inside."""
    if done_on < visit.window_opens:
        return (done_on - visit.window_opens).days
    if done_on > visit.window_closes:
        return (done_on - visit.window_closes).days
    return 0
