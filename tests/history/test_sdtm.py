"""SDTM rows of the history app (history.sdtm), without a database: MH of the medical
history, the CM values of prior systemic lines, PR of prior radiotherapy and surgery."""

from dataclasses import replace
from decimal import Decimal

import pytest

from history.sdtm import (
    MH_VARIABLES,
    PR_NAMES,
    HistoryFacts,
    RadiotherapyFacts,
    SurgeryFacts,
    SystemicLineFacts,
    line_cm_values,
    mh_record,
    partial_dtc,
    radiotherapy_pr_record,
    surgery_pr_record,
)
from review.sdtm import SubjectKey

HYPERTENSION = HistoryFacts(
    sequence=2,
    condition="High blood pressure",
    recorded_term="Hypertension",
    start_date="2019-03",
    ongoing=True,
    end_date="",
    baseline_grade=2,
    baseline_grade_code="",
)


@pytest.mark.parametrize(
    ("text", "dtc"),
    [
        ("2019", "2019"),
        ("2019-03", "2019-03"),
        ("2019-03-14", "2019-03-14"),
        ("UNK", ""),
        ("NASK", ""),
        ("", ""),
    ],
)
def test_partial_dates_are_written_at_their_precision(text, dtc):
    assert partial_dtc(text) == dtc


def test_an_ongoing_condition_with_its_baseline_grade():
    row = mh_record("IL22BP-LNP-001", "IL22BP-LNP-001-FR01-001", HYPERTENSION)
    assert tuple(row) == MH_VARIABLES
    assert row == {
        "STUDYID": "IL22BP-LNP-001",
        "DOMAIN": "MH",
        "USUBJID": "IL22BP-LNP-001-FR01-001",
        "MHSEQ": 2,
        "MHTERM": "High blood pressure",
        "MHDECOD": "Hypertension",
        "MHTOXGR": "2",
        "MHSTDTC": "2019-03",
        "MHENDTC": "",
        "MHENRTPT": "ONGOING",
        "MHENTPT": "SCREENING",
    }


def test_an_ended_condition_with_unknown_start_and_no_grade():
    facts = HistoryFacts(
        sequence=1,
        condition="Appendicitis",
        recorded_term="",
        start_date="UNK",
        ongoing=False,
        end_date="2001",
        baseline_grade=None,
        baseline_grade_code="",
    )
    row = mh_record("S", "S-1", facts)
    assert (row["MHSTDTC"], row["MHENDTC"], row["MHENRTPT"], row["MHENTPT"]) == ("", "2001", "", "")
    assert (row["MHDECOD"], row["MHTOXGR"]) == ("", "")


def test_a_coded_baseline_grade_leaves_mhtoxgr_empty():
    row = mh_record(
        "S", "S-1", replace(HYPERTENSION, baseline_grade=None, baseline_grade_code="ND")
    )
    assert row["MHTOXGR"] == ""


# --- prior cancer therapy: systemic lines in CM, radiotherapy and surgery in PR --------------

FOLFIRI = SystemicLineFacts(
    sequence=3,
    line_number=2,
    regimen="FOLFIRI",
    agents="irinotecan, fluorouracil\nfolinic acid",
    start_date="2026-03",
    end_date="2026-09-14",
    reason_stopped="progression",
)


def test_a_systemic_line_gives_one_cm_record_per_agent_tied_by_its_line():
    assert line_cm_values(FOLFIRI) == [
        {
            "CMGRPID": "LINE 2",
            "CMSPID": "PTS3",
            "CMTRT": agent,
            "CMCAT": "PRIOR CANCER THERAPY",
            "CMRSDISC": "PROGRESSION",
            "CMSTDTC": "2026-03",
            "CMENDTC": "2026-09-14",
        }
        for agent in ("irinotecan", "fluorouracil", "folinic acid")
    ]


