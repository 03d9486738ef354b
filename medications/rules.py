"""Concomitant medication rules: what an entry may be, prior or concomitant, and which
medications after consent are protocol deviations. Plain functions on plain values.

Prior or concomitant is derived from the first dose (C1D1): a medication stopped before the
first dose is prior; one taken on or after it is concomitant (SDTM CMCAT).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from review.checks import Failure
from trial.dates import (
    MissingCode,
    Order,
    as_partial,
    compare,
    end_before_start_problem,
    partial_date_problem,
    read_partial,
)

START_CODES = (MissingCode.UNK,)
END_CODES = (MissingCode.UNK,)
DOSE_CODES = (MissingCode.UNK,)


class Timing(StrEnum):
    PRIOR = "prior"
    CONCOMITANT = "concomitant"


@dataclass(frozen=True)
class MedicationFacts:
    medication: str
    start: str  # stored text: partial ISO date, a code, or ""
    ongoing: bool
    end: str
    dose: Decimal | None = None
    dose_code: str = ""
    dose_unit: str = ""
    subject_id: int | None = None
    # The subject of the AE or history condition given as indication, when one is linked.
    indication_ae_subject_id: int | None = None
    indication_history_subject_id: int | None = None
    immunosuppressive: bool = False
    investigational: bool = False


def timing(facts: MedicationFacts, first_dose: date | None) -> Timing | None:
    """Prior (stopped before the first dose) or concomitant (taken on or after it).

    None while it cannot be told: no first dose yet and the medication not stopped, or
    dates unknown. An end known only to the month of the first dose may be either side: it
    counts as concomitant, the side on which an interaction would matter.
    """
    end = as_partial(read_partial(facts.end))
    start = as_partial(read_partial(facts.start))
    if not facts.ongoing and end is not None:
        if first_dose is None or compare(end, first_dose) is Order.BEFORE:
            return Timing.PRIOR
        return Timing.CONCOMITANT
    if first_dose is None:
        return None
    if facts.ongoing:
        return Timing.CONCOMITANT
    # Ended with an unknown end date: concomitant only if it started on or after the dose.
    if start is not None and compare(start, first_dose) is not Order.BEFORE:
        return Timing.CONCOMITANT
    return None


def check_medication(facts: MedicationFacts, *, today: date) -> list[tuple[str, str]]:
    """(field, message) problems of one medication entry; [] when it may be saved."""
    problems: list[tuple[str, str]] = []
    if not facts.medication.strip():
        problems.append(("medication", "Medication is required (as written in the source)."))
    start = read_partial(facts.start)
    end = read_partial(facts.end)
    if start is None:
        problems.append(("start_date", "Start date is required, or UNK."))
    start_date, end_date = as_partial(start), as_partial(end)
    for name, label, value in (
        ("start_date", "Start date", start_date),
        ("end_date", "End date", end_date),
    ):
        if value is not None:
            problem = partial_date_problem(label, value, today=today)
            if problem:
                problems.append((name, problem))
    if facts.ongoing and end is not None:
        problems.append(("end_date", "An ongoing medication has no end date: clear one of them."))
    if not facts.ongoing and end is None:
        problems.append(("end_date", "End date is required when not ongoing (or UNK)."))
    problem = end_before_start_problem("Start date", start_date, "End date", end_date)
    if problem:
        problems.append(("end_date", problem))
    if facts.dose is not None and facts.dose_code:
        problems.append(("dose", "Give a dose or a code, not both."))
    if facts.dose is not None and facts.dose <= 0:
        problems.append(("dose", "A dose is more than 0."))
    if facts.dose is not None and not facts.dose_unit.strip():
        problems.append(("dose_unit", f"A dose of {facts.dose} needs its unit."))
    if facts.dose is None and not facts.dose_code and facts.dose_unit.strip():
        problems.append(("dose", f"A unit ({facts.dose_unit}) needs its dose, or UNK."))
    for name, linked in (
        ("indication_ae", facts.indication_ae_subject_id),
        ("indication_history", facts.indication_history_subject_id),
    ):
        if linked is not None and linked != facts.subject_id:
            what = "an adverse event" if name == "indication_ae" else "a medical history condition"
            problems.append((name, f"The indication is {what} of another subject."))
    return problems


def prohibited_after_consent(
    sequence: int, facts: MedicationFacts, consent_date: date | None
) -> list[Failure]:
    """Protocol deviations (synopsis, exclusions 1 and 8): an immunosuppressive treatment or
    another investigational product taken after consent. Taken after consent: ongoing, or
    an end not known to be before the consent date."""
    if consent_date is None:
        return []
    end = as_partial(read_partial(facts.end))
    taken_after = facts.ongoing or end is None or compare(end, consent_date) is not Order.BEFORE
    if not taken_after:
        return []
    failures = []
    title = f"CM{sequence} {facts.medication}"
    for flagged, code, what, exclusion in (
        (facts.immunosuppressive, "immunosuppressive", "an immunosuppressive treatment", 8),
        (facts.investigational, "investigational", "another investigational product", 1),
    ):
        if flagged:
            failures.append(
                Failure(
                    check_code=f"cm_prohibited_after_consent:{code}",
                    field_name=code,
                    message=(
                        f"Protocol deviation: {title} is {what}, taken after consent "
                        f"({consent_date}) (synopsis, exclusion {exclusion}). Investigator: "
                        "confirm, record the deviation and the subject's continuation."
                    ),
                )
            )
    return failures
