"""SDTM SV (review.trial_sdtm) is pure: a visit done in, its record out."""

from datetime import date

from review.sdtm import subject_key
from review.trial_sdtm import VisitFacts, sv_record

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))


def test_a_visit_done_is_prespecified_and_occurred_on_its_study_day():
    visit = VisitFacts("C1D8", "Cycle 1 Day 8", 3, "safety", date(2026, 11, 28))
    record = sv_record(KEY, visit)
    assert (record["VISITNUM"], record["VISIT"]) == (3, "Cycle 1 Day 8")
    assert (record["SVPRESP"], record["SVOCCUR"]) == ("Y", "Y")
    assert (record["SVSTDTC"], record["SVSTDY"], record["SVENDY"]) == ("2026-11-28", 8, 8)
    assert "EPOCH" not in record  # SDTMIG 3.4: SV has no EPOCH
