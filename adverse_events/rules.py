"""Adverse event rules of the phase I trial, as pure functions.

Graded by NCI-CTCAE v5.0, seriousness by ICH E2A. No Django, no database, no clock: the
caller passes the facts of one AE (``AeFacts``), the study's numbers and, where time matters,
``now``, and gets results with reasons a person can read:

- ``check_consistency``: cross-field edit checks of the AE form, one ``Problem`` per broken
  rule, naming the field and the rule;
- ``classify_period``: medical history, pre-treatment, treatment-emergent or post-treatment;
- ``worst_grade``;
- ``baseline_comparison``: an AE of a term ongoing at baseline against its baseline grade;
- the SAE 24-hour clock (``sae_report_due_at``, ``sae_clock_status``);
- SUSARs (``is_susar``, ``susar_report_due_at``: 7 or 15 calendar days);
- ``dlt_candidate``: whether an AE must be reviewed as a dose-limiting toxicity.

Every datetime must be timezone-aware. Elapsed-time arithmetic (the 24 hours of the SAE clock)
is done in UTC so that a daylight-saving change does not make the clock 23 or 25 hours long.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class _Choices(StrEnum):
    """A StrEnum whose members carry a label; ``choices()`` gives Django's (value, label) pairs.

    Django 5 accepts the callable itself: ``models.CharField(choices=Outcome.choices)``.
    """

    label: str

    def __new__(cls, value: str, label: str) -> _Choices:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> tuple[tuple[str, str], ...]:
        return tuple((member.value, member.label) for member in cls)


class Relationship(_Choices):
    """Causality to the study drug, assessed by the investigator."""

    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely related"
    POSSIBLE = "possible", "Possibly related"
    PROBABLE = "probable", "Probably related"
    DEFINITE = "definite", "Definitely related"

    @property
    def is_related(self) -> bool:
        return self in _RELATED


# For SUSAR and DLT purposes "unlikely" counts as not related.
_RELATED = frozenset({Relationship.POSSIBLE, Relationship.PROBABLE, Relationship.DEFINITE})


def is_related(relationship: Relationship | None) -> bool:
    """Possible, probable or definite; unlikely, not related and not assessed are not."""
    return relationship is not None and relationship in _RELATED


class Outcome(_Choices):
    RECOVERED = "recovered", "Recovered/resolved"
    RECOVERING = "recovering", "Recovering/resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered/not resolved"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", "Recovered/resolved with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class SeriousCriterion(_Choices):
    """ICH E2A seriousness criteria."""

    DEATH = "death", "Results in death"
    LIFE_THREATENING = "life_threatening", "Is life-threatening"
    HOSPITALISATION = (
        "hospitalisation",
        "Requires inpatient hospitalisation or prolongation of existing hospitalisation",
    )
    DISABILITY = "disability", "Results in persistent or significant disability/incapacity"
    CONGENITAL_ANOMALY = "congenital_anomaly", "Is a congenital anomaly/birth defect"
    IMPORTANT_MEDICAL_EVENT = "important_medical_event", "Is an important medical event"


class Expectedness(_Choices):
    EXPECTED = "expected", "Expected"
    UNEXPECTED = "unexpected", "Unexpected"


class ActionTaken(_Choices):
    """Action taken with the study drug because of the AE."""

    DOSE_NOT_CHANGED = "dose_not_changed", "Dose not changed"
    DOSE_REDUCED = "dose_reduced", "Dose reduced"
    DOSE_DELAYED = "dose_delayed", "Dose delayed"
    DRUG_INTERRUPTED = "drug_interrupted", "Drug interrupted"
    DRUG_WITHDRAWN = "drug_withdrawn", "Drug withdrawn"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    UNKNOWN = "unknown", "Unknown"


class Period(_Choices):
    """When an event began relative to consent and dosing (see ``classify_period``)."""

    MEDICAL_HISTORY = "medical_history", "Medical history"
    PRE_TREATMENT = "pre_treatment", "Pre-treatment"
    TREATMENT_EMERGENT = "treatment_emergent", "Treatment-emergent"
    POST_TREATMENT = "post_treatment", "Post-treatment"


class ClockState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REPORTED_ON_TIME = "reported_on_time"
    REPORTED_LATE = "reported_late"


CTCAE_GRADES = frozenset({1, 2, 3, 4, 5})
FATAL_GRADE = 5
# Regulatory deadlines (ICH E2A; CT-3): not study configuration.
SAE_REPORT_WITHIN = timedelta(hours=24)
SAE_DUE_SOON_WITHIN = timedelta(hours=12)
SUSAR_FATAL_OR_LIFE_THREATENING_DAYS = 7
SUSAR_OTHER_DAYS = 15
DLT_MIN_GRADE = 3


@dataclass(frozen=True, kw_only=True)
class AeFacts:
    """One AE as recorded, with the subject's consent and dose dates.

    ``available_grades`` are the grades that exist for the chosen CTCAE term (empty: term not
    chosen yet, grade not checked against it). ``death_date`` is the date of death when the
    AE was fatal. ``treatment_emergent_window_days`` comes from the study configuration (30
    days after the last dose in this protocol).
    """

    onset_date: date
    treatment_emergent_window_days: int
    end_date: date | None = None
    ongoing: bool = True
    grade: int | None = None
    serious: bool = False
    serious_criteria: frozenset[SeriousCriterion] = field(default_factory=frozenset)
    outcome: Outcome | None = None
    death_date: date | None = None
    relationship: Relationship | None = None
    expectedness: Expectedness | None = None
    term: str | None = None
    available_grades: frozenset[int] = field(default_factory=frozenset)
    consent_date: date | None = None
    first_dose_date: date | None = None
    last_dose_date: date | None = None

    def __post_init__(self) -> None:
        if self.treatment_emergent_window_days < 0:
            raise ValueError("treatment_emergent_window_days must be >= 0")

    @property
    def period(self) -> Period | None:
        """The AE's period; None while the consent date is unknown."""
        if self.consent_date is None:
            return None
        return classify_period(
            self.onset_date,
            consent_date=self.consent_date,
            first_dose_date=self.first_dose_date,
            last_dose_date=self.last_dose_date,
            window_days=self.treatment_emergent_window_days,
        )


