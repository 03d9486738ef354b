"""The vital signs CRF's own rules (vitals/rules.py): table-driven, without a database."""

from datetime import date, timedelta

import pytest

from trial.study_config import VITAL_SIGNS as STUDY_FILE_VITALS
from vitals import rules
from vitals.models import VitalSigns

TODAY = date(2026, 11, 23)
CONSENT = date(2026, 11, 13)
WINDOW = (date(2026, 11, 20), date(2026, 11, 22))


def problem(measured_on, *, visit_on=None, consent_on=CONSENT):
    return rules.measured_on_problem(
        measured_on=measured_on,
        today=TODAY,
        consent_on=consent_on,
        window=WINDOW,
        visit_on=visit_on,
    )


def test_the_crf_records_the_study_file_s_vital_signs():
    fields = {f.name for f in VitalSigns._meta.get_fields()}
    assert set(STUDY_FILE_VITALS) <= fields


@pytest.mark.parametrize(
    ("measured_on", "visit_on", "expected"),
    [
        pytest.param(WINDOW[0], None, None, id="first-day-of-the-window"),
        pytest.param(WINDOW[1], None, None, id="last-day-of-the-window"),
        pytest.param(WINDOW[0] - timedelta(days=1), None, "outside the visit's window",
                     id="day-before-the-window"),
        pytest.param(WINDOW[1] + timedelta(days=1), None, "outside the visit's window",
                     id="day-after-the-window"),
        pytest.param(TODAY, TODAY, None, id="the-day-a-late-visit-was-performed"),
        pytest.param(TODAY, WINDOW[1], "nor the day it was performed", id="late-not-that-day"),
        pytest.param(TODAY + timedelta(days=1), None, "in the future", id="tomorrow"),
        pytest.param(CONSENT - timedelta(days=1), CONSENT - timedelta(days=1),
                     "before the informed consent", id="day-before-consent"),
        pytest.param(None, None, "required", id="no-date"),
    ],
)  # fmt: skip
def test_the_date_of_the_measurements(measured_on, visit_on, expected):
    found = problem(measured_on, visit_on=visit_on)
    assert (found is None) if expected is None else (expected in found)


def test_the_consent_day_itself_is_accepted():
    assert (
        rules.measured_on_problem(
            measured_on=CONSENT,
            today=TODAY,
            consent_on=CONSENT,
            window=(CONSENT, TODAY),
            visit_on=None,
        )
        is None
    )


def test_no_measurement_without_a_consent():
    assert "no informed consent" in problem(WINDOW[0], consent_on=None)


@pytest.mark.parametrize(
    ("dosing", "missed", "not_applicable", "expected"),
    [
        (False, False, False, None),
        (True, False, False, "dosing CRF"),
        (False, True, False, "missed"),
        (False, False, True, "does not apply"),
    ],
)
def test_which_visits_take_the_crf(dosing, missed, not_applicable, expected):
    found = rules.visit_problem(dosing_visit=dosing, missed=missed, not_applicable=not_applicable)
    assert (found is None) if expected is None else (expected in found)


@pytest.mark.parametrize(
    ("values", "none"),
    [
        ({}, True),
        (dict.fromkeys(STUDY_FILE_VITALS), True),
        ({"spo2_pct": 98}, False),
        ({"temperature_c": 0}, False),  # a zero is a value (refused as implausible elsewhere)
    ],
)
def test_a_set_needs_one_vital_sign_at_least(values, none):
    assert rules.none_measured(values) is none
