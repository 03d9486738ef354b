"""Medical-history rules (history.rules), without a database."""

from dataclasses import replace
from datetime import date

import pytest

from history.rules import (
    ConditionFacts,
    EligibilityAnswers,
    check_condition,
    eligibility_inconsistencies,
    ongoing_at_first_dose,
)

TODAY = date(2026, 12, 1)
CONSENT = date(2026, 11, 13)
FIRST_DOSE = date(2026, 11, 21)
HYPERTENSION = ConditionFacts(
    condition="Hypertension",
    start="2019-03",
    ongoing=True,
    end="",
    baseline_grade=2,
    baseline_grade_code="",
    term="Hypertension",
    available_grades=frozenset({1, 2, 3, 4, 5}),
)
APPENDICITIS = ConditionFacts(
    condition="Appendicitis",
    start="2001",
    ongoing=False,
    end="2001",
    baseline_grade=None,
    baseline_grade_code="",
)


def problems(facts, first_dose=FIRST_DOSE, consent=CONSENT):
    return check_condition(facts, today=TODAY, consent_date=consent, first_dose=first_dose)


def test_a_complete_ongoing_condition_and_a_past_one_are_accepted():
    assert problems(HYPERTENSION) == []
    assert problems(APPENDICITIS) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"condition": "  "}, "condition", "Condition is required"),
        ({"start": ""}, "start_date", "Start date is required, or a code (UNK, NASK)."),
        ({"start": "2027"}, "start_date", "Start date 2027 is in the future."),
        ({"start": "1899"}, "start_date", "Start date 1899 is before 1900-01-01"),
        # A partial date after the full date it must precede: December after a mid-November
        # consent; November itself may be before it (accepted below).
        (
            {"start": "2026-12"},
            "start_date",
            "Start date 2026-12 is after consent 2026-11-13: a condition that begins after "
            "consent is recorded as an adverse event.",
        ),
        ({"start": "2026-11-14"}, "start_date", "Start date 2026-11-14 is after consent"),
        ({"ongoing": True, "end": "2010"}, "end_date", "An ongoing condition has no end date"),
        ({"ongoing": False, "end": "", "baseline_grade": None}, "end_date", "End date is required"),
        (
            {"start": "2019-03", "ongoing": False, "end": "2019-02", "baseline_grade": None},
            "end_date",
            "End date 2019-02 is before start date 2019-03.",
        ),
        ({"end": "2027", "ongoing": False}, "end_date", "End date 2027 is in the future."),
    ],
)
def test_bad_condition_input_is_refused_with_the_field_named(changes, field, message):
    found = problems(replace(HYPERTENSION, **changes))
    assert any(f == field and message in m for f, m in found), found


@pytest.mark.parametrize(
    ("start", "accepted"),
    [("2026-11", True), ("2026-11-13", True), ("2026", True), ("UNK", True), ("NASK", True)],
)
def test_a_start_that_may_precede_consent_is_accepted(start, accepted):
    assert (problems(replace(HYPERTENSION, start=start)) == []) is accepted


def test_end_in_the_start_month_is_accepted():
    facts = replace(APPENDICITIS, start="2019-03", end="2019-03-01")
    assert problems(facts) == []


# Ongoing at the first dose, at the boundary: an end on the first-dose day counts as ongoing
# (the condition was there when the dose was given); the day before does not.
@pytest.mark.parametrize(
    ("ongoing", "end", "first_dose", "expected"),
    [
        (True, "", FIRST_DOSE, True),
        (True, "", None, True),
        (False, "2026-11-20", FIRST_DOSE, False),
        (False, "2026-11-21", FIRST_DOSE, True),
        (False, "2026-11", FIRST_DOSE, True),  # may have ended after the 21st
        (False, "2026-10", FIRST_DOSE, False),
        (False, "2026-11-20", None, False),  # ended, no dose yet
        (False, "UNK", FIRST_DOSE, False),
    ],
)
def test_ongoing_at_first_dose(ongoing, end, first_dose, expected):
    facts = replace(HYPERTENSION, ongoing=ongoing, end=end)
    assert ongoing_at_first_dose(facts, first_dose) is expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"baseline_grade": None},
            "'Hypertension' is ongoing at the first dose: give its baseline",
        ),
        (
            {"baseline_grade": 2, "baseline_grade_code": "UNK"},
            "a baseline grade or a code, not both",
        ),
        ({"baseline_grade": 5}, "'Hypertension' has no baseline grade 5 (grades 1, 2, 3, 4)."),
        (
            {"baseline_grade": 4, "available_grades": frozenset({1, 2, 3})},
            "has no baseline grade 4 (grades 1, 2, 3).",
        ),
        (
            {"ongoing": False, "end": "2026-10", "baseline_grade": 2},
            "Only a condition ongoing at the first dose has a baseline grade.",
        ),
        (
            {"term": None, "available_grades": frozenset(), "baseline_grade": 2},
            "Choose the CTCAE term the baseline grade is of.",
        ),
    ],
)
def test_baseline_grade_rules(changes, message):
    found = problems(replace(HYPERTENSION, **changes))
    assert [f for f, m in found if message in m] == ["baseline_grade"], found


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({"baseline_grade": None, "baseline_grade_code": "UNK"}, True),
        ({"baseline_grade": None, "baseline_grade_code": "ND"}, True),
        ({"baseline_grade": 1}, True),
        ({"baseline_grade": 4}, True),
        # Without a CTCAE term nothing is compared: no grade is asked.
        ({"term": None, "available_grades": frozenset(), "baseline_grade": None}, True),
        ({"ongoing": False, "end": "2026-11-21", "baseline_grade": 2}, True),
    ],
)
def test_baseline_grade_accepted(changes, accepted):
    assert (problems(replace(HYPERTENSION, **changes)) == []) is accepted


