"""Plausibility bounds for the dates typed into the CRFs.

A date before 1900 or in the future is a typing error in this trial (a date picker left on
0001-01-01, a year typed as 0026): refused with the field's label, before any clinical rule.
Below: dates known to the year or month only (ISO 8601 reduced precision), how they compare,
and the missing-data codes a field that may be unknown takes instead of a value.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

EARLIEST_PLAUSIBLE = date(1900, 1, 1)


def implausible_date(label: str, value: date, *, today: date) -> str | None:
    """None when `value` lies between EARLIEST_PLAUSIBLE and `today`, else the reason."""
    if value < EARLIEST_PLAUSIBLE:
        earliest = EARLIEST_PLAUSIBLE.isoformat()
        return f"{label} {value.isoformat()} is before {earliest}: not plausible."
    if value > today:
        return f"{label} {value.isoformat()} is in the future."
    return None


# --- partial dates and missing-data codes -----------------------------------------------------
# Histories are remembered, not documented: a start known to the year or the month only is
# recorded as such (ISO 8601 reduced precision: 2019, 2019-03, 2019-03-14), never padded to a
# made-up day. A field that may be unknown takes a missing-data code instead of a value.


class MissingCode(StrEnum):
    """Why a value is absent (CDISC ODM / REDCap / Rave usage): a coded field is answered."""

    UNK = "UNK"
    NA = "NA"
    ND = "ND"
    NASK = "NASK"

    @property
    def label(self) -> str:
        return MISSING_CODE_LABELS[self]


MISSING_CODE_LABELS = {
    MissingCode.UNK: "unknown",
    MissingCode.NA: "not applicable",
    MissingCode.ND: "not done",
    MissingCode.NASK: "not asked",
}
MISSING_CODE_CHOICES = [(code.value, f"{code.value} ({code.label})") for code in MissingCode]


def missing_code(text: str) -> MissingCode | None:
    """The code `text` is (case and surrounding spaces ignored), else None."""
    try:
        return MissingCode(text.strip().upper())
    except ValueError:
        return None


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    """A calendar date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Read an ISO 8601 date of reduced precision; ValueError says what is wrong."""
        match = _PARTIAL.match(text.strip())
        if not match:
            raise ValueError(
                f"{text.strip()!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD "
                "(e.g. 2019, 2019-03 or 2019-03-14)."
            )
        year, month, day = (int(part) if part else None for part in match.groups())
        if year < 1:
            raise ValueError(f"{text.strip()!r}: year 0000 does not exist.")
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"{text.strip()!r}: month {month:02d} does not exist.")
        if day is not None:
            try:
                date(year, month, day)
            except ValueError:
                raise ValueError(f"{text.strip()!r}: day {day:02d} does not exist.") from None
        return cls(year, month, day)

    @classmethod
    def of(cls, value: date) -> "PartialDate":
        return cls(value.year, value.month, value.day)

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def is_full(self) -> bool:
        return self.day is not None

    def earliest(self) -> date:
        """The first day the value may denote."""
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        """The last day the value may denote."""
        if self.day:
            return date(self.year, self.month, self.day)
        if self.month:
            return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return date(self.year, 12, 31)

    def iso(self) -> str:
        """ISO 8601 at the precision known (as SDTM --DTC and ODM text keep it)."""
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.iso()


class Order(StrEnum):
    """How two dates of any precision compare."""

    BEFORE = "before"  # every day the first may denote is before every day of the second
    AFTER = "after"
    SAME = "same"  # both full and equal
    OVERLAPS = "overlaps"  # cannot tell: 2019 and 2019-03, 2019-03 and 2019-03-14


def compare(a: PartialDate | date, b: PartialDate | date) -> Order:
    """Compare two dates of any precision, only as far as what is known allows."""
    a = a if isinstance(a, PartialDate) else PartialDate.of(a)
    b = b if isinstance(b, PartialDate) else PartialDate.of(b)
    if a.latest() < b.earliest():
        return Order.BEFORE
    if a.earliest() > b.latest():
        return Order.AFTER
    if a.is_full and b.is_full:
        return Order.SAME
    return Order.OVERLAPS


def partial_date_problem(
    label: str, value: PartialDate, *, today: date, earliest: date = EARLIEST_PLAUSIBLE
) -> str | None:
    """None when a partial date is plausible: not all of it in the future, not before 1900.

    The current year or month is accepted (2026 typed on 2026-12-01 may be any day of it up
    to today); a value whose earliest day is after today is in the future.
    """
    if value.earliest() > today:
        return f"{label} {value} is in the future."
    if value.latest() < earliest:
        return f"{label} {value} is before {earliest.isoformat()}: not plausible."
    return None


def end_before_start_problem(
    start_label: str, start: PartialDate | None, end_label: str, end: PartialDate | None
) -> str | None:
    """None unless the end is certainly before the start (2019 and 2019-03 may agree)."""
    if start is None or end is None:
        return None
    if compare(end, start) is Order.BEFORE:
        return f"{end_label} {end} is before {start_label.lower()} {start}."
    return None


def after_bound_problem(
    label: str, value: PartialDate | None, bound_label: str, bound: date | None
) -> str | None:
    """None unless `value` is certainly after the full date `bound` it must not follow
    (2026-11 is accepted against 2026-11-20: it may be any day before it)."""
    if value is None or bound is None:
        return None
    if compare(value, bound) is Order.AFTER:
        return f"{label} {value} is after {bound_label} {bound.isoformat()}."
    return None


def read_partial(text: str) -> PartialDate | MissingCode | None:
    """A stored partial-date column: a date, a missing-data code, or None when empty."""
    if not text or not text.strip():
        return None
    return missing_code(text) or PartialDate.parse(text)


def as_partial(value: PartialDate | MissingCode | None) -> PartialDate | None:
    """The date of a read column, None when it is empty or coded."""
    return value if isinstance(value, PartialDate) else None
