"""The 3+3 dose-escalation design as a pure function.

``escalation_state`` takes the configured dose levels, the enrolled subjects with their DLT
windows (C1D1 + 21 days) and ``today``, and says for each level what the 3+3 rule table
decides, which level a new subject may be enrolled at now, and where the study stands
(escalating, MTD declared, highest level cleared, stopped). No ORM and no clock.

The rule table: 0 DLTs in 3 evaluable subjects escalates; 1 DLT in 3 expands the level to 6;
at most 1 DLT in 6 escalates; 2 or more DLTs (in 3 or in 6) exceed the MTD, which sends the
study back to the level below: expanded to 6 if it had 3, declared the MTD if it already had
6, and the study stops if there is no level below.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# Fixed by the 3+3 design itself (not by the cohort sizes): a second DLT at a level exceeds
# the MTD, a single one calls for the expanded cohort.
TOO_TOXIC_DLTS = 2


@dataclass(frozen=True)
class DoseLevelSpec:
    """A configured dose level; ``order`` is its place in the escalation (1 = first)."""

    code: str
    order: int


@dataclass(frozen=True)
class CohortSubject:
    """What the 3+3 rule needs to know about one subject enrolled at a dose level.

    ``dlt_window_end`` is the last day of cycle 1, C1D1 + 20 days for 21-day cycles (None: not
    dosed yet, the window has not started);
    the window is open up to and including that day. ``evaluable``: None derives it
    (evaluable once the window has ended or a DLT occurred); False marks a subject who left
    before the end of the window without a DLT and is replaced, not counted. True is taken as
    a confirmation but does not close an open window early, and a DLT is never discarded,
    whatever ``evaluable`` says.
    """

    subject_id: object
    dose_level: str
    dlt_window_end: date | None
    dlt: bool = False
    evaluable: bool | None = None


@dataclass(frozen=True)
class EscalationRules:
    """Cohort sizes of the 3+3 design."""

    cohort_size: int = 3
    expanded_cohort_size: int = 6

    def __post_init__(self) -> None:
        if not 0 < self.cohort_size < self.expanded_cohort_size:
            raise ValueError(
                "cohort sizes must satisfy 0 < cohort_size < expanded_cohort_size, got "
                f"{self.cohort_size} and {self.expanded_cohort_size}"
            )


class Decision(StrEnum):
    NOT_STARTED = "not_started"
    ENROLLING = "enrolling"
    AWAITING_DLT_WINDOW = "awaiting_dlt_window"
    ESCALATE = "escalate"
    EXPAND = "expand"
    TOO_TOXIC = "too_toxic"
    # Same member as TOO_TOXIC, under the name of the action it calls for.
    DE_ESCALATE = "too_toxic"
    MTD = "mtd"


class Place(StrEnum):
    """Where a subject stands in the count of its cohort on a given day."""

    DLT = "dlt"
    EVALUABLE = "evaluable"
    IN_WINDOW = "in_window"
    REPLACED = "replaced"


def cohort_place(subject: CohortSubject, today: date) -> Place:
    """DLT, evaluable without DLT, still in the DLT window, or replaced (not evaluable).

    Shared by the 3+3 and BOIN designs (trial/boin.py): a DLT always counts, whatever
    ``evaluable`` says, since dropping one could escalate past a toxic dose.
    """
    if subject.dlt:
        return Place.DLT
    if subject.evaluable is False:
        return Place.REPLACED
    if subject.dlt_window_end is not None and today > subject.dlt_window_end:
        return Place.EVALUABLE
    return Place.IN_WINDOW


class Outcome(StrEnum):
    ESCALATING = "escalating"
    MTD_DECLARED = "mtd_declared"
    MAX_LEVEL_CLEARED = "max_level_cleared"
    STOPPED = "stopped"


@dataclass(frozen=True)
class LevelSummary:
    """One dose level: its counts, the 3+3 decision and the reason in words.

    ``enrolled`` counts every subject enrolled at the level, replaced ones included;
    ``in_window`` and ``evaluable`` count only the subjects that hold a place in the cohort.
    """

    code: str
    enrolled: int
    in_window: int
    evaluable: int
    dlts: int
    decision: Decision
    reason: str


@dataclass(frozen=True)
class EscalationState:
    """The study's 3+3 state on one day; ``open_level`` is None when no level may enrol."""

    levels: tuple[LevelSummary, ...]
    open_level: str | None
    open_reason: str
    outcome: Outcome
    mtd: str | None = None

    def level(self, code: str) -> LevelSummary:
        """The summary of the level with this code."""
        for summary in self.levels:
            if summary.code == code:
                return summary
        raise KeyError(code)


