"""PK sample time deviation beyond tolerance, the handling stages' order and the study's
schedule of samples (samples/timing.py)."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samples.timing import (
    PlannedSample,
    SampleTimeError,
    sample_timing,
    scheduled_at,
    stage_problem,
)

DOSE = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
PRE = PlannedSample("pre-dose", timedelta(0), timedelta(minutes=60))
H1 = PlannedSample("1 h", timedelta(hours=1), timedelta(minutes=5))
H24 = PlannedSample("24 h", timedelta(hours=24), timedelta(hours=2))


@pytest.mark.parametrize(
    ("planned", "collected", "deviation", "beyond"),
    [
        (H1, DOSE + timedelta(hours=1), timedelta(0), False),
        (H1, DOSE + timedelta(minutes=65), 5 * MIN, False),  # at the tolerance
        (H1, DOSE + timedelta(minutes=66), 6 * MIN, True),
        (H1, DOSE + timedelta(minutes=55), -5 * MIN, False),
        (H1, DOSE + timedelta(minutes=54), -6 * MIN, True),
        (H24, DOSE + timedelta(hours=26), timedelta(hours=2), False),
        (H24, DOSE + timedelta(hours=26, minutes=1), timedelta(hours=2, minutes=1), True),
        (PRE, DOSE - 60 * MIN, -60 * MIN, False),
        (PRE, DOSE - 61 * MIN, -61 * MIN, True),
        (PRE, DOSE, timedelta(0), False),
    ],
)
def test_deviation_from_nominal_and_the_tolerance_flag(planned, collected, deviation, beyond):
    timing = sample_timing(planned=planned, dose_started_at=DOSE, collected_at=collected)
    assert timing.deviation == deviation
    assert timing.beyond_tolerance is beyond


def test_a_post_dose_sample_before_the_dose_is_refused():
    with pytest.raises(SampleTimeError, match="before the dose") as caught:
        sample_timing(planned=H1, dose_started_at=DOSE, collected_at=DOSE - MIN)
    assert caught.value.field == "collected_at"


def test_a_pre_dose_sample_after_the_dose_started_is_refused():
    with pytest.raises(SampleTimeError, match="after the dose started"):
        sample_timing(planned=PRE, dose_started_at=DOSE, collected_at=DOSE + MIN)


END = DOSE + timedelta(minutes=15)
EOI = PlannedSample("EOI", timedelta(0), timedelta(minutes=5), from_end=True)


@pytest.mark.parametrize(
    ("collected", "deviation", "beyond"),
    [
        (END, timedelta(0), False),
        (END + 5 * MIN, 5 * MIN, False),
        (END + 6 * MIN, 6 * MIN, True),
        (END - 5 * MIN, -5 * MIN, False),
        (END - 6 * MIN, -6 * MIN, True),  # during the injection, too early
    ],
)
def test_the_end_of_injection_is_timed_from_the_dose_end(collected, deviation, beyond):
    timing = sample_timing(
        planned=EOI, dose_started_at=DOSE, dose_ended_at=END, collected_at=collected
    )
    assert (timing.deviation, timing.beyond_tolerance) == (deviation, beyond)


def test_the_end_of_injection_is_not_pre_dose_and_needs_the_dose_end():
    assert not EOI.is_pre_dose
    with pytest.raises(SampleTimeError, match="before the dose"):
        sample_timing(planned=EOI, dose_started_at=DOSE, dose_ended_at=END, collected_at=DOSE - MIN)
    with pytest.raises(ValueError, match="end of the injection"):
        sample_timing(planned=EOI, dose_started_at=DOSE, collected_at=END)


COLLECTED = DOSE + timedelta(hours=1)
NOW = DOSE + timedelta(days=2)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("stage", "at", "done", "problem"),
    [
        ("processed", COLLECTED, {}, ""),
        ("processed", COLLECTED - MIN, {}, "after its collection"),
        ("processed", NOW, {}, ""),
        ("processed", NOW + MIN, {}, "not in the future"),
        ("stored", COLLECTED + H, {}, "processed before it is stored"),
        ("stored", COLLECTED + H, {"processed": COLLECTED + H}, ""),
        ("stored", COLLECTED + H - MIN, {"processed": COLLECTED + H}, "after it is processed"),
        ("shipped", NOW, {"processed": COLLECTED}, "stored before it is shipped"),
        ("shipped", NOW, {"processed": COLLECTED, "stored": COLLECTED + H}, ""),
        ("processed", NOW, {"processed": COLLECTED}, "already processed"),
        ("thawed", NOW, {}, "Unknown stage"),
    ],
)
def test_the_handling_stages_are_recorded_in_order(stage, at, done, problem):
    found = stage_problem(stage=stage, at=at, now=NOW, collected_at=COLLECTED, done=done)
    assert (problem in found) if problem else found == ""


SCHEDULE = {
    "times": [
        {
            "code": "PRE",
            "label": "Pre-dose",
            "anchor": "pre_dose",
            "offset_minutes": 0,
            "tolerance_minutes": 60,
        },
        {
            "code": "EOI",
            "label": "End of injection",
            "anchor": "after_end_minutes",
            "offset_minutes": 0,
            "tolerance_minutes": 5,
        },
        {
            "code": "H1",
            "label": "1 h",
            "anchor": "after_start_minutes",
            "offset_minutes": 60,
            "tolerance_minutes": 10,
        },
    ],
    "types": [
        {"code": "PK", "label": "PK", "visits": ["C1D1", "C2D1"], "times": ["PRE", "EOI", "H1"]},
        {"code": "ADA", "label": "ADA", "visits": ["C2D1"], "times": ["PRE"]},
    ],
}


def test_the_schedule_gives_the_samples_of_a_visit_and_their_timing():
    assert [(s.type_code, s.time_code) for s in scheduled_at(SCHEDULE, "C1D1")] == [
        ("PK", "PRE"),
        ("PK", "EOI"),
        ("PK", "H1"),
    ]
    assert [(s.type_code, s.time_code) for s in scheduled_at(SCHEDULE, "C2D1")][-1] == (
        "ADA",
        "PRE",
    )
    assert scheduled_at(SCHEDULE, "C1D8") == []
    eoi, h1 = scheduled_at(SCHEDULE, "C1D1")[1:]
    assert eoi.planned == PlannedSample("End of injection", timedelta(0), 5 * MIN, from_end=True)
    assert h1.planned == PlannedSample("1 h", H, 10 * MIN)


def test_the_rule_module_imports_only_the_standard_library():
    source = Path(__file__).resolve().parents[2].joinpath("samples", "timing.py").read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in {"dataclasses", "datetime"}, f"imports {name}"