@dataclass(frozen=True)
class Problem:
    """A broken consistency rule: the field to correct, the rule's name and why."""

    field: str
    rule: str
    message: str


# --- consistency ----------------------------------------------------------------------------

_ENDED_OUTCOMES_FORBIDDEN = (Outcome.NOT_RECOVERED, Outcome.RECOVERING)
# A fatal AE ends with the death, so it cannot be ongoing either.
_ONGOING_OUTCOMES_FORBIDDEN = (Outcome.RECOVERED, Outcome.RECOVERED_WITH_SEQUELAE, Outcome.FATAL)


def check_consistency(facts: AeFacts) -> list[Problem]:
    """Every cross-field rule the AE breaks, in form order; empty when consistent.

    Missing answers are not problems here (the form requires them) except where a rule needs
    one: grade 5 needs the outcome fatal and a death date, a serious AE needs a criterion, an
    AE that is not ongoing needs an end date.
    """
    problems: list[Problem] = []
    onset, grade, outcome = facts.onset_date, facts.grade, facts.outcome
    fatal = grade == FATAL_GRADE or outcome == Outcome.FATAL

    if facts.consent_date is not None and onset < facts.consent_date:
        problems.append(
            Problem(
                "onset_date",
                "medical_history",
                f"onset date {onset} is before informed consent on {facts.consent_date}: "
                "record it as medical history, not as an adverse event",
            )
        )

    # Dates: end and ongoing.
    if facts.ongoing and facts.end_date is not None:
        problems.append(
            Problem(
                "end_date",
                "ongoing_has_no_end_date",
                f"end date {facts.end_date} given for an AE marked ongoing: "
                "an AE is either ongoing or ended",
            )
        )
    if not facts.ongoing and facts.end_date is None:
        problems.append(
            Problem(
                "end_date",
                "ended_needs_end_date",
                "end date missing: an AE that is not ongoing needs an end date",
            )
        )
    if facts.end_date is not None and facts.end_date < onset:
        problems.append(
            Problem(
                "end_date",
                "end_not_before_onset",
                f"end date {facts.end_date} is before the onset date {onset}",
            )
        )

    # Grade.
    if grade is not None and grade not in CTCAE_GRADES:
        problems.append(
            Problem("grade", "grade_in_range", f"grade {grade} is not a CTCAE grade (1 to 5)")
        )
    elif grade is not None and facts.available_grades and grade not in facts.available_grades:
        term = f"CTCAE term {facts.term!r}" if facts.term else "chosen CTCAE term"
        available = ", ".join(str(g) for g in sorted(facts.available_grades))
        problems.append(
            Problem(
                "grade",
                "grade_exists_for_term",
                f"grade {grade} does not exist for the {term} (grades: {available})",
            )
        )
    if outcome == Outcome.FATAL and grade != FATAL_GRADE:
        problems.append(
            Problem(
                "grade",
                "fatal_outcome_needs_grade_5",
                f"outcome fatal requires grade 5, not {_grade(grade)}",
            )
        )

    # Seriousness (ICH E2A).
    if facts.serious and not facts.serious_criteria:
        problems.append(
            Problem(
                "serious_criteria",
                "serious_needs_criterion",
                "a serious AE needs at least one seriousness criterion",
            )
        )
    if not facts.serious and facts.serious_criteria:
        names = ", ".join(c.label.lower() for c in _in_order(facts.serious_criteria))
        problems.append(
            Problem(
                "serious",
                "criterion_needs_serious",
                f"seriousness criteria given ({names}) for an AE not marked serious",
            )
        )
    if fatal and not facts.serious:
        problems.append(
            Problem(
                "serious",
                "fatal_is_serious",
                f"a fatal AE ({_fatal_because(facts)}) is serious: it results in death",
            )
        )
    if SeriousCriterion.DEATH in facts.serious_criteria and grade != FATAL_GRADE:
        problems.append(
            Problem(
                "serious_criteria",
                "death_criterion_needs_grade_5",
                f"the criterion 'results in death' requires grade 5, not {_grade(grade)}",
            )
        )
    if (
        grade == FATAL_GRADE
        and facts.serious
        and SeriousCriterion.DEATH not in facts.serious_criteria
    ):
        problems.append(
            Problem(
                "serious_criteria",
                "grade_5_needs_death_criterion",
                "a grade 5 serious AE needs the criterion 'results in death'",
            )
        )

    # Outcome.
    if grade == FATAL_GRADE and outcome != Outcome.FATAL:
        shown = f"not {outcome.label.lower()}" if outcome else "and no outcome is recorded"
        problems.append(
            Problem(
                "outcome",
                "grade_5_needs_fatal_outcome",
                f"grade 5 (death related to the AE) requires the outcome fatal, {shown}",
            )
        )
    if facts.end_date is not None and outcome in _ENDED_OUTCOMES_FORBIDDEN:
        problems.append(
            Problem(
                "outcome",
                "ended_outcome",
                f"outcome {outcome.label.lower()} contradicts the end date {facts.end_date}: "
                "an ended AE has recovered, recovered with sequelae, was fatal or is unknown",
            )
        )
    if facts.ongoing and outcome in _ONGOING_OUTCOMES_FORBIDDEN:
        problems.append(
            Problem(
                "outcome",
                "ongoing_outcome",
                f"outcome {outcome.label.lower()} contradicts an ongoing AE: "
                "an ongoing AE is not recovered, recovering or unknown",
            )
        )

    # Death.
    if fatal and facts.death_date is None:
        problems.append(
            Problem(
                "death_date",
                "fatal_needs_death_date",
                f"date of death missing for a fatal AE ({_fatal_because(facts)})",
            )
        )
    if facts.death_date is not None and facts.death_date < onset:
        problems.append(
            Problem(
                "death_date",
                "death_not_before_onset",
                f"date of death {facts.death_date} is before the onset date {onset}",
            )
        )
    return problems