@dataclass(frozen=True)
class _Counts:
    enrolled: int
    evaluable: int
    dlts: int
    window_ends: tuple[date | None, ...]  # of the subjects still in their DLT window

    @property
    def in_window(self) -> int:
        return len(self.window_ends)

    @property
    def filled(self) -> int:
        return self.evaluable + self.in_window

    @property
    def not_evaluable(self) -> int:
        return self.enrolled - self.filled

    @property
    def dlt_text(self) -> str:
        return f"{plural(self.dlts, 'DLT')} in {plural(self.evaluable, 'evaluable subject')}"


def escalation_state(
    levels: Iterable[DoseLevelSpec],
    subjects: Iterable[CohortSubject],
    *,
    today: date,
    rules: EscalationRules = EscalationRules(),
) -> EscalationState:
    """Apply the 3+3 rule table to the subjects enrolled so far, as of ``today``.

    Levels are processed in ``order``; a subject at a level that is not configured raises
    ValueError. A level above one that has not been cleared is never opened.
    """
    ordered = ordered_levels(levels)
    by_level: dict[str, list[CohortSubject]] = {spec.code: [] for spec in ordered}
    for subject in subjects:
        if subject.dose_level not in by_level:
            raise ValueError(
                f"subject {subject.subject_id!r} is enrolled at dose level "
                f"{subject.dose_level!r}, which is not configured ({', '.join(by_level)})"
            )
        by_level[subject.dose_level].append(subject)
    counts = [_count(by_level[spec.code], today) for spec in ordered]

    # The lowest level with two DLTs bounds the study: nothing at or above it can be the MTD.
    ceiling = next((i for i, c in enumerate(counts) if c.dlts >= TOO_TOXIC_DLTS), None)
    exceeded = (
        None
        if ceiling is None
        else f"{ordered[ceiling].code} exceeded the MTD ({counts[ceiling].dlt_text})"
    )
    summaries = tuple(
        _summarise(
            spec.code,
            c,
            rules,
            has_next=i + 1 < len(ordered),
            expanded_because=exceeded if ceiling is not None and i == ceiling - 1 else None,
        )
        for i, (spec, c) in enumerate(zip(ordered, counts, strict=True))
    )

    if ceiling == 0:
        return EscalationState(
            levels=summaries,
            open_level=None,
            open_reason=(
                f"{ordered[0].code}, the first dose level, exceeded the MTD "
                f"({counts[0].dlt_text}); the study stops: there is no lower level to open"
            ),
            outcome=Outcome.STOPPED,
        )

    top = len(ordered) - 1 if ceiling is None else ceiling - 1
    current = 0
    while current < top and summaries[current].decision is Decision.ESCALATE:
        current += 1
    return _study_state(
        summaries,
        counts[current],
        current,
        rules,
        cleared_below=counts[current - 1] if current else None,
        exceeded_above=exceeded if current == top else None,
    )


def ordered_levels(levels: Iterable[DoseLevelSpec]) -> list[DoseLevelSpec]:
    """The levels in escalation order; ValueError when none, or a code or order repeats."""
    ordered = sorted(levels, key=lambda spec: spec.order)
    if not ordered:
        raise ValueError("no dose levels are configured")
    codes = [spec.code for spec in ordered]
    orders = [spec.order for spec in ordered]
    if len(set(codes)) != len(codes) or len(set(orders)) != len(orders):
        raise ValueError(f"dose level codes and orders must be unique, got {ordered}")
    return ordered


def _count(subjects: Sequence[CohortSubject], today: date) -> _Counts:
    evaluable = dlts = 0
    window_ends: list[date | None] = []
    for subject in subjects:
        match cohort_place(subject, today):
            case Place.DLT:
                evaluable += 1
                dlts += 1
            case Place.EVALUABLE:
                evaluable += 1
            case Place.IN_WINDOW:
                window_ends.append(subject.dlt_window_end)
    return _Counts(
        enrolled=len(subjects), evaluable=evaluable, dlts=dlts, window_ends=tuple(window_ends)
    )


def _summarise(
    code: str,
    c: _Counts,
    rules: EscalationRules,
    *,
    has_next: bool,
    expanded_because: str | None,
) -> LevelSummary:
    decision, reason = _decide(c, rules, has_next=has_next, expanded_because=expanded_because)
    if c.not_evaluable:
        reason += f"; {plural(c.not_evaluable, 'subject')} not evaluable, replaced"
    return LevelSummary(
        code=code,
        enrolled=c.enrolled,
        in_window=c.in_window,
        evaluable=c.evaluable,
        dlts=c.dlts,
        decision=decision,
        reason=reason,
    )


