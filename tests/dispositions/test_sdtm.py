"""SDTM DS (dispositions.sdtm) is pure: disposition facts in, records with NCOMPLT terms out."""

from datetime import date, datetime, time

import pytest

from dispositions import sdtm as ds
from review.sdtm import subject_key


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time at the site, as the SDTM mappings take it (no offset)."""
    return datetime.combine(day, time(hour, minute, second))


KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))

EVENT, MILESTONE = "DISPOSITION EVENT", "PROTOCOL MILESTONE"
DISPOSITIONS = {
    "consent": (
        ds.DispositionFacts("consent", date(2026, 11, 13)),
        (MILESTONE, "INFORMED CONSENT OBTAINED", ""),  # EPOCH null on a milestone
    ),
    "screen-failure": (
        ds.DispositionFacts("screen_failure", date(2026, 11, 19), "ECOG 3"),
        (EVENT, "SCREEN FAILURE", "SCREENING"),
    ),
    "eot-all-cycles": (
        ds.DispositionFacts("end_of_treatment", date(2027, 3, 1), all_cycles_given=True),
        (EVENT, "COMPLETED", "TREATMENT"),
    ),
    "eot-early": (
        ds.DispositionFacts("end_of_treatment", date(2027, 1, 1), "Toxicity"),
        (EVENT, "OTHER", "TREATMENT"),
    ),
    "withdrawal": (
        ds.DispositionFacts("withdrawal", date(2026, 12, 1)),
        (EVENT, "WITHDRAWAL BY SUBJECT", "TREATMENT"),
    ),
    "withdrawal-in-follow-up": (
        ds.DispositionFacts("withdrawal", date(2027, 6, 1), after_end_of_treatment=True),
        (EVENT, "WITHDRAWAL BY SUBJECT", "FOLLOW-UP"),
    ),
    "lost": (
        ds.DispositionFacts("lost_to_follow_up", date(2027, 6, 1), after_end_of_treatment=True),
        (EVENT, "LOST TO FOLLOW-UP", "FOLLOW-UP"),
    ),
    "death": (ds.DispositionFacts("death", date(2027, 2, 1)), (EVENT, "DEATH", "TREATMENT")),
    "end-of-study": (
        ds.DispositionFacts("end_of_study", date(2028, 3, 1)),
        (EVENT, "COMPLETED", "FOLLOW-UP"),
    ),
}


@pytest.mark.parametrize(("facts", "expected"), DISPOSITIONS.values(), ids=DISPOSITIONS.keys())
def test_disposition_terms(facts, expected):
    assert ds.disposition_terms(facts) == expected


def test_ds_records_are_in_time_order_with_the_reason_as_term():
    records = ds.ds_records(
        KEY,
        [
            ds.DispositionFacts("withdrawal", date(2026, 12, 1), "Consent withdrawn"),
            ds.DispositionFacts("consent", local(date(2026, 11, 13), 10, 0)),
        ],
    )
    assert [(r["DSSEQ"], r["DSDECOD"], r["DSTERM"]) for r in records] == [
        (1, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED"),
        (2, "WITHDRAWAL BY SUBJECT", "Consent withdrawn"),
    ]