def _grade(grade: int | None) -> str:
    return "no grade" if grade is None else f"grade {grade}"


def _fatal_because(facts: AeFacts) -> str:
    if facts.grade == FATAL_GRADE and facts.outcome == Outcome.FATAL:
        return "grade 5, outcome fatal"
    return "grade 5" if facts.grade == FATAL_GRADE else "outcome fatal"


def _in_order(criteria: Iterable[SeriousCriterion]) -> list[SeriousCriterion]:
    chosen = set(criteria)
    return [c for c in SeriousCriterion if c in chosen]


# --- period and grade -----------------------------------------------------------------------


def classify_period(
    onset: date,
    *,
    consent_date: date,
    first_dose_date: date | None,
    last_dose_date: date | None,
    window_days: int,
) -> Period:
    """Where an onset date falls; all bounds inclusive.

    - before consent: medical history (not an AE at all);
    - from consent until the day before the first dose, or no dose yet: pre-treatment;
    - from the first dose until ``last dose + window_days``: treatment-emergent; while no last
      dose is recorded the subject is on treatment, so every later onset is;
    - after that: post-treatment, still recorded but not treatment-emergent.
    """
    if window_days < 0:
        raise ValueError("window_days must be >= 0")
    if last_dose_date is not None and first_dose_date is None:
        raise ValueError("a last dose date needs a first dose date")
    if first_dose_date and last_dose_date and last_dose_date < first_dose_date:
        raise ValueError(f"last dose {last_dose_date} is before the first dose {first_dose_date}")
    if onset < consent_date:
        return Period.MEDICAL_HISTORY
    if first_dose_date is None or onset < first_dose_date:
        return Period.PRE_TREATMENT
    if last_dose_date is None or onset <= last_dose_date + timedelta(days=window_days):
        return Period.TREATMENT_EMERGENT
    return Period.POST_TREATMENT


