"""The vital signs CRF's own rules (the plausible ranges are trial.vital_signs'). Pure: no ORM,
no clock.

A set of vital signs is taken at a visit without a dose (screening, the safety visits, end of
treatment, follow-up): the dosing CRF records the pre- and post-dose ones of a dosing visit
(docs/vitals.md), so this CRF refuses a dosing visit rather than keep a second copy.
"""

from collections.abc import Sequence
from datetime import date

from trial.vital_signs import VITAL_SIGNS


class TimePoint:
    """When, within its visit, a set of vital signs is taken (the values stored)."""

    VISIT = "visit"  # once at a visit without a dose: SDTM VSTPT is null


def visit_problem(*, dosing_visit: bool, missed: bool, not_applicable: bool) -> str | None:
    """Why no vital signs may be recorded at the visit, or None."""
    if dosing_visit:
        return (
            "Vital signs at a dosing visit are recorded on its dosing CRF, before and after "
            "the dose."
        )
    if missed:
        return "The visit is recorded as missed: no vital signs can be taken at it."
    if not_applicable:
        return "The visit does not apply to the subject: no vital signs can be taken at it."
    return None


def measured_on_problem(
    *,
    measured_on: date | None,
    today: date,
    consent_on: date | None,
    window: tuple[date, date],
    visit_on: date | None,
) -> str | None:
    """Why the date of the measurements is refused, or None.

    Not in the future, not before the consent (no study procedure before it), and inside
    the visit's window: a visit performed outside its window keeps its vital signs on the
    day it was performed (its own lateness is the visit's query, not this CRF's)."""
    if measured_on is None:
        return "The date of the measurements is required."
    if measured_on > today:
        return f"The date of the measurements {measured_on} is in the future."
    if consent_on is None:
        return "The subject has no informed consent recorded: no measurement before it."
    if measured_on < consent_on:
        return (
            f"The date of the measurements {measured_on} is before the informed consent "
            f"({consent_on})."
        )
    opens, closes = window
    if not opens <= measured_on <= closes and measured_on != visit_on:
        performed = f", nor the day it was performed ({visit_on})" if visit_on else ""
        return (
            f"The date of the measurements {measured_on} is outside the visit's window "
            f"({opens} to {closes}){performed}."
        )
    return None


def none_measured(values: dict, fields: Sequence[str] = VITAL_SIGNS) -> bool:
    """No vital sign given: a set of vital signs needs one at least."""
    return all(values.get(name) is None for name in fields)
