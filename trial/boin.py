"""The Bayesian optimal interval design (BOIN) as pure functions.

Liu S, Yuan Y. Bayesian optimal interval designs for phase I clinical trials. J R Stat Soc C
2015;64:507-523. The next cohort's dose follows from the DLT rate observed at the current dose
compared with two boundaries, λe (escalate at or below it) and λd (de-escalate at or above it);
a dose whose posterior probability of a DLT rate above the target exceeds the elimination
cut-off is eliminated with every higher dose. When the trial ends the MTD is the dose whose
isotonic (pooled adjacent violators) estimate is closest to the target.

``boin_state`` takes the dose levels, the subjects in the order they were enrolled (with their
DLT windows, as the 3+3 design takes them) and ``today``, and says for each level what the
design decides and why, which level a new subject may be enrolled at now, and where the
trial stands. No ORM and no clock.

Probabilities are exact: the posterior tail of a Beta with integer parameters is a binomial
sum, computed in fractions (no scipy); the isotonic estimates are fractions too, so ties are
real ties and not rounding noise.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from trial.escalation import (
    CohortSubject,
    DoseLevelSpec,
    Place,
    cohort_place,
    ordered_levels,
    plural,
    window_text,
)

# Liu & Yuan 2015, section 2.3: elimination is applied once at least 3 patients are treated.
ELIMINATION_MIN_PATIENTS = 3

Number = float | int | Decimal | Fraction


def exact(value: Number) -> Fraction:
    """A rate as a fraction: 0.3 is 3/10, not the nearest binary float."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


@dataclass(frozen=True)
class BoinDesign:
    """The parameters of a BOIN trial, as the study file gives them.

    ``target`` is the target DLT rate φ; ``phi1`` the highest rate deemed subtherapeutic and
    ``phi2`` the lowest deemed overly toxic (defaults 0.6φ and 1.4φ, as the paper
    recommends); ``stop_at_n``: the trial stops once the dose just treated has this many
    evaluable patients; ``start_level``: the code of the first cohort's dose (None: the lowest).
    """

    target: Fraction
    max_sample_size: int
    stop_at_n: int
    cohort_size: int = 3
    phi1: Fraction | None = None
    phi2: Fraction | None = None
    elimination_cutoff: Fraction = Fraction(95, 100)
    start_level: str | None = None

    def __post_init__(self) -> None:
        target = exact(self.target)
        phi1 = 6 * target / 10 if self.phi1 is None else exact(self.phi1)
        phi2 = 14 * target / 10 if self.phi2 is None else exact(self.phi2)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "phi1", phi1)
        object.__setattr__(self, "phi2", phi2)
        object.__setattr__(self, "elimination_cutoff", exact(self.elimination_cutoff))
        problems = design_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def boundaries(self) -> "Boundaries":
        return boundaries(self.target, self.phi1, self.phi2)


def design_problems(design: BoinDesign) -> list[str]:
    """What is wrong with the parameters, named as in the study file (empty: nothing)."""
    problems = []
    if not 0 < design.phi1 < design.target < design.phi2 < 1:
        problems.append(
            f"need 0 < phi1 < target < phi2 < 1, got phi1 = {float(design.phi1):g}, "
            f"target = {float(design.target):g}, phi2 = {float(design.phi2):g}"
        )
    if not 0 < design.elimination_cutoff < 1:
        problems.append(
            f"elimination_cutoff must be between 0 and 1, got {float(design.elimination_cutoff):g}"
        )
    if design.cohort_size < 1:
        problems.append(f"cohort_size must be at least 1, got {design.cohort_size}")
    if design.max_sample_size < design.cohort_size:
        problems.append(
            f"max_sample_size ({design.max_sample_size}) must be at least the cohort_size "
            f"({design.cohort_size})"
        )
    if design.stop_at_n < 1:
        problems.append(f"stop_at_n must be at least 1, got {design.stop_at_n}")
    return problems


