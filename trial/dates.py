"""Plausibility bounds for the dates typed into the CRFs.

A date before 1900 or in the future is a typing error in this trial (a date picker left on
0001-01-01, a year typed as 0026): refused with the field's label, before any clinical rule.
"""

from datetime import date

EARLIEST_PLAUSIBLE = date(1900, 1, 1)


def implausible_date(label: str, value: date, *, today: date) -> str | None:
    """None when `value` lies between EARLIEST_PLAUSIBLE and `today`, else the reason."""
    if value < EARLIEST_PLAUSIBLE:
        earliest = EARLIEST_PLAUSIBLE.isoformat()
        return f"{label} {value.isoformat()} is before {earliest}: not plausible."
    if value > today:
        return f"{label} {value.isoformat()} is in the future."
    return None
