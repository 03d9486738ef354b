"""SDTM CM rows of the medications and prior systemic lines (medications.sdtm), without a
database."""

from dataclasses import replace
from decimal import Decimal

import pytest

from history.sdtm import SystemicLineFacts
from medications.rules import Timing
from medications.sdtm import CM_VARIABLES, MedicationFacts, cm_record, line_cm_records

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
    row = cm_record("S", "S-1", 4, replace(PARACETAMOL, sequence=2))
    assert tuple(row) == CM_VARIABLES
    assert row == {
        "STUDYID": "S",
        "DOMAIN": "CM",
        "USUBJID": "S-1",
        "CMSEQ": 4,  # counted with the subject's prior cancer therapy
        "CMGRPID": "",
        "CMSPID": "CM2",  # the medication's own number
        "CMTRT": "Paracetamol",
        "CMCAT": "CONCOMITANT MEDICATION",
        "CMINDC": "Fever",
        "CMDOSE": Decimal("1000"),
        "CMDOSU": "mg",
        "CMDOSFRQ": "as needed",
        "CMROUTE": "ORAL",
        "CMRSDISC": "",
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
    assert cm_record("S", "S-1", 1, replace(PARACETAMOL, timing=timing))["CMCAT"] == category


def test_a_stopped_medication_with_an_unknown_dose():
    facts = replace(
        PARACETAMOL, dose=None, dose_unit="", ongoing=False, end_date="2026-11", route="inhaled"
    )
    row = cm_record("S", "S-1", 1, facts)
    assert (row["CMDOSE"], row["CMDOSU"]) == (None, "")
    assert (row["CMENDTC"], row["CMENRTPT"], row["CMENTPT"]) == ("2026-11", "", "")
    assert row["CMROUTE"] == "RESPIRATORY (INHALATION)"


def test_a_prior_systemic_line_is_one_cm_record_per_agent_numbered_on():
    line = SystemicLineFacts(
        sequence=1,
        line_number=1,
        regimen="FOLFOX",
        agents="oxaliplatin, fluorouracil",
        start_date="2025-01",
        end_date="2025-11",
        reason_stopped="toxicity",
    )
    rows = line_cm_records("S", "S-1", 3, line)
    assert all(tuple(row) == CM_VARIABLES for row in rows)
    assert [(r["CMSEQ"], r["CMTRT"], r["CMGRPID"], r["CMSPID"]) for r in rows] == [
        (3, "oxaliplatin", "LINE 1", "PTS1"),
        (4, "fluorouracil", "LINE 1", "PTS1"),
    ]
    assert {(r["CMCAT"], r["CMRSDISC"], r["CMDOSE"], r["CMENRTPT"]) for r in rows} == {
        ("PRIOR CANCER THERAPY", "TOXICITY", None, "")
    }