@dataclass(frozen=True)
class Boundaries:
    lambda_e: float
    lambda_d: float


def boundaries(target: Number, phi1: Number, phi2: Number) -> Boundaries:
    """λe and λd, the closed forms of Liu & Yuan 2015 (equation 2.2)."""
    phi, phi1, phi2 = float(target), float(phi1), float(phi2)
    lambda_e = math.log((1 - phi1) / (1 - phi)) / math.log(phi * (1 - phi1) / (phi1 * (1 - phi)))
    lambda_d = math.log((1 - phi) / (1 - phi2)) / math.log(phi2 * (1 - phi) / (phi * (1 - phi2)))
    return Boundaries(lambda_e=lambda_e, lambda_d=lambda_d)


def posterior_above_target(target: Number, n: int, dlts: int) -> Fraction:
    """Pr(p > φ | dlts of n) under a Beta(1, 1) prior, exactly.

    The posterior is Beta(1 + dlts, 1 + n - dlts); for integer a, b,
    Pr(X ≤ x) = Pr(Binomial(a + b - 1, x) ≥ a), so the tail is Pr(Binomial(n + 1, φ) ≤ dlts).
    """
    if not 0 <= dlts <= n:
        raise ValueError(f"need 0 <= dlts <= n, got {dlts} DLTs in {n}")
    phi = exact(target)
    return sum(
        (math.comb(n + 1, k) * phi**k * (1 - phi) ** (n + 1 - k) for k in range(dlts + 1)),
        Fraction(0),
    )


def is_eliminated(design: BoinDesign, n: int, dlts: int) -> bool:
    """The safety rule: n ≥ 3 and Pr(p > φ | data) > the elimination cut-off."""
    return (
        n >= ELIMINATION_MIN_PATIENTS
        and posterior_above_target(design.target, n, dlts) > design.elimination_cutoff
    )


class Action(StrEnum):
    ESCALATE = "escalate"
    STAY = "stay"
    DE_ESCALATE = "de-escalate"
    ELIMINATE = "eliminate"


def decide(design: BoinDesign, n: int, dlts: int) -> Action:
    """The design's decision for ``dlts`` DLTs in ``n`` evaluable patients at the current dose."""
    if n < 1:
        raise ValueError(f"a decision needs at least one evaluable patient, got n = {n}")
    if is_eliminated(design, n, dlts):
        return Action.ELIMINATE
    bounds = design.boundaries
    if dlts <= n * bounds.lambda_e:
        return Action.ESCALATE
    if dlts >= n * bounds.lambda_d:
        return Action.DE_ESCALATE
    return Action.STAY


@dataclass(frozen=True)
class TableColumn:
    """One column of the decision table (the paper's Table format), for n patients at a dose."""

    n: int
    escalate_at_most: int  # escalate if the number of DLTs is at most this
    de_escalate_at_least: int  # de-escalate if at least this
    eliminate_at_least: int | None  # eliminate if at least this; None: never (NA)


def decision_table(design: BoinDesign, max_n: int) -> tuple[TableColumn, ...]:
    """The decision table for n = 1..max_n, derived from ``decide``."""
    columns = []
    for n in range(1, max_n + 1):
        actions = [decide(design, n, y) for y in range(n + 1)]
        columns.append(
            TableColumn(
                n=n,
                escalate_at_most=max(y for y, a in enumerate(actions) if a is Action.ESCALATE),
                de_escalate_at_least=min(
                    y for y, a in enumerate(actions) if a in (Action.DE_ESCALATE, Action.ELIMINATE)
                ),
                eliminate_at_least=next(
                    (y for y, a in enumerate(actions) if a is Action.ELIMINATE), None
                ),
            )
        )
    return tuple(columns)


