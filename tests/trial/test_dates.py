"""Plausibility bounds of typed dates (trial.dates), without a database."""

from datetime import date

import pytest

from trial.dates import EARLIEST_PLAUSIBLE, implausible_date

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (date(1, 1, 1), "Date of birth 0001-01-01 is before 1900-01-01: not plausible."),
        (date(1899, 12, 31), "Date of birth 1899-12-31 is before 1900-01-01: not plausible."),
        (EARLIEST_PLAUSIBLE, None),
        (date(1961, 5, 4), None),
        (TODAY, None),
        (date(2026, 12, 2), "Date of birth 2026-12-02 is in the future."),
        (date(9999, 12, 31), "Date of birth 9999-12-31 is in the future."),
    ],
)
def test_implausible_date(value, problem):
    assert implausible_date("Date of birth", value, today=TODAY) == problem