@pytest.mark.parametrize(
    ("reason", "other", "cmrsdisc"),
    [
        ("progression", "", "PROGRESSION"),
        ("toxicity", "", "TOXICITY"),
        ("other", "Patient's choice", "Patient's choice"),
        ("other", "  ", "OTHER"),
    ],
)
def test_cmrsdisc_is_the_reason_the_line_stopped(reason, other, cmrsdisc):
    facts = replace(FOLFIRI, reason_stopped=reason, reason_stopped_other=other)
    assert {row["CMRSDISC"] for row in line_cm_values(facts)} == {cmrsdisc}


@pytest.mark.parametrize(
    ("agents", "treatments"),
    [
        ("oxaliplatin + capecitabine", ["oxaliplatin", "capecitabine"]),
        ("carmustine", ["carmustine"]),
        (" , ", ["FOLFIRI"]),  # no agent to read: the regimen
    ],
)
def test_the_agents_are_read_as_typed(agents, treatments):
    assert [row["CMTRT"] for row in line_cm_values(replace(FOLFIRI, agents=agents))] == treatments


def test_unknown_line_dates_are_left_empty():
    facts = replace(FOLFIRI, start_date="UNK", end_date="2025")
    assert {(r["CMSTDTC"], r["CMENDTC"]) for r in line_cm_values(facts)} == {("", "2025")}


KEY = SubjectKey("S", "S-1")
AXILLA = RadiotherapyFacts(
    sequence=1,
    site="Left axilla",
    total_dose_gy=Decimal("50.00"),
    start_date="2024-02-05",
    end_date="2024-03",
)


def test_a_radiotherapy_course_with_its_total_dose():
    row = radiotherapy_pr_record(KEY, 4, AXILLA)
    assert tuple(row) == PR_NAMES
    assert row == {
        "STUDYID": "S",
        "DOMAIN": "PR",
        "USUBJID": "S-1",
        "PRSEQ": 4,
        "PRSPID": "RT1",
        "PRTRT": "RADIOTHERAPY",
        "PRCAT": "PRIOR CANCER THERAPY",
        "PRSCAT": "RADIOTHERAPY",
        "PRDOSE": 50.0,
        "PRDOSU": "Gy",
        "PRLOC": "",  # the axilla is no organ of the known words
        "PRLAT": "",  # nor a side without a location
        "PRSTDTC": "2024-02-05",
        "PRENDTC": "2024-03",
    }


@pytest.mark.parametrize(
    ("site", "dose", "expected"),
    [
        ("Right lung", Decimal("60"), (60.0, "Gy", "LUNG", "RIGHT")),
        ("Whole brain", None, (None, "", "BRAIN", "")),  # dose coded UNK
        ("Pelvis", Decimal("45.5"), (45.5, "Gy", "", "")),
    ],
)
def test_radiotherapy_dose_and_location(site, dose, expected):
    row = radiotherapy_pr_record(KEY, 1, replace(AXILLA, site=site, total_dose_gy=dose))
    assert (row["PRDOSE"], row["PRDOSU"], row["PRLOC"], row["PRLAT"]) == expected


@pytest.mark.parametrize(
    ("procedure", "on", "expected"),
    [
        ("Wide local excision", "2023-07", ("Wide local excision", "2023-07", "", "")),
        ("Left liver lobectomy", "2022", ("Left liver lobectomy", "2022", "LIVER", "LEFT")),
        ("Excision", "UNK", ("Excision", "", "", "")),
    ],
)
def test_a_surgery_is_its_procedure_on_one_date(procedure, on, expected):
    row = surgery_pr_record(KEY, 2, SurgeryFacts(sequence=5, procedure=procedure, surgery_date=on))
    assert tuple(row) == PR_NAMES
    assert (row["PRTRT"], row["PRSTDTC"], row["PRLOC"], row["PRLAT"]) == expected
    assert (row["PRSEQ"], row["PRSPID"], row["PRCAT"], row["PRSCAT"]) == (
        2,
        "SURGERY5",
        "PRIOR CANCER THERAPY",
        "SURGERY",
    )
    assert (row["PRENDTC"], row["PRDOSE"], row["PRDOSU"]) == ("", None, "")
