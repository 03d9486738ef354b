"""Medication rules (medications.rules), without a database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from medications.rules import (
    MedicationFacts,
    Timing,
    check_medication,
    prohibited_after_consent,
    timing,
)

TODAY = date(2026, 12, 1)
CONSENT = date(2026, 11, 13)
FIRST_DOSE = date(2026, 11, 21)
PARACETAMOL = MedicationFacts(
    medication="Paracetamol",
    start="2026-11-25",
    ongoing=True,
    end="",
    dose=Decimal("1000"),
    dose_unit="mg",
    subject_id=1,
)


# Prior or concomitant, at the first-dose boundary: stopped the day before the dose is prior,
# stopped on the day of the dose is concomitant.
@pytest.mark.parametrize(
    ("ongoing", "start", "end", "first_dose", "expected"),
    [
        (False, "2026-10", "2026-11-20", FIRST_DOSE, Timing.PRIOR),
        (False, "2026-10", "2026-11-21", FIRST_DOSE, Timing.CONCOMITANT),
        (False, "2026-10", "2026-11-22", FIRST_DOSE, Timing.CONCOMITANT),
        (False, "2026-10", "2026-11", FIRST_DOSE, Timing.CONCOMITANT),  # may be after the 21st
        (False, "2026-10", "2026-10", FIRST_DOSE, Timing.PRIOR),
        (False, "2019", "2019", None, Timing.PRIOR),  # stopped, no dose yet: prior
        (True, "2026-10", "", FIRST_DOSE, Timing.CONCOMITANT),
        (True, "2026-11-21", "", FIRST_DOSE, Timing.CONCOMITANT),
        (True, "2026-10", "", None, None),  # no dose yet: not known
        (False, "2026-11-21", "UNK", FIRST_DOSE, Timing.CONCOMITANT),  # began on the dose day
        (False, "2026-11-20", "UNK", FIRST_DOSE, None),
        (False, "UNK", "UNK", FIRST_DOSE, None),
    ],
)
def test_prior_or_concomitant_from_the_first_dose(ongoing, start, end, first_dose, expected):
    facts = replace(PARACETAMOL, ongoing=ongoing, start=start, end=end)
    assert timing(facts, first_dose) is expected


def test_a_complete_entry_is_accepted():
    assert check_medication(PARACETAMOL, today=TODAY) == []
    assert (
        check_medication(
            replace(PARACETAMOL, dose=None, dose_unit="", dose_code="UNK"), today=TODAY
        )
        == []
    )
    assert check_medication(replace(PARACETAMOL, dose=None, dose_unit=""), today=TODAY) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dose_unit": " "}, "dose_unit", "A dose of 1000 needs its unit."),
        ({"dose": None}, "dose", "A unit (mg) needs its dose, or UNK."),
        ({"dose": Decimal("0")}, "dose", "A dose is more than 0."),
        ({"dose_code": "UNK"}, "dose", "Give a dose or a code, not both."),
        ({"medication": ""}, "medication", "Medication is required"),
        ({"start": ""}, "start_date", "Start date is required, or UNK."),
        ({"start": "2026-12-02"}, "start_date", "Start date 2026-12-02 is in the future."),
        (
            {"start": "2026-11", "ongoing": False, "end": "2026-10-31"},
            "end_date",
            "End date 2026-10-31 is before start date 2026-11.",
        ),
        ({"ongoing": True, "end": "2026-11"}, "end_date", "An ongoing medication has no end"),
        ({"ongoing": False, "end": ""}, "end_date", "End date is required when not ongoing"),
        (
            {"indication_ae_subject_id": 2},
            "indication_ae",
            "The indication is an adverse event of another subject.",
        ),
        (
            {"indication_history_subject_id": 2},
            "indication_history",
            "The indication is a medical history condition of another subject.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named(changes, field, message):
    found = check_medication(replace(PARACETAMOL, **changes), today=TODAY)
    assert any(f == field and message in m for f, m in found), found


def test_an_indication_of_the_same_subject_is_accepted():
    facts = replace(PARACETAMOL, indication_ae_subject_id=1, indication_history_subject_id=1)
    assert check_medication(facts, today=TODAY) == []


PREDNISOLONE = replace(PARACETAMOL, medication="Prednisolone", immunosuppressive=True)


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({}, ["cm_prohibited_after_consent:immunosuppressive"]),
        (
            {"ongoing": False, "end": "2026-11-13"},
            ["cm_prohibited_after_consent:immunosuppressive"],
        ),
        ({"ongoing": False, "end": "2026-11-12"}, []),  # stopped the day before consent
        ({"ongoing": False, "end": "2026-11"}, ["cm_prohibited_after_consent:immunosuppressive"]),
        ({"ongoing": False, "end": "2026-10"}, []),
        ({"ongoing": False, "end": "UNK"}, ["cm_prohibited_after_consent:immunosuppressive"]),
        ({"immunosuppressive": False}, []),
        (
            {"immunosuppressive": False, "investigational": True},
            ["cm_prohibited_after_consent:investigational"],
        ),
        (
            {"investigational": True},
            [
                "cm_prohibited_after_consent:immunosuppressive",
                "cm_prohibited_after_consent:investigational",
            ],
        ),
    ],
)
def test_prohibited_medications_after_consent(changes, codes):
    failures = prohibited_after_consent(4, replace(PREDNISOLONE, **changes), CONSENT)
    assert [f.check_code for f in failures] == codes


def test_a_deviation_names_the_entry_and_the_exclusion():
    (failure,) = prohibited_after_consent(4, PREDNISOLONE, CONSENT)
    assert failure.field_name == "immunosuppressive"
    assert failure.message.startswith("Protocol deviation: CM4 Prednisolone is an immunosup")
    assert "exclusion 8" in failure.message
    assert prohibited_after_consent(4, PREDNISOLONE, None) == []
