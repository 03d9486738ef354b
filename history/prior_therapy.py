"""Prior cancer therapy rules: what a systemic line, a radiotherapy course and a surgery may
be, and what the records give for the eligibility criteria (inclusions 2, 5 and 6). Plain
functions on plain values (no ORM, no clock).

Prior therapy is what the subject received before the trial: it begins before consent (a
treatment begun after it is a concomitant medication). Dates are partial ISO 8601 dates or
UNK (trial.dates): histories are remembered, not documented.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from review.checks import Failure
from screening.prior_therapy import LastTreatment, PriorTherapySummary
from trial.dates import (
    MissingCode,
    Order,
    PartialDate,
    after_bound_problem,
    as_partial,
    compare,
    end_before_start_problem,
    partial_date_problem,
    read_partial,
)

DATE_CODES = (MissingCode.UNK,)
DOSE_CODES = (MissingCode.UNK,)
# No external-beam course gives more than this; a larger figure is a typing error (cGy).
MAX_TOTAL_DOSE_GY = Decimal("200")

# Synopsis, inclusion 6: "nitrosoureas or mitomycin C", by the names and abbreviations an
# agent is written with on a referral letter.
NITROSOUREA_OR_MITOMYCIN_NAMES = (
    "carmustine",
    "bcnu",
    "lomustine",
    "ccnu",
    "semustine",
    "fotemustine",
    "nimustine",
    "acnu",
    "ranimustine",
    "streptozocin",
    "streptozotocin",
    "chlorozotocin",
    "mitomycin",
    "mmc",
)
_NITROSOUREA = re.compile(r"\b(" + "|".join(NITROSOUREA_OR_MITOMYCIN_NAMES) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class LineFacts:
    line_number: int | None
    regimen: str
    agents: str
    start: str  # stored text: partial ISO date, UNK, or ""
    end: str
    best_response: str
    reason_stopped: str
    reason_stopped_other: str = ""


@dataclass(frozen=True)
class RadiotherapyFacts:
    site: str
    total_dose_gy: Decimal | None
    total_dose_code: str
    start: str
    end: str


@dataclass(frozen=True)
class SurgeryFacts:
    procedure: str
    on: str


Problems = list[tuple[str, str]]


def agents_of(text: str) -> list[str]:
    """The agents of a regimen as typed, one per line or separated by commas (or '+')."""
    return [a.strip() for a in re.split(r"[,\n+;]", text) if a.strip()]


def has_nitrosourea_or_mitomycin(facts: LineFacts) -> bool:
    return bool(_NITROSOUREA.search(f"{facts.regimen} {facts.agents}"))


def _required_date(name: str, label: str, text: str, problems: Problems, *, today: date):
    value = read_partial(text)
    if value is None:
        problems.append((name, f"{label} is required, or UNK (unknown)."))
        return None
    value = as_partial(value)
    if value is not None:
        problem = partial_date_problem(label, value, today=today)
        if problem:
            problems.append((name, problem))
    return value


def _not_after_consent(
    name: str, label: str, value: PartialDate | None, consent_date: date | None, problems
):
    problem = after_bound_problem(label, value, "consent", consent_date)
    if problem:
        problems.append(
            (
                name,
                problem[:-1] + ": a treatment begun after consent is recorded as a "
                "concomitant medication.",
            )
        )


def _period(
    start_text: str, end_text: str, problems: Problems, *, today: date, consent_date: date | None
) -> None:
    start = _required_date("start_date", "Start date", start_text, problems, today=today)
    end = _required_date("end_date", "End date", end_text, problems, today=today)
    _not_after_consent("start_date", "Start date", start, consent_date, problems)
    problem = end_before_start_problem("Start date", start, "End date", end)
    if problem:
        problems.append(("end_date", problem))


def check_line(
    facts: LineFacts,
    *,
    other_lines: dict[int, str],
    today: date,
    consent_date: date | None,
) -> Problems:
    """(field, message) problems of one systemic line; [] when it may be saved.

    `other_lines`: the line numbers of the subject's other live lines, with their titles.
    """
    problems: Problems = []
    number = facts.line_number
    if number is None:
        problems.append(("line_number", "Line number is required (1 for the first line)."))
    elif number < 1:
        problems.append(("line_number", f"Line number {number} is not a line: lines start at 1."))
    elif number in other_lines:
        problems.append(
            (
                "line_number",
                f"Line {number} is already recorded ({other_lines[number]}): each line has its "
                "own number; correct or void that one.",
            )
        )
    if not facts.regimen.strip():
        problems.append(("regimen", "Regimen is required (as written in the source)."))
    if not agents_of(facts.agents):
        problems.append(("agents", "Give the agents of the regimen (one per line or commas)."))
    _period(facts.start, facts.end, problems, today=today, consent_date=consent_date)
    if not facts.best_response:
        problems.append(("best_response", "Best response is required (or UNK)."))
    if not facts.reason_stopped:
        problems.append(("reason_stopped", "Reason stopped is required."))
    elif facts.reason_stopped == "other" and not facts.reason_stopped_other.strip():
        problems.append(("reason_stopped_other", "Say what the other reason was."))
    elif facts.reason_stopped != "other" and facts.reason_stopped_other.strip():
        problems.append(
            ("reason_stopped_other", "Give another reason only when the reason stopped is Other.")
        )
    return problems


@dataclass(frozen=True)
class LineStart:
    """A live systemic line's number, regimen and start date as stored (partial, UNK or "")."""

    number: int
    regimen: str
    start: str


