"""Inclusion 7 against the screening lab panel: what the subject's screening-visit lab results
give for each organ-function lab of the eligibility CRF, shown beside the CRF's answers, and
where a typed answer disagrees with them (an automatic query on the CRF). They do not fill
the answers: the screening visit is created at enrolment, after eligibility is confirmed.

The results belong to the labs app, a sibling on the CRF floor: it gives them through the
event `screening_labs_of` (trial.hooks) as PanelResult, by test code (labs.units: NEUT,
PLAT, HGB, BILI, ALT, AST, CREAT), in the test's standard unit with the upper limit of the
site's normal range in force. A study lab limit names its test (`test` in [[lab_limits]]).
Plain functions on plain values: no ORM, no clock.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from review.checks import Failure
from review.sdtm import decimal_text
from screening.eligibility import LabLimit, LabResult

# The eligibility CRF keeps three decimals (screening.forms): a panel value is compared and
# shown at that precision.
PLACES = Decimal("0.001")
CHECK_CODE = "in7_lab_panel"


@dataclass(frozen=True)
class PanelResult:
    """A screening-visit result of one test (the latest live one), in its standard unit."""

    value: Decimal
    unit: str
    uln: Decimal | None  # the site's upper limit of normal in force; None without a range
    collected_on: date
    title: str  # how to name it to the user ("Neutrophils collected on 2026-11-20")


@dataclass(frozen=True)
class PanelAnswer:
    """What the panel gives for one lab limit, as the CRF records it; `problem` says why it
    cannot give it (a unit the limit is not in, no normal range for a limit relative to the
    upper limit of normal)."""

    code: str
    value: Decimal | None
    uln: Decimal | None
    source: PanelResult
    problem: str = ""


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES, rounding=ROUND_HALF_UP)


def panel_answers(
    limits: Iterable[LabLimit], panel: Mapping[str, PanelResult]
) -> dict[str, PanelAnswer]:
    """The CRF's inclusion 7 answers the panel gives, by lab limit code: a limit whose test
    the panel has. Its value is in the limit's unit only when that is the test's standard
    unit; a limit relative to the ULN takes the value and the ULN of the same result."""
    answers = {}
    for limit in limits:
        result = panel.get(limit.test) if limit.test else None
        if result is None:
            continue
        if limit.relative_to_uln:
            problem = "" if result.uln is not None else "no normal range in force for it"
            answers[limit.code] = PanelAnswer(
                limit.code, _rounded(result.value), _rounded(result.uln), result, problem
            )
        elif result.unit.strip() != limit.unit.strip():
            answers[limit.code] = PanelAnswer(
                limit.code, None, None, result, f"in {result.unit}, not {limit.unit}"
            )
        else:
            answers[limit.code] = PanelAnswer(limit.code, _rounded(result.value), None, result)
    return answers


@dataclass(frozen=True)
class LabCrossCheck:
    """One typed inclusion 7 answer beside the panel's."""

    code: str
    label: str
    typed: str
    panel: str
    agrees: bool | None  # None: nothing to compare (not typed, or the panel cannot give it)


def _text(value: Decimal | None, uln: Decimal | None, relative: bool, unit: str) -> str:
    if value is None:
        return "not given"
    number = decimal_text(value)
    if relative:
        limit = "no ULN" if uln is None else f"ULN {decimal_text(uln)}"
        return f"{number} ({limit})"
    return f"{number} {unit}"


def cross_check(
    limits: Iterable[LabLimit],
    typed: Mapping[str, LabResult] | None,
    panel: Mapping[str, PanelResult],
) -> tuple[LabCrossCheck, ...]:
    """Each lab limit the panel gives beside the CRF's answer: they agree when the value
    (and, relative to the ULN, the ULN) are equal to three decimals."""
    limits = list(limits)
    answers = panel_answers(limits, panel)
    checks = []
    for limit in limits:
        answer = answers.get(limit.code)
        if answer is None:
            continue
        entered = (typed or {}).get(limit.code)
        relative = limit.relative_to_uln
        typed_value = entered.value if entered else None
        typed_uln = entered.upper_limit_normal if entered else None
        if answer.problem or typed_value is None:
            agrees = None
        else:
            agrees = _rounded(typed_value) == answer.value and (
                not relative or _rounded(typed_uln) == answer.uln
            )
        checks.append(
            LabCrossCheck(
                code=limit.code,
                label=limit.label,
                typed=_text(typed_value, typed_uln, relative, limit.unit),
                panel=(
                    f"{answer.source.title}: {answer.problem}"
                    if answer.problem
                    else f"{_text(answer.value, answer.uln, relative, limit.unit)} "
                    f"({answer.source.title})"
                ),
                agrees=agrees,
            )
        )
    return tuple(checks)


def disagreements(checks: Iterable[LabCrossCheck]) -> list[Failure]:
    """An automatic query on the CRF's labs for each answer the panel contradicts."""
    return [
        Failure(
            f"{CHECK_CODE}:{check.code}",
            "labs",
            f"Inclusion 7, {check.label}: the CRF has {check.typed}, the screening lab panel "
            f"gives {check.panel}. Correct the CRF or the lab result.",
        )
        for check in checks
        if check.agrees is False
    ]
