"""The eligibility answers of inclusions 2, 5 and 6 beside what the prior cancer therapy
records give (screening.prior_therapy): pure, no database."""

from datetime import date, timedelta

import pytest

from screening.eligibility import EligibilityFacts, Outcome
from screening.prior_therapy import (
    NOTHING_RECORDED,
    LastTreatment,
    PriorTherapySummary,
    cross_check,
    disagreements,
    washout_from_records,
)
from trial.dates import PartialDate

ASSESSED = date(2026, 11, 19)
# Synopsis: "more than 28 days since the last chemotherapy/radiotherapy/surgery" (inclusion
# 5), "more than 6 weeks since the last use of nitrosoureas or mitomycin C" (inclusion 6).
ANTICANCER, NITROSOUREA = 28, 42


def days_before(n: int) -> PartialDate:
    return PartialDate.of(ASSESSED - timedelta(days=n))


@pytest.mark.parametrize(
    ("last", "minimum", "expected"),
    [
        # Inclusion 5, full dates: 28 days is not "more than 28".
        (days_before(27), ANTICANCER, Outcome.FAILED),
        (days_before(28), ANTICANCER, Outcome.FAILED),
        (days_before(29), ANTICANCER, Outcome.MET),
        # Inclusion 6: six weeks are 42 days, and 42 is not more than 42.
        (days_before(41), NITROSOUREA, Outcome.FAILED),
        (days_before(42), NITROSOUREA, Outcome.FAILED),
        (days_before(43), NITROSOUREA, Outcome.MET),
        # A treatment after the assessment is no washout at all.
        (days_before(-1), ANTICANCER, Outcome.FAILED),
        # Known to the month: October 2026 ends 2026-10-31, 19 days before; it began
        # 2026-10-01, 49 days before. Either side of 28 days: cannot be told.
        (PartialDate(2026, 10), ANTICANCER, None),
        # The last day of September is 49 days before: every day of it is more than 28.
        (PartialDate(2026, 9), ANTICANCER, Outcome.MET),
        # Its first day (2026-09-01) is 79 days before, its last 49: against 42, met; but
        # against 50 days its last day (49) is not, its first (79) is: cannot be told.
        (PartialDate(2026, 9), NITROSOUREA, Outcome.MET),
        (PartialDate(2026, 9), 50, None),
        # November 2026: its first day is 18 days before the assessment: failed.
        (PartialDate(2026, 11), ANTICANCER, Outcome.FAILED),
        # Known to the year: 2025 ended 323 days before, 2026 cannot be told.
        (PartialDate(2025), ANTICANCER, Outcome.MET),
        (PartialDate(2026), ANTICANCER, None),
    ],
)
def test_the_washout_from_a_record_s_date_at_its_precision(last, minimum, expected):
    assert washout_from_records(last, ASSESSED, minimum) is expected


def test_the_month_boundary_of_a_partial_date_against_the_washout():
    # The last day a month may denote decides "met": 2026-10-21 is 29 days before.
    assert washout_from_records(PartialDate(2026, 10), date(2026, 11, 29), 28) is Outcome.MET
    assert washout_from_records(PartialDate(2026, 10), date(2026, 11, 28), 28) is None
    # Its first day decides "failed": 2026-10-01 is 28 days before 2026-10-29.
    assert washout_from_records(PartialDate(2026, 10), date(2026, 10, 29), 28) is Outcome.FAILED
    assert washout_from_records(PartialDate(2026, 10), date(2026, 10, 30), 28) is None


def facts(**answers) -> EligibilityFacts:
    base = {
        "assessment_date": ASSESSED,
        "refractory_to_second_line": True,
        "had_chemotherapy": True,
        "last_chemotherapy_date": ASSESSED - timedelta(days=60),
        "had_radiotherapy": False,
        "had_surgery": False,
        "had_nitrosourea_or_mitomycin": False,
    }
    return EligibilityFacts(**(base | answers))


def summary(**changes) -> PriorTherapySummary:
    """Two lines, the last ended by progression 60 days before the assessment."""
    base = {
        "recorded": True,
        "lines": 2,
        "refractory": True,
        "refractory_reason": "2 prior lines, the last Line 2 FOLFIRI ended by progression",
        "last_systemic": LastTreatment(days_before(60), "Line 2 FOLFIRI"),
    }
    return PriorTherapySummary(**(base | changes))