LINE_ORDER_CHECK = "pt_line_order"


def line_order_failure(line: LineStart, others: Iterable[LineStart]) -> Failure | None:
    """An automatic query on a line that certainly began before a line numbered below it.

    Lines are numbered in the order they began (line 1 the first treatment given for the
    cancer). Only a certain disagreement counts: partial dates that may agree (2019 and
    2019-03), a start given as UNK and a line begun on the same day are not queried. The
    query goes on the higher-numbered line, naming the nearest earlier line that began after
    it, so one misordering raises one query.
    """
    start = as_partial(read_partial(line.start))
    if start is None:
        return None
    for other in sorted(others, key=lambda o: -o.number):
        if other.number >= line.number:
            continue
        begun = as_partial(read_partial(other.start))
        if begun is not None and compare(start, begun) is Order.BEFORE:
            return Failure(
                check_code=LINE_ORDER_CHECK,
                field_name="start_date",
                message=(
                    f"Line {line.number} ({line.regimen}) started {start}, before line "
                    f"{other.number} ({other.regimen}) started {begun}: lines are numbered in "
                    "the order they began. Correct the line numbers or the start dates."
                ),
            )
    return None


def check_radiotherapy(
    facts: RadiotherapyFacts, *, today: date, consent_date: date | None
) -> Problems:
    """(field, message) problems of one radiotherapy course; [] when it may be saved."""
    problems: Problems = []
    if not facts.site.strip():
        problems.append(("site", "Site irradiated is required."))
    dose, code = facts.total_dose_gy, facts.total_dose_code
    if dose is not None and code:
        problems.append(("total_dose_gy", "Give the total dose or a code, not both."))
    elif dose is None and not code:
        problems.append(("total_dose_gy", "Total dose is required (in Gy), or UNK (unknown)."))
    elif dose is not None and dose <= 0:
        problems.append(("total_dose_gy", f"Total dose {dose} Gy must be more than 0 Gy."))
    elif dose is not None and dose > MAX_TOTAL_DOSE_GY:
        problems.append(
            (
                "total_dose_gy",
                f"Total dose {dose} Gy is above {MAX_TOTAL_DOSE_GY} Gy: not plausible (a dose "
                "in cGy? 1 Gy = 100 cGy).",
            )
        )
    _period(facts.start, facts.end, problems, today=today, consent_date=consent_date)
    return problems


def check_surgery(facts: SurgeryFacts, *, today: date, consent_date: date | None) -> Problems:
    """(field, message) problems of one prior cancer surgery; [] when it may be saved."""
    problems: Problems = []
    if not facts.procedure.strip():
        problems.append(("procedure", "Procedure is required."))
    on = _required_date("surgery_date", "Date", facts.on, problems, today=today)
    _not_after_consent("surgery_date", "Date", on, consent_date, problems)
    return problems


# --- what the records give for the eligibility criteria ---------------------------------------


def last_of(records: Iterable[tuple[str, str, str]]) -> LastTreatment | None:
    """The last of (title, start, end) treatments: the latest known end (by the last day it
    may denote); unknown (on=None) when a record's end is UNK, for it may have ended after
    every known one. None when there is no record."""
    records = list(records)
    if not records:
        return None
    for title, _start, end in records:
        if as_partial(read_partial(end)) is None:
            return LastTreatment(None, title)
    ends = [(as_partial(read_partial(end)), title) for title, _start, end in records]
    return LastTreatment(*max(ends, key=lambda e: (e[0].latest(), e[0].earliest())))


def _refractory(lines: list[tuple[str, LineFacts]]) -> tuple[bool | None, str]:
    """Refractory to second-line treatment (synopsis, inclusion 2): two lines or more, and
    the disease progressed on the last (stopped for progression, or best response PD)."""
    count = len(lines)
    if count == 0:
        return False, "no prior systemic line"
    title, last = max(lines, key=lambda line: line[1].line_number or 0)
    said = f"{count} prior line{'s' if count > 1 else ''}, the last {title}"
    if count < 2:
        return False, f"{said}: not refractory to second-line treatment"
    if last.reason_stopped == "progression" or last.best_response == "PD":
        return True, f"{said} ended by progression: refractory"
    if last.reason_stopped == "toxicity":
        return False, f"{said} stopped for toxicity, not progression: not refractory"
    return None, f"{said} stopped for another reason: whether refractory cannot be told"


def summarise(
    lines: Iterable[tuple[str, LineFacts]],
    radiotherapies: Iterable[tuple[str, RadiotherapyFacts]],
    surgeries: Iterable[tuple[str, SurgeryFacts]],
) -> PriorTherapySummary:
    """What the subject's live records give for inclusions 2, 5 and 6; each is (title, facts)."""
    lines, radiotherapies, surgeries = list(lines), list(radiotherapies), list(surgeries)
    refractory, reason = _refractory(lines)
    return PriorTherapySummary(
        recorded=bool(lines or radiotherapies or surgeries),
        lines=len(lines),
        refractory=refractory,
        refractory_reason=reason,
        last_systemic=last_of((t, f.start, f.end) for t, f in lines),
        last_radiotherapy=last_of((t, f.start, f.end) for t, f in radiotherapies),
        last_surgery=last_of((t, f.on, f.on) for t, f in surgeries),
        last_nitrosourea_or_mitomycin=last_of(
            (t, f.start, f.end) for t, f in lines if has_nitrosourea_or_mitomycin(f)
        ),
    )