def table_length(design: BoinDesign) -> int:
    """The most patients one dose can hold: stop_at_n rounded up to whole cohorts, at most
    the maximum sample size."""
    cohorts = -(-design.stop_at_n // design.cohort_size)
    return min(design.max_sample_size, cohorts * design.cohort_size)


def isotonic_estimates(counts: Sequence[tuple[int, int]]) -> tuple[Fraction, ...]:
    """Isotonic regression of the DLT rates by pooled adjacent violators.

    ``counts`` are (dlts, n) per dose in dose order, n ≥ 1; each rate is weighted by its n, so
    a pooled block's estimate is its total DLTs over its total patients.
    """
    blocks: list[tuple[int, int, int]] = []  # (dlts, n, doses pooled)
    for dlts, n in counts:
        if n < 1:
            raise ValueError(f"isotonic estimates need n >= 1 at every dose, got {n}")
        block = (dlts, n, 1)
        while blocks and Fraction(blocks[-1][0], blocks[-1][1]) > Fraction(block[0], block[1]):
            previous = blocks.pop()
            block = (previous[0] + block[0], previous[1] + block[1], previous[2] + block[2])
        blocks.append(block)
    return tuple(Fraction(dlts, n) for dlts, n, size in blocks for _ in range(size))


@dataclass(frozen=True)
class MtdSelection:
    """The end of the trial: the isotonic estimate of each dose considered, and the MTD."""

    estimates: tuple[tuple[str, Fraction], ...]  # (level code, estimate) of the candidates
    mtd: str | None
    reason: str


def select_mtd(design: BoinDesign, counts: Sequence[tuple[str, int, int]]) -> MtdSelection:
    """Select the MTD from (code, evaluable, dlts) per level, in dose order.

    Eliminated doses (and every dose above the lowest eliminated one) and untreated doses are
    not candidates. The MTD is the candidate whose isotonic estimate is closest to φ; among
    ties, the highest dose when the estimate is below φ, else the lowest (Liu & Yuan 2015;
    an estimate one side of φ tied in distance with one the other side: the one below).
    """
    cutoff = len(counts)
    for i, (_code, n, dlts) in enumerate(counts):
        if is_eliminated(design, n, dlts):
            cutoff = i
            break
    if cutoff == 0:
        code, n, dlts = counts[0]
        return MtdSelection(
            estimates=(),
            mtd=None,
            reason=f"{code}, the lowest dose, is eliminated ({_elimination_text(design, n, dlts)})"
            ": no dose is tolerated, no MTD",
        )
    candidates = [(code, n, dlts) for code, n, dlts in counts[:cutoff] if n > 0]
    if not candidates:
        return MtdSelection(estimates=(), mtd=None, reason="no tolerated dose was treated: no MTD")
    estimates = isotonic_estimates([(dlts, n) for _code, n, dlts in candidates])
    phi = design.target
    best = min(abs(e - phi) for e in estimates)
    tied = [i for i, e in enumerate(estimates) if abs(e - phi) == best]
    below = [i for i in tied if estimates[i] < phi]
    chosen = max(below) if below else min(tied)
    code = candidates[chosen][0]
    reason = (
        f"{code}: isotonic estimate {_rate(estimates[chosen])} is the closest to the target "
        f"{_rate(phi)}"
    )
    if len(tied) > 1:
        others = " and ".join(candidates[i][0] for i in tied if i != chosen)
        rule = (
            "the highest tied dose below the target is chosen"
            if below
            else "the lowest tied dose is chosen, none being below the target"
        )
        reason += f" (tied with {others}: {rule})"
    return MtdSelection(
        estimates=tuple((c[0], e) for c, e in zip(candidates, estimates, strict=True)),
        mtd=code,
        reason=reason,
    )


# --- the trial on one day ------------------------------------------------------------------


class LevelDecision(StrEnum):
    NOT_TREATED = "not_treated"
    ENROLLING = "enrolling"
    AWAITING_DLT_WINDOW = "awaiting_dlt_window"
    ESCALATE = "escalate"
    STAY = "stay"
    DE_ESCALATE = "de-escalate"
    ELIMINATED = "eliminated"


class Outcome(StrEnum):
    ESCALATING = "escalating"  # the trial is running (named as for the 3+3 design)
    MTD_SELECTED = "mtd_selected"
    STOPPED = "stopped"  # no MTD: the lowest dose (or every treated dose) was eliminated


@dataclass(frozen=True)
class BoinLevel:
    """One dose level: its counts, the design's decision on its data and the reason in words.

    ``enrolled`` counts every subject enrolled at the level, replaced ones included;
    ``in_window`` and ``evaluable`` count only the subjects that hold a place.
    ``posterior_above_target``: Pr(p > φ | data) once it has evaluable patients.
    """

    code: str
    enrolled: int
    in_window: int
    evaluable: int
    dlts: int
    decision: LevelDecision
    reason: str
    current: bool = False
    eliminated: bool = False
    posterior_above_target: Fraction | None = None

    @property
    def observed_rate(self) -> Fraction | None:
        return Fraction(self.dlts, self.evaluable) if self.evaluable else None


@dataclass(frozen=True)
class BoinState:
    """The BOIN trial on one day; ``open_level`` is None when no level may enrol."""

    design: BoinDesign
    levels: tuple[BoinLevel, ...]
    current_level: str
    open_level: str | None
    open_reason: str
    outcome: Outcome
    treated: int  # subjects holding a place (evaluable or in their DLT window), all levels
    table: tuple[TableColumn, ...]
    mtd: str | None = None
    selection: MtdSelection | None = None
    boundaries: Boundaries = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "boundaries", self.design.boundaries)

    def level(self, code: str) -> BoinLevel:
        """The summary of the level with this code."""
        for summary in self.levels:
            if summary.code == code:
                return summary
        raise KeyError(code)


