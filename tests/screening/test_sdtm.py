"""SDTM IE (screening.sdtm) is pure: the eligibility findings in, the criteria not met out."""

from datetime import date

import pytest

from review.sdtm import subject_key
from screening.sdtm import EligibilityFinding, criterion_testcd, ie_records

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))


def test_ie_lists_only_the_criteria_not_met():
    findings = [
        EligibilityFinding("IN1", "Age", "met", date(2026, 11, 19)),
        EligibilityFinding("IN3", "ECOG performance status", "failed", date(2026, 11, 19)),
        EligibilityFinding("EX10", "Allergy", "failed", date(2026, 11, 19)),
        EligibilityFinding("EX2", "Tumour near vessels", "missing", date(2026, 11, 19)),
    ]
    records = ie_records(KEY, findings)
    assert [(r["IETESTCD"], r["IECAT"], r["IEORRES"], r["IESEQ"]) for r in records] == [
        ("INCL03", "INCLUSION", "N", 1),
        ("EXCL10", "EXCLUSION", "Y", 2),
    ]


@pytest.mark.parametrize(
    ("code", "testcd"), [("IN2", "INCL02"), ("EX10", "EXCL10"), ("in7", "INCL07"), ("X", "X")]
)
def test_criterion_short_names_fit_eight_characters(code, testcd):
    assert criterion_testcd(code) == testcd
