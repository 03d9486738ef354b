"""Medical history rules: what a condition's dates and baseline grade may be, and where the
history contradicts the eligibility answers. Plain functions on plain values (no ORM, no clock).

A condition in the medical history began before consent (one that begins after it is an
adverse event); if it is still ongoing at the first dose, its CTCAE grade then is the
baseline an adverse event of the same term is compared with (adverse_events.rules).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from review.checks import Failure
from trial.dates import (
    MissingCode,
    Order,
    after_bound_problem,
    as_partial,
    compare,
    end_before_start_problem,
    partial_date_problem,
    read_partial,
)

# Missing-data codes each field takes: a start date may be unknown or not asked (a history
# taken from a referral letter); a baseline grade unknown or not done (no exam at baseline).
START_CODES = (MissingCode.UNK, MissingCode.NASK)
END_CODES = (MissingCode.UNK,)
BASELINE_GRADE_CODES = (MissingCode.UNK, MissingCode.ND)


@dataclass(frozen=True)
class ConditionFacts:
    condition: str
    start: str  # stored text: partial ISO date, a code, or ""
    ongoing: bool
    end: str
    baseline_grade: int | None
    baseline_grade_code: str
    term: str | None = None  # the CTCAE term chosen, if one fits
    available_grades: frozenset[int] = frozenset()


def ongoing_at_first_dose(facts: ConditionFacts, first_dose: date | None) -> bool:
    """Ongoing at the first dose (or now, before it): ongoing, or ended on or after it.

    An end known to the month of the first dose may have been either side of it: it counts
    as ongoing, so that a baseline grade is asked rather than lost.
    """
    if facts.ongoing:
        return True
    end = as_partial(read_partial(facts.end))
    if first_dose is None or end is None:
        return False
    return compare(end, first_dose) is not Order.BEFORE


def check_condition(
    facts: ConditionFacts, *, today: date, consent_date: date | None, first_dose: date | None
) -> list[tuple[str, str]]:
    """(field, message) problems of one medical-history entry; [] when it may be saved."""
    problems: list[tuple[str, str]] = []
    if not facts.condition.strip():
        problems.append(("condition", "Condition is required (as written in the source)."))
    start = read_partial(facts.start)
    end = read_partial(facts.end)
    if start is None:
        problems.append(("start_date", "Start date is required, or a code (UNK, NASK)."))
    start_date, end_date = as_partial(start), as_partial(end)
    for name, label, value in (
        ("start_date", "Start date", start_date),
        ("end_date", "End date", end_date),
    ):
        if value is not None:
            problem = partial_date_problem(label, value, today=today)
            if problem:
                problems.append((name, problem))
    if start_date is not None and consent_date is not None:
        problem = after_bound_problem("Start date", start_date, "consent", consent_date)
        if problem:
            problems.append(
                (
                    "start_date",
                    problem[:-1] + ": a condition that begins after consent is "
                    "recorded as an adverse event.",
                )
            )
    if facts.ongoing and end is not None:
        problems.append(("end_date", "An ongoing condition has no end date: clear one of them."))
    if not facts.ongoing and end is None:
        problems.append(
            ("end_date", "End date is required when the condition is not ongoing (or UNK).")
        )
    problem = end_before_start_problem("Start date", start_date, "End date", end_date)
    if problem:
        problems.append(("end_date", problem))
    problems.extend(_baseline_grade_problems(facts, first_dose))
    return problems


def _baseline_grade_problems(
    facts: ConditionFacts, first_dose: date | None
) -> list[tuple[str, str]]:
    graded = facts.baseline_grade is not None or bool(facts.baseline_grade_code)
    if facts.baseline_grade is not None and facts.baseline_grade_code:
        return [("baseline_grade", "Give a baseline grade or a code, not both.")]
    if not ongoing_at_first_dose(facts, first_dose):
        if graded:
            return [
                (
                    "baseline_grade",
                    "Only a condition ongoing at the first dose has a baseline grade.",
                )
            ]
        return []
    if facts.term is None:
        if facts.baseline_grade is not None:
            return [("baseline_grade", "Choose the CTCAE term the baseline grade is of.")]
        return []
    if not graded:
        return [
            (
                "baseline_grade",
                f"'{facts.term}' is ongoing at the first dose: give its baseline CTCAE grade "
                "(or UNK, ND).",
            )
        ]
    grade = facts.baseline_grade
    if grade is not None and (
        grade >= 5 or (facts.available_grades and grade not in facts.available_grades)
    ):
        allowed = ", ".join(str(g) for g in sorted(facts.available_grades) if g < 5) or "1-4"
        return [
            ("baseline_grade", f"'{facts.term}' has no baseline grade {grade} (grades {allowed}).")
        ]
    return []


# --- consistency with the eligibility answers (automatic queries: review.checks) ------------

# The synopsis's autoimmune examples (exclusion 7) as the CTCAE terms that name them, and the
# words a verbatim condition names them with; keyed by screening.eligibility's condition codes.
AUTOIMMUNE_NAMES: dict[str, tuple[str, ...]] = {
    "uveitis": ("uveitis",),
    "enteritis": ("enteritis", "enterocolitis", "colitis", "crohn"),
    "hypophysitis": ("hypophysitis",),
    "nephritis": ("nephritis", "glomerulonephritis", "lupus nephritis"),
    "hyperthyroidism": ("hyperthyroidism", "graves", "thyrotoxicosis"),
    "hypothyroidism": ("hypothyroidism", "hashimoto", "myxoedema", "myxedema"),
}
MI_NAMES = ("myocardial infarction", "heart attack", "stemi", "nstemi")
# Synopsis, exclusion 3: "having had a myocardial infarction within 1 year".
MI_LOOKBACK = timedelta(days=365)


@dataclass(frozen=True)
class EligibilityAnswers:
    """What the eligibility CRF says of the history (None: not answered)."""

    assessment_date: date
    autoimmune_conditions: tuple[str, ...] | None
    had_myocardial_infarction: bool | None
    last_myocardial_infarction_date: date | None


def _names(facts: ConditionFacts) -> str:
    return f"{facts.condition} {facts.term or ''}".lower()


def autoimmune_code(facts: ConditionFacts) -> str | None:
    """The eligibility condition code this history entry is an instance of, if any."""
    text = _names(facts)
    for code, words in AUTOIMMUNE_NAMES.items():
        if any(word in text for word in words):
            return code
    return None


def is_myocardial_infarction(facts: ConditionFacts) -> bool:
    text = _names(facts)
    return any(word in text for word in MI_NAMES)


def eligibility_inconsistencies(
    sequence: int, facts: ConditionFacts, answers: EligibilityAnswers | None
) -> list[Failure]:
    """Where this history entry contradicts the eligibility answers: a query each."""
    if answers is None:
        return []
    title = f"MH{sequence} {facts.condition}"
    failures = []
    code = autoimmune_code(facts)
    if (
        code
        and answers.autoimmune_conditions is not None
        and code not in answers.autoimmune_conditions
    ):
        failures.append(
            Failure(
                check_code=f"mh_vs_eligibility_autoimmune:{code}",
                field_name="condition",
                message=(
                    f"{title} is an autoimmune disease ({code}) but the eligibility CRF does "
                    "not list it (synopsis, exclusion 7): correct the history or the "
                    "eligibility answers."
                ),
            )
        )
    if is_myocardial_infarction(facts):
        failures.extend(_mi_inconsistencies(title, facts, answers))
    return failures


def _mi_inconsistencies(
    title: str, facts: ConditionFacts, answers: EligibilityAnswers
) -> list[Failure]:
    start = as_partial(read_partial(facts.start))
    if answers.had_myocardial_infarction is False:
        return [
            Failure(
                check_code="mh_vs_eligibility_mi",
                field_name="start_date",
                message=(
                    f"{title} is a myocardial infarction but the eligibility CRF answers "
                    "'no history of myocardial infarction' (synopsis, exclusion 3): correct "
                    "the history or the eligibility answers."
                ),
            )
        ]
    last = answers.last_myocardial_infarction_date
    cutoff = answers.assessment_date - MI_LOOKBACK
    if start is None or last is None:
        return []
    # Within a year of the assessment in the history, more than a year before it in the
    # eligibility answers: one of them is wrong, and exclusion 3 depends on which.
    if compare(start, cutoff) is Order.AFTER and last < cutoff:
        return [
            Failure(
                check_code="mh_vs_eligibility_mi_date",
                field_name="start_date",
                message=(
                    f"{title} began {start}, within a year of the eligibility assessment "
                    f"({answers.assessment_date}), but the eligibility CRF gives the last "
                    f"myocardial infarction on {last} (synopsis, exclusion 3): correct the "
                    "history or the eligibility answers."
                ),
            )
        ]
    return []