@dataclass
class _Tally:
    enrolled: int = 0
    evaluable: int = 0
    dlts: int = 0
    window_ends: list = field(default_factory=list)

    @property
    def in_window(self) -> int:
        return len(self.window_ends)


def boin_state(
    levels: Iterable[DoseLevelSpec],
    subjects: Sequence[CohortSubject],
    *,
    today: date,
    design: BoinDesign,
) -> BoinState:
    """Apply the BOIN design to the subjects enrolled so far (in enrollment order), on ``today``.

    The current dose is the dose of the last subject enrolled (the start dose before anyone).
    Cohorts are ``cohort_size`` consecutive places at one dose (a replaced subject's place is
    taken by the next). A decision is taken once the current cohort is full and nobody in the
    trial is still in the DLT window: no new cohort opens while a window is open.
    """
    ordered = ordered_levels(levels)
    index = {spec.code: i for i, spec in enumerate(ordered)}
    if design.start_level is not None and design.start_level not in index:
        raise ValueError(
            f"the start dose {design.start_level!r} is not a configured dose level "
            f"({', '.join(index)})"
        )
    tallies = [_Tally() for _ in ordered]
    run_level, run_places = None, 0  # the trailing run of enrollments at one dose
    for subject in subjects:
        if subject.dose_level not in index:
            raise ValueError(
                f"subject {subject.subject_id!r} is enrolled at dose level "
                f"{subject.dose_level!r}, which is not configured ({', '.join(index)})"
            )
        i = index[subject.dose_level]
        tally = tallies[i]
        tally.enrolled += 1
        place = cohort_place(subject, today)
        if place in (Place.DLT, Place.EVALUABLE):
            tally.evaluable += 1
            tally.dlts += place is Place.DLT
        elif place is Place.IN_WINDOW:
            tally.window_ends.append(subject.dlt_window_end)
        if i != run_level:
            run_level, run_places = i, 0
        run_places += place is not Place.REPLACED

    start = index[design.start_level] if design.start_level else 0
    current = start if run_level is None else run_level
    filled = run_places % design.cohort_size
    cohort_full = run_level is not None and filled == 0 and run_places > 0
    treated = sum(t.evaluable + t.in_window for t in tallies)
    pending = [end for t in tallies for end in t.window_ends]
    lowest_eliminated = next(
        (i for i, t in enumerate(tallies) if is_eliminated(design, t.evaluable, t.dlts)), None
    )
    current_eliminated = lowest_eliminated is not None and current >= lowest_eliminated

    summaries = tuple(
        _summarise(
            spec.code,
            tallies[i],
            design,
            current=i == current,
            cohort_filling=(
                i == current
                and not cohort_full
                and not current_eliminated
                and treated < design.max_sample_size
            ),
            filled=filled,
            eliminated_by=(
                None
                if lowest_eliminated is None or i < lowest_eliminated
                else ordered[lowest_eliminated].code
            ),
        )
        for i, spec in enumerate(ordered)
    )
    common = {
        "design": design,
        "levels": summaries,
        "current_level": ordered[current].code,
        "treated": treated,
        "table": decision_table(design, table_length(design)),
    }
    code = ordered[current].code

    if lowest_eliminated == 0:
        return _finished(design, tallies, ordered, common, why="")
    if treated >= design.max_sample_size:
        why = f"the maximum sample size of {design.max_sample_size} is reached"
        if pending:
            return BoinState(
                **common,
                open_level=None,
                open_reason=(
                    f"{why}; the MTD is selected when the last {window_text(pending)} closes"
                ),
                outcome=Outcome.ESCALATING,
            )
        return _finished(design, tallies, ordered, common, why=why)
    if not cohort_full and not current_eliminated:
        if run_level is None:
            why = "the start dose, no subjects enrolled yet"
        else:
            why = f"cohort {filled} of {design.cohort_size} places filled"
        return BoinState(
            **common,
            open_level=code,
            open_reason=f"{code} is open: {why}",
            outcome=Outcome.ESCALATING,
        )
    if pending:
        return BoinState(
            **common,
            open_level=None,
            open_reason=(
                f"the {window_text(pending)}; the next cohort's dose is decided after that"
            ),
            outcome=Outcome.ESCALATING,
        )

    tally = tallies[current]
    if tally.evaluable >= design.stop_at_n:
        why = (
            f"{code}, the current dose, has {plural(tally.evaluable, 'evaluable patient')} "
            f"(the trial stops at {design.stop_at_n})"
        )
        return _finished(design, tallies, ordered, common, why=why)
    summary = summaries[current]
    if current_eliminated:
        target = lowest_eliminated - 1
        move = (
            f"{ordered[lowest_eliminated].code} and the doses above it are eliminated; "
            f"de-escalate to {ordered[target].code}"
        )
    else:
        action = decide(design, tally.evaluable, tally.dlts)
        target, move = _move(action, current, ordered, lowest_eliminated)
    return BoinState(
        **common,
        open_level=ordered[target].code,
        open_reason=f"{ordered[target].code} is open for the next cohort: {summary.reason}; {move}",
        outcome=Outcome.ESCALATING,
    )


