"""When a disposition (end of treatment, withdrawal, loss to follow-up, death, end of study)
may be dated: the date rules only; which disposition may follow which is the lifecycle's.

A subject's dispositions happen after they consented; withdrawal, loss to follow-up, death
and end of study cannot come before a dose that was recorded as given afterwards, and end of
treatment is not before the last dose either.
"""

from dataclasses import dataclass
from datetime import date

from trial.dates import implausible_date


@dataclass(frozen=True)
class DispositionFacts:
    kind: str  # a dispositions.models.DispositionKind value
    label: str  # its label, for the messages ("Death", "Withdrawal of consent")
    event_date: date
    consent_date: date | None  # local date the consent was signed
    last_dose_date: date | None  # date of the last dose recorded as given


def disposition_date_problems(facts: DispositionFacts, *, today: date) -> list[str]:
    """The reasons `facts.event_date` cannot be the date of this disposition (empty if none)."""
    on = facts.event_date
    problem = implausible_date(f"{facts.label} date", on, today=today)
    if problem:
        return [problem]
    problems = []
    if facts.consent_date is not None and on < facts.consent_date:
        problems.append(
            f"{facts.label} date {on.isoformat()} is before informed consent "
            f"({facts.consent_date.isoformat()})."
        )
    if facts.last_dose_date is not None and on < facts.last_dose_date:
        problems.append(
            f"{facts.label} date {on.isoformat()} is before the last recorded dose "
            f"({facts.last_dose_date.isoformat()})."
        )
    return problems
