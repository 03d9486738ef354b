"""Plausible vital signs (trial/vital_signs.py): table-driven, without a database."""

from decimal import Decimal

import pytest
from django.conf import settings

from dosing.models import VITAL_FIELDS
from trial.study_config import VITAL_SIGNS, read_config, vital_sign_values
from trial.vital_signs import VitalRange, check_vitals

# The plausible ranges of the study file ([vital_signs]), as dosing.selectors builds them.
PLAUSIBLE = tuple(
    VitalRange(v["code"], v["label"], v["unit"], v["plausible_min"], v["plausible_max"])
    for v in vital_sign_values(read_config(settings.STUDY_CONFIG_FILE))
)


def check(values: dict, **kwargs):
    return check_vitals(values, ranges=PLAUSIBLE, **kwargs)


# The smallest step a value is typed in: one decimal for temperature, whole numbers otherwise.
STEP = {"temperature_c": Decimal("0.1")}


def step(vital) -> Decimal:
    return STEP.get(vital.field, Decimal("1"))


def test_the_study_file_knows_every_vital_of_the_dosing_crf_in_order():
    assert VITAL_SIGNS == VITAL_FIELDS


def test_every_vital_of_the_dosing_crf_has_a_range():
    assert [v.field for v in PLAUSIBLE] == [
        "temperature_c",
        "pulse_bpm",
        "systolic_mmhg",
        "diastolic_mmhg",
        "respiratory_rate",
        "spo2_pct",
    ]


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("temperature_c", "30", "43"),
        ("pulse_bpm", "20", "250"),
        ("systolic_mmhg", "50", "260"),
        ("diastolic_mmhg", "20", "160"),
        ("respiratory_rate", "4", "60"),
        ("spo2_pct", "50", "100"),
    ],
)
def test_plausible_bounds_are_the_documented_ones(field, low, high):
    vital = next(v for v in PLAUSIBLE if v.field == field)
    assert (vital.low, vital.high) == (Decimal(low), Decimal(high))


@pytest.mark.parametrize("vital", PLAUSIBLE, ids=lambda v: v.field)
@pytest.mark.parametrize("bound", ["low", "high"])
def test_value_exactly_at_a_plausible_bound_is_accepted(vital, bound):
    assert check({vital.field: getattr(vital, bound)}) == []


@pytest.mark.parametrize("vital", PLAUSIBLE, ids=lambda v: v.field)
@pytest.mark.parametrize("side", ["below", "above"])
def test_value_just_outside_the_plausible_range_is_refused_naming_vital_and_range(vital, side):
    value = vital.low - step(vital) if side == "below" else vital.high + step(vital)

    problems = check({vital.field: value})

    assert len(problems) == 1
    field, message = problems[0]
    assert field == vital.field
    assert message.startswith(f"{vital.label} {value} {vital.unit}")
    assert f"plausible range {vital.low}–{vital.high} {vital.unit}" in message


def test_values_given_as_int_float_or_text_are_range_checked():
    assert check({"pulse_bpm": 251}) != []
    assert check({"temperature_c": 43.1}) != []
    assert check({"spo2_pct": "101"}) != []
    assert check({"pulse_bpm": 250, "temperature_c": 30.0, "spo2_pct": "100"}) == []


@pytest.mark.parametrize(
    ("systolic", "diastolic"),
    [(120, 120), (120, 121), (Decimal("90"), Decimal("150"))],
    ids=["equal", "one-above", "far-above"],
)
def test_diastolic_at_or_above_systolic_is_refused(systolic, diastolic):
    problems = check({"systolic_mmhg": systolic, "diastolic_mmhg": diastolic})

    assert problems == [
        (
            "diastolic_mmhg",
            f"diastolic pressure {diastolic} mmHg must be below systolic {systolic} mmHg",
        )
    ]


def test_diastolic_one_below_systolic_is_accepted():
    assert check({"systolic_mmhg": Decimal("120"), "diastolic_mmhg": Decimal("119")}) == []


def test_blood_pressure_given_as_text_is_compared_as_numbers():
    # As text, "90" >= "120": the comparison must be numeric, like the range check.
    assert check({"systolic_mmhg": "120", "diastolic_mmhg": "90"}) == []
    assert [f for f, _ in check({"systolic_mmhg": "90", "diastolic_mmhg": "120"})] == [
        "diastolic_mmhg"
    ]


def test_missing_values_are_not_checked():
    assert check({}) == []
    assert check({f: None for f in (v.field for v in PLAUSIBLE)}) == []
    assert check({"systolic_mmhg": None, "diastolic_mmhg": Decimal("90")}) == []
    assert check({"systolic_mmhg": Decimal("120"), "diastolic_mmhg": None}) == []


def test_prefix_selects_the_pre_or_post_dose_values_and_names_the_prefixed_field():
    values = {
        "pre_pulse_bpm": Decimal("300"),
        "post_pulse_bpm": Decimal("80"),
        "post_systolic_mmhg": Decimal("100"),
        "post_diastolic_mmhg": Decimal("110"),
    }

    pre = check(values, prefix="pre_")
    post = check(values, prefix="post_")

    assert [field for field, _ in pre] == ["pre_pulse_bpm"]
    assert "Pulse 300 beats/min" in pre[0][1]
    assert [field for field, _ in post] == ["post_diastolic_mmhg"]


def test_unprefixed_check_ignores_prefixed_values():
    assert check({"pre_pulse_bpm": Decimal("300")}) == []


def test_every_implausible_value_is_reported():
    values = {
        "temperature_c": Decimal("45"),
        "pulse_bpm": Decimal("10"),
        "respiratory_rate": Decimal("70"),
        "spo2_pct": Decimal("40"),
    }
    fields = [field for field, _ in check(values)]
    assert fields == ["temperature_c", "pulse_bpm", "respiratory_rate", "spo2_pct"]