def _move(
    action: Action, current: int, ordered: list[DoseLevelSpec], lowest_eliminated: int | None
) -> tuple[int, str]:
    code = ordered[current].code
    ceiling = len(ordered) if lowest_eliminated is None else lowest_eliminated
    match action:
        case Action.ESCALATE if current + 1 < ceiling:
            return current + 1, f"escalate to {ordered[current + 1].code}"
        case Action.ESCALATE if current + 1 < len(ordered):
            return current, f"stay at {code}: {ordered[current + 1].code} is eliminated"
        case Action.ESCALATE:
            return current, f"stay at {code}: it is the highest dose"
        case Action.DE_ESCALATE if current > 0:
            return current - 1, f"de-escalate to {ordered[current - 1].code}"
        case Action.DE_ESCALATE:
            return current, f"stay at {code}: it is the lowest dose"
    return current, f"stay at {code}"


def _finished(design, tallies, ordered, common, *, why: str) -> BoinState:
    selection = select_mtd(
        design, [(spec.code, t.evaluable, t.dlts) for spec, t in zip(ordered, tallies, strict=True)]
    )
    prefix = f"{why}: the trial ends; " if why else "the trial stops: "
    return BoinState(
        **common,
        open_level=None,
        open_reason=prefix + selection.reason,
        outcome=Outcome.MTD_SELECTED if selection.mtd else Outcome.STOPPED,
        mtd=selection.mtd,
        selection=selection,
    )