def _decide(
    c: _Counts, rules: EscalationRules, *, has_next: bool, expanded_because: str | None
) -> tuple[Decision, str]:
    if c.enrolled == 0:
        return Decision.NOT_STARTED, "no subjects enrolled"
    if c.dlts >= TOO_TOXIC_DLTS:
        reason = f"{c.dlt_text}: exceeds the MTD"
        if c.in_window:
            reason += f" ({plural(c.in_window, 'subject')} still in the DLT window)"
        return Decision.TOO_TOXIC, reason

    # A single DLT expands the level only once the first cohort is fully evaluated: a second
    # DLT among the first three would make the extra subjects unnecessary exposures.
    expanded = expanded_because is not None or (c.dlts == 1 and c.evaluable >= rules.cohort_size)
    target = rules.expanded_cohort_size if expanded else rules.cohort_size
    places = f"{c.filled} of {target} places filled"

    if c.filled < target:
        if not expanded:
            reason = f"{c.dlt_text}; {places}"
            if c.in_window:
                reason += f"; {window_text(c.window_ends)}"
            return Decision.ENROLLING, reason
        because = f" because {expanded_because}" if expanded_because else ""
        reason = f"{c.dlt_text}; expanding the cohort to {target}{because}: {places}"
        if c.in_window:
            reason += f"; {window_text(c.window_ends)}"
        # EXPAND while no expansion subject is enrolled yet, ENROLLING once the expansion runs.
        decision = Decision.EXPAND if c.filled == rules.cohort_size else Decision.ENROLLING
        return decision, reason

    if c.in_window:
        return (
            Decision.AWAITING_DLT_WINDOW,
            f"cohort full ({places}); {c.dlt_text}; {window_text(c.window_ends)}",
        )
    if expanded_because:
        return Decision.MTD, f"{c.dlt_text} and {expanded_because}: this level is the MTD"
    if not has_next:
        return Decision.ESCALATE, f"{c.dlt_text}: cleared, no higher level"
    return Decision.ESCALATE, f"{c.dlt_text}: escalate"


def _study_state(
    summaries: tuple[LevelSummary, ...],
    c: _Counts,
    current: int,
    rules: EscalationRules,
    *,
    cleared_below: _Counts | None,
    exceeded_above: str | None,
) -> EscalationState:
    level = summaries[current]
    match level.decision:
        case Decision.NOT_STARTED:
            if cleared_below is None:
                why = "first dose level, no subjects enrolled yet"
            else:
                below = summaries[current - 1].code
                why = f"{below} cleared ({cleared_below.dlt_text}); no subjects enrolled yet"
            return _escalating(summaries, level.code, f"{level.code} is open: {why}")
        case Decision.ENROLLING | Decision.EXPAND:
            return _escalating(summaries, level.code, f"{level.code} is open: {level.reason}")
        case Decision.AWAITING_DLT_WINDOW:
            if exceeded_above:
                after = f"whether {level.code} is the MTD is decided after that"
            elif c.dlts == 1 and c.evaluable < rules.cohort_size:
                after = f"whether {level.code} is expanded is decided after that"
            elif current == len(summaries) - 1:
                after = f"{level.code} is the highest level; it is decided after that"
            else:
                after = "the next level opens after that"
            reason = f"{level.code} cohort's {window_text(c.window_ends)}; {after}"
            return _escalating(summaries, None, reason)
        case Decision.ESCALATE:
            return EscalationState(
                levels=summaries,
                open_level=None,
                open_reason=(
                    f"{level.code}, the highest dose level, is cleared ({c.dlt_text}); "
                    "there is no higher level to open and the MTD was not reached"
                ),
                outcome=Outcome.MAX_LEVEL_CLEARED,
            )
        case Decision.MTD:
            return EscalationState(
                levels=summaries,
                open_level=None,
                open_reason=(
                    f"MTD declared: {level.code} ({c.dlt_text}), as {exceeded_above}; "
                    "no level is open"
                ),
                outcome=Outcome.MTD_DECLARED,
                mtd=level.code,
            )
    raise AssertionError(f"{level.code}: decision {level.decision} cannot stop the escalation")


def _escalating(
    summaries: tuple[LevelSummary, ...], open_level: str | None, reason: str
) -> EscalationState:
    return EscalationState(
        levels=summaries, open_level=open_level, open_reason=reason, outcome=Outcome.ESCALATING
    )


def window_text(window_ends: Sequence[date | None]) -> str:
    dated = sorted(end for end in window_ends if end is not None)
    undosed = len(window_ends) - len(dated)
    not_started = f"for {plural(undosed, 'subject')} (not yet dosed)"
    if not dated:
        return f"DLT window has not started {not_started}"
    text = f"DLT window is open until {dated[-1].isoformat()} for {plural(len(dated), 'subject')}"
    return f"{text} and has not started {not_started}" if undosed else text


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