def worst_grade(grades: Iterable[int | None]) -> int | None:
    """The highest grade, ignoring ungraded entries; None when nothing is graded."""
    return max((g for g in grades if g is not None), default=None)


@dataclass(frozen=True)
class Baseline:
    """A medical-history condition of the AE's term, ongoing at the first dose."""

    title: str  # "MH2 Hypertension"
    grade: int | None  # None: the baseline grade is unknown or was not done


def baseline_comparison(
    grade: int | None, period: Period | None, baselines: Iterable[Baseline]
) -> str | None:
    """What the AE form says of an AE whose term was ongoing at baseline; None otherwise.

    A treatment-emergent AE of such a term is an AE only if its grade is worse than the
    baseline grade (the condition continues in the medical history otherwise).
    """
    baselines = list(baselines)
    if not baselines or period not in (None, Period.TREATMENT_EMERGENT):
        return None
    known = [b for b in baselines if b.grade is not None]
    names = ", ".join(b.title for b in baselines)
    if len(known) < len(baselines):
        return (
            f"Ongoing at baseline ({names}) with the baseline grade unknown: whether this is "
            "worse than baseline, and so an adverse event, is the investigator's judgement."
        )
    worst = max(known, key=lambda b: b.grade)
    if grade is None:
        return (
            f"Ongoing at baseline: {worst.title}, baseline grade {worst.grade}. Record this "
            f"term as an adverse event only if its grade is worse than {worst.grade}."
        )
    if grade > worst.grade:
        return (
            f"Grade {grade} is worse than the baseline grade {worst.grade} of {worst.title}: "
            "a treatment-emergent adverse event."
        )
    return (
        f"Grade {grade} is not worse than the baseline grade {worst.grade} of {worst.title}: "
        "not an adverse event. The condition continues in the medical history; record an "
        "adverse event when it worsens beyond its baseline grade."
    )


# --- SAE 24-hour clock ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClockStatus:
    """Where the SAE report stands against its 24-hour deadline.

    ``remaining`` is ``due_at`` minus ``now`` while unreported (negative once overdue) and
    ``due_at`` minus ``reported_at`` once reported (negative: how late it was).
    """

    state: ClockState
    due_at: datetime
    remaining: timedelta
    message: str


def sae_report_due_at(aware_at: datetime) -> datetime:
    """24 elapsed hours after the site became aware of the SAE, in ``aware_at``'s time zone."""
    _require_aware("aware_at", aware_at)
    return (aware_at.astimezone(UTC) + SAE_REPORT_WITHIN).astimezone(aware_at.tzinfo)