def _summarise(
    code: str,
    tally: _Tally,
    design: BoinDesign,
    *,
    current: bool,
    cohort_filling: bool,
    filled: int,
    eliminated_by: str | None,
) -> BoinLevel:
    n, dlts = tally.evaluable, tally.dlts
    posterior = posterior_above_target(design.target, n, dlts) if n else None
    replaced = tally.enrolled - n - tally.in_window
    decision, reason = _level_decision(
        code,
        tally,
        design,
        cohort_filling=cohort_filling,
        filled=filled,
        eliminated_by=eliminated_by,
    )
    if replaced:
        reason += f"; {plural(replaced, 'subject')} not evaluable, replaced"
    return BoinLevel(
        code=code,
        enrolled=tally.enrolled,
        in_window=tally.in_window,
        evaluable=n,
        dlts=dlts,
        decision=decision,
        reason=reason,
        current=current,
        eliminated=eliminated_by is not None,
        posterior_above_target=posterior,
    )


def _level_decision(
    code: str,
    tally: _Tally,
    design: BoinDesign,
    *,
    cohort_filling: bool,
    filled: int,
    eliminated_by: str | None,
) -> tuple[LevelDecision, str]:
    n, dlts = tally.evaluable, tally.dlts
    data = f"{plural(dlts, 'DLT')} in {plural(n, 'evaluable patient')}"
    if eliminated_by == code:
        return LevelDecision.ELIMINATED, (
            f"{data}: eliminated, {_elimination_text(design, n, dlts)}"
        )
    if eliminated_by is not None:
        return LevelDecision.ELIMINATED, f"{data}: eliminated with {eliminated_by}, a lower dose"
    if tally.enrolled == 0:
        return LevelDecision.NOT_TREATED, "not treated"
    if cohort_filling:
        reason = f"{data}; cohort {filled} of {design.cohort_size} places filled"
        if tally.in_window:
            reason += f"; {window_text(tally.window_ends)}"
        return LevelDecision.ENROLLING, reason
    if tally.in_window:
        return LevelDecision.AWAITING_DLT_WINDOW, f"{data}; {window_text(tally.window_ends)}"
    if n == 0:
        return LevelDecision.NOT_TREATED, "no evaluable patient"
    bounds = design.boundaries
    observed = f"{data}: observed rate {_rate(Fraction(dlts, n))}"
    match decide(design, n, dlts):
        case Action.ESCALATE:
            return LevelDecision.ESCALATE, f"{observed} ≤ λe {bounds.lambda_e:.4f}: escalate"
        case Action.DE_ESCALATE:
            return (
                LevelDecision.DE_ESCALATE,
                f"{observed} ≥ λd {bounds.lambda_d:.4f}: de-escalate",
            )
    return LevelDecision.STAY, (
        f"{observed} between λe {bounds.lambda_e:.4f} and λd {bounds.lambda_d:.4f}: stay"
    )


def _elimination_text(design: BoinDesign, n: int, dlts: int) -> str:
    posterior = posterior_above_target(design.target, n, dlts)
    return (
        f"Pr(DLT rate > {_rate(design.target)} | {dlts} of {n}) = {float(posterior):.3f} > "
        f"{_rate(design.elimination_cutoff)}"
    )


def _rate(value: Fraction) -> str:
    return f"{float(value):.3f}".rstrip("0").rstrip(".") if value else "0"
