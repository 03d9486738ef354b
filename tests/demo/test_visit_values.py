"""The formulas of the demo's visit values (demo.visit_values): normal, stable, coherent."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from demo.seed import DEMO_RANGES
from demo.visit_values import (
    ecg_readings,
    lab_value,
    leukocytes,
    normal_range,
    sample_moment,
    seed_number,
)
from ecg import rules
from ecg.models import READING_FIELDS

SUBJECTS = [f"{site}-{n:03d}" for site in ("FR01", "FR02", "CN01") for n in range(1, 8)]
VISITS = ["SCR", "C1D1", "C1D8", "C1D15", "C2D1", "C3D1", "C4D1", "C5D1", "C6D1", "EOT"]


def test_the_same_subject_and_visit_give_the_same_number():
    assert seed_number("FR01-003", "C2D1") == seed_number("FR01-003", "C2D1")
    assert seed_number("FR01-003", "C2D1") != seed_number("FR01-003", "C3D1")


def test_a_sex_specific_range_is_chosen_before_one_for_either_sex():
    assert normal_range(DEMO_RANGES, "HGB", "F").low == Decimal(120)
    assert normal_range(DEMO_RANGES, "HGB", "M").low == Decimal(130)
    assert normal_range(DEMO_RANGES, "ALT", "F").sex == ""


@pytest.mark.parametrize("row", DEMO_RANGES, ids=lambda r: f"{r.test}{r.sex}")
def test_lab_values_stay_inside_the_middle_of_the_normal_range(row):
    values = {lab_value(row, subject=s, visit=v) for s in SUBJECTS for v in VISITS}
    margin = (row.high - row.low) / 4
    assert all(row.low + margin <= v <= row.high - margin for v in values), (min(values), row)
    assert len(values) > 3  # they vary from visit to visit


def test_the_white_cells_exceed_the_neutrophils_and_stay_normal_with_them():
    neut = normal_range(DEMO_RANGES, "NEUT", "")
    wbc = normal_range(DEMO_RANGES, "WBC", "")
    for s in SUBJECTS:
        for v in VISITS:
            n = lab_value(neut, subject=s, visit=v)
            w = leukocytes(n, subject=s, visit=v)
            assert n + Decimal("1.6") <= w and wbc.low <= w <= wbc.high


def test_ecg_readings_give_a_normal_triplicate_with_qtcf_grade_0():
    for s in SUBJECTS:
        for v in ("SCR", "C1D1", "EOT"):
            values = ecg_readings(subject=s, visit=v, time_point="visit")
            typed = [
                rules.TypedReading(**{f: Decimal(values[f"{f}_{n}"]) for f in READING_FIELDS})
                for n in (1, 2, 3)
            ]
            summary = rules.summarise(typed)
            assert summary.readings == 3
            assert rules.qtc_grade(qtc_ms=summary.qtcf_ms) == 0
            assert 60 <= summary.heart_rate_bpm <= 80


def test_sample_moments_follow_their_anchor():
    start, end = datetime(2026, 3, 2, 9, 30, tzinfo=UTC), datetime(2026, 3, 2, 9, 42, tzinfo=UTC)

    def at(anchor, offset, late=2):
        return sample_moment(
            anchor=anchor, offset_minutes=offset, dose_start=start, dose_end=end, late_minutes=late
        )

    assert at("pre_dose", 0) == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    assert at("after_end_minutes", 0) == datetime(2026, 3, 2, 9, 44, tzinfo=UTC)
    assert at("after_start_minutes", 240) == datetime(2026, 3, 2, 13, 32, tzinfo=UTC)
    assert at("after_start_minutes", 1440, late=35) == datetime(2026, 3, 3, 10, 5, tzinfo=UTC)
