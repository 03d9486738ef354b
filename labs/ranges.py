"""Which site normal range a lab value is read against: the one in force on its date, for
the subject's sex and age. Pure (no ORM, no clock).

A range applies from ``effective_from`` through ``effective_to`` (both inclusive; None: still
in force), to ``sex`` (None: either) and to ages ``age_min``..``age_max`` in completed years
(both inclusive; None: unbounded). A sex-specific range is preferred over one for either sex;
two ranges left equally specific for the same value is a configuration error, refused rather
than guessed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class RangeError(ValueError):
    """A range that cannot be right (low above high), or an ambiguous choice."""


@dataclass(frozen=True)
class NormalRange:
    test: str
    unit: str
    low: Decimal | None
    high: Decimal | None
    effective_from: date
    effective_to: date | None = None
    sex: str | None = None  # "M", "F" or None
    age_min: int | None = None
    age_max: int | None = None

    def __post_init__(self) -> None:
        problems = range_problems(
            low=self.low,
            high=self.high,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            age_min=self.age_min,
            age_max=self.age_max,
        )
        if problems:
            raise RangeError("; ".join(f"{field}: {msg}" for field, msg in problems.items()))

    def applies(self, *, on: date, sex: str, age: int) -> bool:
        return (
            self.effective_from <= on
            and (self.effective_to is None or on <= self.effective_to)
            and (self.sex is None or self.sex == sex)
            and (self.age_min is None or age >= self.age_min)
            and (self.age_max is None or age <= self.age_max)
        )


def range_problems(
    *,
    low: Decimal | None,
    high: Decimal | None,
    effective_from: date,
    effective_to: date | None,
    age_min: int | None,
    age_max: int | None,
) -> dict[str, str]:
    """Field -> what is wrong, for a form to show beside the field."""
    problems = {}
    if low is None and high is None:
        problems["low"] = "a range needs a low or a high limit"
    if low is not None and low < 0:
        problems["low"] = f"cannot be negative, got {low}"
    if low is not None and high is not None and low > high:
        problems["high"] = f"the high limit {high} is below the low limit {low}"
    if effective_to is not None and effective_to < effective_from:
        problems["effective_to"] = f"ends {effective_to} before it starts {effective_from}"
    if age_min is not None and age_max is not None and age_min > age_max:
        problems["age_max"] = f"maximum age {age_max} is below the minimum {age_min}"
    return problems


def age_on(*, birth_date: date, on: date) -> int:
    """Completed years on ``on`` (a birthday on 29 February counts on 1 March otherwise)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def select_range(
    ranges: Iterable[NormalRange], *, test: str, on: date, sex: str, age: int
) -> NormalRange | None:
    """The range ``test`` is read against on ``on`` for this sex and age; None if none."""
    matching = [r for r in ranges if r.test == test and r.applies(on=on, sex=sex, age=age)]
    if not matching:
        return None
    specific = [r for r in matching if r.sex is not None] or matching
    if len(specific) > 1:
        raise RangeError(
            f"{len(specific)} normal ranges of {test} apply on {on} for sex {sex}, age {age}: "
            "the laboratory's ranges overlap"
        )
    return specific[0]