def sae_clock_status(
    aware_at: datetime, *, now: datetime, reported_at: datetime | None = None
) -> ClockStatus:
    """On time, due soon (12 hours or less left), overdue, or reported on time / late.

    Reported exactly at the deadline is on time; overdue starts strictly after it.
    """
    _require_aware("aware_at", aware_at)
    _require_aware("now", now)
    due_at = sae_report_due_at(aware_at)
    due = f"due {_when(due_at)}"
    if reported_at is not None:
        _require_aware("reported_at", reported_at)
        if reported_at < aware_at:
            raise ValueError(
                f"SAE reported at {reported_at.isoformat()}, before awareness at "
                f"{aware_at.isoformat()}"
            )
        margin = _elapsed(reported_at, due_at)
        if margin >= timedelta(0):
            return ClockStatus(
                ClockState.REPORTED_ON_TIME,
                due_at,
                margin,
                f"SAE reported on time, {_duration(margin)} before the deadline ({due})",
            )
        return ClockStatus(
            ClockState.REPORTED_LATE,
            due_at,
            margin,
            f"SAE reported {_duration(-margin)} late ({due}); "
            "the sponsor must be told within 24 hours of awareness",
        )
    remaining = _elapsed(now, due_at)
    if remaining < timedelta(0):
        return ClockStatus(
            ClockState.OVERDUE,
            due_at,
            remaining,
            f"SAE report overdue by {_duration(-remaining)} ({due})",
        )
    state = ClockState.DUE_SOON if remaining <= SAE_DUE_SOON_WITHIN else ClockState.ON_TIME
    return ClockStatus(
        state,
        due_at,
        remaining,
        f"SAE report {due}: {_duration(remaining)} left",
    )


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value.isoformat()}")


def _elapsed(start: datetime, end: datetime) -> timedelta:
    # Subtracting datetimes that share a tzinfo ignores a DST change in between; UTC does not.
    return end.astimezone(UTC) - start.astimezone(UTC)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").rstrip()


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    if minutes < 1:
        return "less than 1 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


# --- SUSAR ----------------------------------------------------------------------------------


def is_susar(
    serious: bool, relationship: Relationship | None, expectedness: Expectedness | None
) -> bool:
    """A suspected unexpected serious adverse reaction: serious, related and unexpected.

    Not assessed (None) relationship or expectedness gives False: the caller must not read
    that as "not a SUSAR" for a serious AE whose assessment is still pending.
    """
    return serious and is_related(relationship) and expectedness == Expectedness.UNEXPECTED


def susar_report_due_at(aware_at: datetime, *, fatal_or_life_threatening: bool) -> datetime:
    """7 calendar days after awareness for a fatal or life-threatening SUSAR, else 15.

    Calendar days keep the wall-clock time of ``aware_at`` across a daylight-saving change.
    """
    _require_aware("aware_at", aware_at)
    days = SUSAR_FATAL_OR_LIFE_THREATENING_DAYS if fatal_or_life_threatening else SUSAR_OTHER_DAYS
    # Round trip through UTC so a wall-clock time skipped by DST becomes a real instant.
    return (aware_at + timedelta(days=days)).astimezone(UTC).astimezone(aware_at.tzinfo)


# --- DLT ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DltCandidate:
    is_candidate: bool
    reason: str


def dlt_candidate(
    *,
    grade: int | None,
    relationship: Relationship | None,
    onset_date: date,
    first_dose_date: date | None,
    dlt_window_days: int,
) -> DltCandidate:
    """Whether the AE must be reviewed as a DLT: grade 3 or more, at least possibly related,
    with onset in the DLT window (C1D1 is day 1; a 21-day window is days 1..21).

    A candidate is not yet a DLT: the protocol's DLT definition and the review decide.
    """
    if dlt_window_days < 1:
        raise ValueError("dlt_window_days must be >= 1")
    failed: list[str] = []
    if first_dose_date is None:
        failed.append("no dose given yet")
        day = None
    else:
        day = (onset_date - first_dose_date).days + 1
        window = f"the {dlt_window_days}-day DLT window from C1D1 {first_dose_date}"
        if day < 1:
            failed.append(f"onset {onset_date} is before {window}")
        elif day > dlt_window_days:
            failed.append(f"onset {onset_date} (day {day}) is after {window}")
    if grade is None:
        failed.append("grade not recorded")
    elif grade < DLT_MIN_GRADE:
        failed.append(f"grade {grade} is below {DLT_MIN_GRADE}")
    if relationship is None:
        failed.append("relationship not assessed")
    elif not is_related(relationship):
        failed.append(f"relationship {relationship.label.lower()} is less than possibly related")
    if failed or relationship is None:
        return DltCandidate(False, "not a DLT candidate: " + "; ".join(failed))
    return DltCandidate(
        True,
        f"DLT candidate: grade {grade}, {relationship.label.lower()}, onset on day {day} of "
        f"the {dlt_window_days}-day DLT window",
    )
