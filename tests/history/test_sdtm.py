"""SDTM MH rows of the medical history (history.sdtm), without a database."""

import pytest

from history.sdtm import MH_VARIABLES, HistoryFacts, mh_record, partial_dtc

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
    from dataclasses import replace

    row = mh_record(
        "S", "S-1", replace(HYPERTENSION, baseline_grade=None, baseline_grade_code="ND")
    )
    assert row["MHTOXGR"] == ""