ANSWERS = EligibilityAnswers(
    assessment_date=date(2026, 11, 19),
    autoimmune_conditions=(),
    had_myocardial_infarction=False,
    last_myocardial_infarction_date=None,
)
HYPOTHYROIDISM = replace(APPENDICITIS, condition="Hypothyroidism (Hashimoto)", ongoing=True, end="")
MI = replace(APPENDICITIS, condition="Myocardial infarction", start="2026-03", end="2026-03")


def codes(facts, answers):
    return [f.check_code for f in eligibility_inconsistencies(3, facts, answers)]


@pytest.mark.parametrize(
    ("facts", "answers", "expected"),
    [
        # Synopsis, exclusion 7: hypothyroidism in the history, "none" in eligibility.
        (HYPOTHYROIDISM, ANSWERS, ["mh_vs_eligibility_autoimmune:hypothyroidism"]),
        (
            HYPOTHYROIDISM,
            replace(ANSWERS, autoimmune_conditions=("hypothyroidism",)),
            [],
        ),
        (HYPOTHYROIDISM, replace(ANSWERS, autoimmune_conditions=None), []),  # not answered
        (
            replace(HYPOTHYROIDISM, condition="Crohn's disease"),
            ANSWERS,
            ["mh_vs_eligibility_autoimmune:enteritis"],
        ),
        (replace(HYPOTHYROIDISM, condition="Vitiligo"), ANSWERS, []),  # an allowed exception
        # Synopsis, exclusion 3: an MI in the history with "no MI" in eligibility.
        (MI, ANSWERS, ["mh_vs_eligibility_mi"]),
        (replace(MI, start="2010", end="2010"), ANSWERS, ["mh_vs_eligibility_mi"]),
        (MI, replace(ANSWERS, had_myocardial_infarction=None), []),
        # Within a year in the history, older than a year in eligibility: one is wrong.
        (
            MI,
            replace(
                ANSWERS,
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=date(2024, 5, 1),
            ),
            ["mh_vs_eligibility_mi_date"],
        ),
        # The year's boundary: 2025-11-19 is exactly 365 days before the assessment.
        (
            replace(MI, start="2025-11-20"),
            replace(
                ANSWERS,
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=date(2024, 5, 1),
            ),
            ["mh_vs_eligibility_mi_date"],
        ),
        (
            replace(MI, start="2025-11-19"),
            replace(
                ANSWERS,
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=date(2024, 5, 1),
            ),
            [],
        ),
        (  # 2025-11 may be before the cutoff: not certainly within the year
            replace(MI, start="2025-11"),
            replace(
                ANSWERS,
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=date(2024, 5, 1),
            ),
            [],
        ),
        (
            MI,
            replace(
                ANSWERS,
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=date(2026, 3, 10),
            ),
            [],
        ),
        (HYPOTHYROIDISM, None, []),  # no eligibility CRF yet
        (APPENDICITIS, ANSWERS, []),
    ],
)
def test_history_against_eligibility(facts, answers, expected):
    assert codes(facts, answers) == expected


def test_an_inconsistency_names_the_entry_and_the_exclusion():
    (failure,) = eligibility_inconsistencies(3, HYPOTHYROIDISM, ANSWERS)
    assert failure.field_name == "condition"
    assert failure.message.startswith("MH3 Hypothyroidism (Hashimoto) is an autoimmune disease")
    assert "exclusion 7" in failure.message
