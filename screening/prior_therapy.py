"""What the prior cancer therapy records give for inclusions 2, 5 and 6, beside the answers
typed on the eligibility CRF, and where the two disagree (an automatic query on the CRF).

The records belong to the history app, a floor above: it derives a PriorTherapySummary from
them (history.prior_therapy.summarise) and gives it through the event `prior_therapy_of`
(trial.hooks). Plain functions on plain values: no ORM, no clock.
"""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from review.checks import Failure
from screening.eligibility import EligibilityFacts, Outcome
from trial.dates import Order, PartialDate, compare


@dataclass(frozen=True)
class LastTreatment:
    """The last treatment of one kind in the records: its date at the precision recorded
    (None when it cannot be told: a record says UNK), and the record that gives it."""

    on: PartialDate | None
    title: str


@dataclass(frozen=True)
class PriorTherapySummary:
    """What the subject's live prior-therapy records say (history.prior_therapy.summarise)."""

    recorded: bool  # any live record of prior cancer therapy
    lines: int = 0  # prior systemic lines
    refractory: bool | None = None  # to second-line treatment; None: cannot tell
    refractory_reason: str = ""
    last_systemic: LastTreatment | None = None
    last_radiotherapy: LastTreatment | None = None
    last_surgery: LastTreatment | None = None
    last_nitrosourea_or_mitomycin: LastTreatment | None = None


NOTHING_RECORDED = PriorTherapySummary(recorded=False)


def washout_from_records(last: PartialDate, assessment_date: date, minimum_days: int):
    """Outcome.MET when every day `last` may denote is more than `minimum_days` before the
    assessment ("more than 28 days since", synopsis inclusions 5 and 6), Outcome.FAILED when
    none is, None when its precision cannot tell (2026-10 against a 28-day washout ending in
    October)."""
    if (assessment_date - last.latest()).days > minimum_days:
        return Outcome.MET
    if (assessment_date - last.earliest()).days <= minimum_days:
        return Outcome.FAILED
    return None


@dataclass(frozen=True)
class CrossCheck:
    """One eligibility answer beside what the records give for it."""

    criterion: str  # "IN2", "IN5", "IN6"
    field: str  # the eligibility field compared (what a query names)
    question: str
    typed: str
    records: str
    agrees: bool | None  # None: nothing to compare (not answered, or the records cannot tell)


class _Treatment(NamedTuple):
    criterion: str
    had_field: str
    date_field: str
    name: str
    summary_field: str
    washout: str  # "anticancer" or "nitrosourea"


_TREATMENTS = (
    # Every prior systemic line is compared with the chemotherapy answer: inclusion 5's
    # washout is read as any systemic anticancer therapy (docs/history.md).
    _Treatment(
        "IN5",
        "had_chemotherapy",
        "last_chemotherapy_date",
        "chemotherapy (systemic line)",
        "last_systemic",
        "anticancer",
    ),
    _Treatment(
        "IN5",
        "had_radiotherapy",
        "last_radiotherapy_date",
        "radiotherapy",
        "last_radiotherapy",
        "anticancer",
    ),
    _Treatment("IN5", "had_surgery", "last_surgery_date", "surgery", "last_surgery", "anticancer"),
    _Treatment(
        "IN6",
        "had_nitrosourea_or_mitomycin",
        "last_nitrosourea_or_mitomycin_date",
        "nitrosourea or mitomycin C",
        "last_nitrosourea_or_mitomycin",
        "nitrosourea",
    ),
)


def _yes_no(value: bool | None) -> str:
    return "not answered" if value is None else "yes" if value else "no"


def _same(typed: bool | None, records: bool | None) -> bool | None:
    return None if typed is None or records is None else typed == records


def _last_text(last: LastTreatment, assessment_date: date | None, minimum_days: int) -> str:
    if last.on is None:
        return f"unknown date ({last.title})"
    text = f"{last.on} ({last.title})"
    if assessment_date is None:
        return text
    verdict = washout_from_records(last.on, assessment_date, minimum_days)
    if verdict is Outcome.MET:
        return f"{text}: more than {minimum_days} days before the assessment"
    if verdict is Outcome.FAILED:
        return f"{text}: not more than {minimum_days} days before the assessment"
    return f"{text}: whether more than {minimum_days} days before the assessment cannot be told"


def cross_check(
    summary: PriorTherapySummary,
    facts: EligibilityFacts,
    *,
    anticancer_washout_days: int,
    nitrosourea_washout_days: int,
) -> tuple[CrossCheck, ...]:
    """The eligibility answers of inclusions 2, 5 and 6 beside what the records give; none
    while no prior therapy is recorded (nothing to compare yet)."""
    if not summary.recorded:
        return ()
    rows = [
        CrossCheck(
            "IN2",
            "refractory_to_second_line",
            "Refractory to second-line treatment",
            _yes_no(facts.refractory_to_second_line),
            summary.refractory_reason,
            _same(facts.refractory_to_second_line, summary.refractory),
        )
    ]
    days = {"anticancer": anticancer_washout_days, "nitrosourea": nitrosourea_washout_days}
    for treatment in _TREATMENTS:
        last: LastTreatment | None = getattr(summary, treatment.summary_field)
        had = getattr(facts, treatment.had_field)
        rows.append(
            CrossCheck(
                treatment.criterion,
                treatment.had_field,
                f"Prior {treatment.name}",
                _yes_no(had),
                f"yes ({last.title})" if last else "no",
                _same(had, last is not None),
            )
        )
        typed_on = getattr(facts, treatment.date_field)
        if last is None and typed_on is None:
            continue
        agrees = None
        if last is not None and last.on is not None and typed_on is not None:
            agrees = compare(last.on, typed_on) not in (Order.BEFORE, Order.AFTER)
        rows.append(
            CrossCheck(
                treatment.criterion,
                treatment.date_field,
                f"Last {treatment.name}",
                typed_on.isoformat() if typed_on else "not answered",
                _last_text(last, facts.assessment_date, days[treatment.washout])
                if last
                else "none recorded",
                agrees,
            )
        )
    return tuple(rows)


def disagreements(rows: tuple[CrossCheck, ...]) -> list[Failure]:
    """An automatic query per answer the records contradict, on the eligibility CRF."""
    inclusion = {"IN2": "2", "IN5": "5", "IN6": "6"}
    return [
        Failure(
            check_code=f"prior_therapy_vs_eligibility:{row.field}",
            field_name=row.field,
            message=(
                f"{row.question}: the eligibility CRF answers {row.typed} but the prior cancer "
                f"therapy records give {row.records} (synopsis, inclusion "
                f"{inclusion[row.criterion]}): correct the records or the eligibility answers."
            ),
        )
        for row in rows
        if row.agrees is False
    ]
