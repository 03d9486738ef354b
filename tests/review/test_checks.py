"""Automatic edit checks, table-driven, without a database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from review.checks import (
    AeReview,
    VisitDate,
    VitalLimit,
    ae_inconsistencies,
    visit_out_of_window,
    vitals_out_of_range,
)
from trial.study_config import read_config, vital_sign_values

# The clinical limits of the study file ([vital_signs]), as dosing.selectors builds them.
CLINICAL = tuple(
    VitalLimit(v["code"], v["label"], v["unit"], low=v["clinical_min"], high=v["clinical_max"])
    for v in vital_sign_values(read_config(settings.STUDY_CONFIG_FILE))
    if v["clinical_min"] is not None or v["clinical_max"] is not None
)

AWARE = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "fails"),
    [
        pytest.param("post_temperature_c", "38.0", True, id="temperature-38.0-is-fever"),
        pytest.param("post_temperature_c", "37.9", False, id="temperature-37.9-is-not"),
        pytest.param("pre_spo2_pct", "91", True, id="spo2-91-is-low"),
        pytest.param("pre_spo2_pct", "92", False, id="spo2-92-is-not"),
        pytest.param("pre_systolic_mmhg", "160", True, id="systolic-160-is-high"),
        pytest.param("pre_systolic_mmhg", "159", False, id="systolic-159-is-not"),
        pytest.param("post_diastolic_mmhg", "100", True, id="diastolic-100-is-high"),
        pytest.param("post_pulse_bpm", "120", True, id="pulse-120-is-high"),
        pytest.param("post_pulse_bpm", "119", False, id="pulse-119-is-not"),
    ],
)
def test_vital_sign_limits(field, value, fails):
    failures = vitals_out_of_range({field: Decimal(value)}, limits=CLINICAL)
    assert [f.field_name for f in failures] == ([field] if fails else [])
    if fails:
        assert failures[0].check_code == f"vital_out_of_range:{field}"
        assert value in failures[0].message


def test_missing_vital_signs_are_not_checked():
    assert vitals_out_of_range({"pre_temperature_c": None}, limits=CLINICAL) == []


def test_pre_and_post_dose_fever_are_two_failures():
    failures = vitals_out_of_range(
        {"pre_temperature_c": Decimal("38.2"), "post_temperature_c": Decimal("38.6")},
        limits=CLINICAL,
    )
    assert [f.message.split()[0] for f in failures] == ["Pre-dose", "Post-dose"]


def test_one_set_of_vital_signs_names_its_fields_and_no_time_point():
    failures = vitals_out_of_range(
        {"temperature_c": Decimal("38.0"), "pre_temperature_c": Decimal("39.0")},
        limits=CLINICAL,
        time_points={"": ""},
    )
    assert [(f.check_code, f.field_name) for f in failures] == [
        ("vital_out_of_range:temperature_c", "temperature_c")
    ]
    assert failures[0].message.startswith("Temperature 38.0 °C is at or above 38.0 °C: ")


WINDOW = dict(code="C1D8", window_opens_on=date(2026, 11, 27), window_closes_on=date(2026, 11, 29))


@pytest.mark.parametrize(
    ("performed_on", "expected"),
    [
        pytest.param(date(2026, 11, 26), "1 days early", id="day-before-the-window"),
        pytest.param(date(2026, 11, 27), None, id="first-day-of-the-window"),
        pytest.param(date(2026, 11, 29), None, id="last-day-of-the-window"),
        pytest.param(date(2026, 12, 2), "3 days late", id="three-days-after"),
        pytest.param(None, None, id="not-performed"),
    ],
)
def test_visit_window(performed_on, expected):
    failures = visit_out_of_window(VisitDate(performed_on=performed_on, **WINDOW))
    assert [expected in f.message for f in failures] == ([True] if expected else [])


def ae(**changes) -> AeReview:
    values = dict(sequence=1, grade=3, serious=True, relationship="", aware_at=AWARE)
    return AeReview(**(values | changes))


@pytest.mark.parametrize(
    ("review", "hours", "codes"),
    [
        pytest.param(ae(), 23, [], id="sae-causality-not-due-at-23h"),
        pytest.param(ae(), 24, ["sae_causality_missing"], id="sae-causality-due-at-24h"),
        pytest.param(ae(relationship="possible"), 48, [], id="sae-causality-assessed"),
        pytest.param(ae(serious=False, aware_at=None), 48, [], id="non-serious-no-clock"),
        pytest.param(ae(grade=4, serious=False, aware_at=None), 0, ["ae_grade4_not_serious"]),
        pytest.param(ae(voided=True), 48, [], id="voided-aes-are-not-checked"),
    ],
)
def test_ae_inconsistencies(review, hours, codes):
    failures = ae_inconsistencies(review, now=AWARE + timedelta(hours=hours))
    assert [f.check_code for f in failures] == codes


def test_failure_messages_do_not_depend_on_the_clock():
    # A query closed by a person is not raised again while the message is the same.
    late = ae_inconsistencies(ae(), now=AWARE + timedelta(hours=30))
    later = ae_inconsistencies(ae(), now=AWARE + timedelta(days=3))
    assert late == later