def rows_of(s, f):
    return {
        row.field: row
        for row in cross_check(
            s, f, anticancer_washout_days=ANTICANCER, nitrosourea_washout_days=NITROSOUREA
        )
    }


def test_answers_the_records_agree_with_raise_nothing():
    rows = rows_of(summary(), facts())
    assert [row.field for row in rows.values()] == [
        "refractory_to_second_line",
        "had_chemotherapy",
        "last_chemotherapy_date",
        "had_radiotherapy",
        "had_surgery",
        "had_nitrosourea_or_mitomycin",
    ]
    assert all(row.agrees for row in rows.values())
    assert "more than 28 days before the assessment" in rows["last_chemotherapy_date"].records
    assert disagreements(tuple(rows.values())) == []


def test_nothing_is_compared_before_any_prior_therapy_is_recorded():
    assert (
        cross_check(
            NOTHING_RECORDED, facts(), anticancer_washout_days=28, nitrosourea_washout_days=42
        )
        == ()
    )


@pytest.mark.parametrize(
    ("records", "answers", "field"),
    [
        # Inclusion 2, both ways.
        (
            {"lines": 1, "refractory": False, "refractory_reason": "1 prior line"},
            {},
            "refractory_to_second_line",
        ),
        ({}, {"refractory_to_second_line": False}, "refractory_to_second_line"),
        # Inclusion 5: the records have a line, the CRF says no chemotherapy.
        ({}, {"had_chemotherapy": False, "last_chemotherapy_date": None}, "had_chemotherapy"),
        # ... and the other way round.
        (
            {"lines": 0, "last_systemic": None, "refractory": False},
            {"refractory_to_second_line": False},
            "had_chemotherapy",
        ),
        # The last chemotherapy on another day than the records' last line.
        ({}, {"last_chemotherapy_date": ASSESSED - timedelta(days=59)}, "last_chemotherapy_date"),
        (
            {"last_radiotherapy": LastTreatment(days_before(20), "RT1 Pelvis")},
            {},
            "had_radiotherapy",
        ),
        (
            {"last_surgery": LastTreatment(PartialDate(2025, 3), "Surgery1 Excision")},
            {"had_surgery": True, "last_surgery_date": date(2025, 5, 2)},
            "last_surgery_date",
        ),
        # Inclusion 6.
        (
            {"last_nitrosourea_or_mitomycin": LastTreatment(days_before(60), "Line 1 BCNU")},
            {},
            "had_nitrosourea_or_mitomycin",
        ),
    ],
)
def test_a_disagreement_is_a_query_on_the_answer_it_contradicts(records, answers, field):
    failures = disagreements(tuple(rows_of(summary(**records), facts(**answers)).values()))
    assert [f.field_name for f in failures] == [field]
    assert failures[0].check_code == f"prior_therapy_vs_eligibility:{field}"
    assert "correct the records or the eligibility answers" in failures[0].message


@pytest.mark.parametrize(
    ("records_on", "typed_on", "agrees"),
    [
        (PartialDate(2026, 9), date(2026, 9, 20), True),  # the month holds the day
        (PartialDate(2026, 9), date(2026, 10, 1), False),
        (PartialDate(2026, 9), date(2026, 8, 31), False),
        (PartialDate(2026, 9, 20), date(2026, 9, 20), True),
        (PartialDate(2026, 9, 20), date(2026, 9, 21), False),
        (None, date(2026, 9, 21), None),  # the records say UNK: nothing to compare
    ],
)
def test_the_last_date_agrees_when_the_records_precision_holds_the_typed_day(
    records_on, typed_on, agrees
):
    rows = rows_of(
        summary(last_systemic=LastTreatment(records_on, "Line 2 FOLFIRI")),
        facts(last_chemotherapy_date=typed_on),
    )
    assert rows["last_chemotherapy_date"].agrees is agrees


def test_unanswered_questions_and_undecidable_records_raise_nothing():
    rows = rows_of(
        summary(refractory=None, refractory_reason="cannot be told"),
        facts(refractory_to_second_line=None, had_chemotherapy=None, last_chemotherapy_date=None),
    )
    assert rows["refractory_to_second_line"].agrees is None
    assert rows["had_chemotherapy"].agrees is None
    assert disagreements(tuple(rows.values())) == []
