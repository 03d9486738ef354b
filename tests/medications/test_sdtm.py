"""SDTM CM rows of the medications (medications.sdtm), without a database."""

from dataclasses import replace
from decimal import Decimal

import pytest

from medications.rules import Timing
from medications.sdtm import CM_VARIABLES, MedicationFacts, cm_record

PARACETAMOL = MedicationFacts(
    sequence=1,
    medication="Paracetamol",
    indication="Fever",
    dose=Decimal("1000"),
    dose_unit="mg",
    frequency="as needed",
    route="oral",
    start_date="2019",
    ongoing=True,
    end_date="",
    timing=Timing.CONCOMITANT,
)


def test_an_ongoing_concomitant_medication():
    row = cm_record("S", "S-1", PARACETAMOL)
    assert tuple(row) == CM_VARIABLES
    assert row == {
        "STUDYID": "S",
        "DOMAIN": "CM",
        "USUBJID": "S-1",
        "CMSEQ": 1,
        "CMTRT": "Paracetamol",
        "CMCAT": "CONCOMITANT MEDICATION",
        "CMINDC": "Fever",
        "CMDOSE": Decimal("1000"),
        "CMDOSU": "mg",
        "CMDOSFRQ": "as needed",
        "CMROUTE": "ORAL",
        "CMSTDTC": "2019",
        "CMENDTC": "",
        "CMENRTPT": "ONGOING",
        "CMENTPT": "END OF STUDY",
    }


@pytest.mark.parametrize(
    ("timing", "category"),
    [
        (Timing.PRIOR, "PRIOR MEDICATION"),
        (Timing.CONCOMITANT, "CONCOMITANT MEDICATION"),
        (None, ""),
    ],
)
def test_cmcat_is_prior_or_concomitant(timing, category):
    assert cm_record("S", "S-1", replace(PARACETAMOL, timing=timing))["CMCAT"] == category


def test_a_stopped_medication_with_an_unknown_dose():
    facts = replace(
        PARACETAMOL, dose=None, dose_unit="", ongoing=False, end_date="2026-11", route="inhaled"
    )
    row = cm_record("S", "S-1", facts)
    assert (row["CMDOSE"], row["CMDOSU"]) == (None, "")
    assert (row["CMENDTC"], row["CMENRTPT"], row["CMENTPT"]) == ("2026-11", "", "")
    assert row["CMROUTE"] == "RESPIRATORY (INHALATION)"
