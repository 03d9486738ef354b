"""Normal-range selection by date, sex and age (labs/ranges.py)."""

from datetime import date
from decimal import Decimal

import pytest

from labs.ranges import NormalRange, RangeError, age_on, range_problems, select_range

D = Decimal
OLD = NormalRange("HGB", "g/L", D(120), D(160), date(2025, 1, 1), date(2026, 5, 31))
NEW_M = NormalRange("HGB", "g/L", D(130), D(170), date(2026, 6, 1), sex="M")
NEW_F = NormalRange("HGB", "g/L", D(120), D(155), date(2026, 6, 1), sex="F")
NEW_ANY = NormalRange("HGB", "g/L", D(115), D(165), date(2026, 6, 1))
ELDERLY_M = NormalRange("HGB", "g/L", D(125), D(165), date(2026, 6, 1), sex="M", age_min=65)
YOUNG_M = NormalRange(
    "HGB", "g/L", D(130), D(170), date(2026, 6, 1), sex="M", age_min=18, age_max=64
)
ALT = NormalRange("ALT", "U/L", D(7), D(40), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("on", "sex", "age", "expected"),
    [
        (date(2025, 1, 1), "M", 50, OLD),  # first day in force
        (date(2026, 5, 31), "F", 50, OLD),  # last day in force
        (date(2026, 6, 1), "M", 50, NEW_M),  # the new range's first day, sex-specific
        (date(2026, 6, 1), "F", 50, NEW_F),
        (date(2024, 12, 31), "M", 50, None),  # before any range
    ],
)
def test_the_range_in_force_on_the_date_for_the_sex(on, sex, age, expected):
    ranges = [OLD, NEW_M, NEW_F, NEW_ANY, ALT]
    assert select_range(ranges, test="HGB", on=on, sex=sex, age=age) == expected


def test_a_sex_specific_range_is_preferred_to_one_for_either_sex_and_falls_back_to_it():
    assert select_range([NEW_ANY, NEW_M], test="HGB", on=date(2026, 7, 1), sex="M", age=40) == (
        NEW_M
    )
    assert select_range([NEW_ANY, NEW_M], test="HGB", on=date(2026, 7, 1), sex="F", age=40) == (
        NEW_ANY
    )


@pytest.mark.parametrize(
    ("age", "expected"),
    [(17, None), (18, YOUNG_M), (64, YOUNG_M), (65, ELDERLY_M), (90, ELDERLY_M)],
)
def test_age_bands_are_inclusive_completed_years(age, expected):
    ranges = [YOUNG_M, ELDERLY_M]
    assert select_range(ranges, test="HGB", on=date(2026, 7, 1), sex="M", age=age) == expected


def test_overlapping_ranges_are_refused_not_guessed():
    twin = NormalRange("HGB", "g/L", D(131), D(171), date(2026, 1, 1), sex="M")
    with pytest.raises(RangeError, match="overlap"):
        select_range([NEW_M, twin], test="HGB", on=date(2026, 7, 1), sex="M", age=40)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1960, 7, 2), date(2026, 7, 1), 65),
        (date(1960, 7, 1), date(2026, 7, 1), 66),
        (date(1960, 2, 29), date(2026, 2, 28), 65),
        (date(1960, 2, 29), date(2026, 3, 1), 66),
    ],
)
def test_age_on_counts_completed_years(birth, on, age):
    assert age_on(birth_date=birth, on=on) == age


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"low": D(10), "high": D(5)}, "high"),
        ({"low": None, "high": None}, "low"),
        ({"low": D(-1), "high": D(5)}, "low"),
        ({"effective_to": date(2025, 12, 31)}, "effective_to"),
        ({"age_min": 65, "age_max": 18}, "age_max"),
    ],
)
def test_a_range_that_cannot_be_right_names_the_field(kwargs, field):
    values = {
        "low": D(1),
        "high": D(5),
        "effective_from": date(2026, 1, 1),
        "effective_to": None,
        "age_min": None,
        "age_max": None,
    } | kwargs
    assert field in range_problems(**values)
    with pytest.raises(RangeError, match=field):
        NormalRange(
            "HGB",
            "g/L",
            values["low"],
            values["high"],
            values["effective_from"],
            values["effective_to"],
            None,
            values["age_min"],
            values["age_max"],
        )


def test_low_equal_to_high_and_one_sided_ranges_are_accepted():
    assert not range_problems(
        low=D(5),
        high=D(5),
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 1, 1),
        age_min=18,
        age_max=18,
    )
    assert not range_problems(
        low=None,
        high=D(5),
        effective_from=date(2026, 1, 1),
        effective_to=None,
        age_min=None,
        age_max=None,
    )
