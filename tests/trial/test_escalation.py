"""The 3+3 rule table, without a database."""

from datetime import date, timedelta

import pytest

from tests.trial.cohorts import LEVELS, TODAY, WINDOW_ENDED, WINDOW_OPEN_UNTIL, cohort
from trial.escalation import (
    CohortSubject,
    Decision,
    DoseLevelSpec,
    EscalationRules,
    EscalationState,
    Outcome,
    escalation_state,
)

# Cohorts are written as letters, one per subject (tests/trial/cohorts.py).


def state(cohorts: dict[str, str], *, today: date = TODAY) -> EscalationState:
    subjects = [s for level, letters in cohorts.items() for s in cohort(level, letters)]
    return escalation_state(LEVELS, subjects, today=today)


def decisions(result: EscalationState) -> dict[str, Decision]:
    return {level.code: level.decision for level in result.levels}


# --- the standard rule table -------------------------------------------------------------


def test_no_subjects_opens_the_first_level_only():
    result = state({})

    assert result.open_level == "DL1"
    assert result.outcome is Outcome.ESCALATING
    assert set(decisions(result).values()) == {Decision.NOT_STARTED}
    assert "first dose level" in result.open_reason


def test_zero_dlts_in_three_escalates_to_the_next_level():
    result = state({"DL1": "ooo"})

    assert result.level("DL1").decision is Decision.ESCALATE
    assert "0 DLTs in 3 evaluable subjects" in result.level("DL1").reason
    assert result.open_level == "DL2"
    assert result.open_reason.startswith("DL2 is open: DL1 cleared (0 DLTs in 3 evaluable")
    assert result.outcome is Outcome.ESCALATING


def test_one_dlt_in_three_expands_the_cohort_to_six():
    result = state({"DL1": "ooo", "DL2": "oDo"})

    dl2 = result.level("DL2")
    assert dl2.decision is Decision.EXPAND
    assert "1 DLT in 3 evaluable subjects" in dl2.reason
    assert "3 of 6 places filled" in dl2.reason
    assert result.open_level == "DL2"
    assert result.level("DL3").decision is Decision.NOT_STARTED


def test_expanded_cohort_keeps_enrolling_until_six_even_with_open_windows():
    result = state({"DL1": "ooo", "DL2": "oDoww"})

    assert result.level("DL2").decision is Decision.ENROLLING
    assert "5 of 6 places filled" in result.level("DL2").reason
    assert result.open_level == "DL2"


def test_one_dlt_in_six_escalates():
    result = state({"DL1": "ooo", "DL2": "oDoooo"})

    assert result.level("DL2").decision is Decision.ESCALATE
    assert "1 DLT in 6 evaluable subjects" in result.level("DL2").reason
    assert result.open_level == "DL3"


@pytest.mark.parametrize(
    ("letters", "counts"),
    [
        pytest.param("oDD", "2 DLTs in 3 evaluable subjects", id="2/3"),
        pytest.param("DDD", "3 DLTs in 3 evaluable subjects", id="3/3"),
        pytest.param("oDoooD", "2 DLTs in 6 evaluable subjects", id="2/6"),
        pytest.param("oDoDDo", "3 DLTs in 6 evaluable subjects", id="3/6"),
        pytest.param("DD", "2 DLTs in 2 evaluable subjects", id="2 in the first 2"),
    ],
)
def test_two_or_more_dlts_exceed_the_mtd_and_close_the_level(letters, counts):
    result = state({"DL1": "oDoooo", "DL2": "ooo", "DL3": letters})

    dl3 = result.level("DL3")
    assert dl3.decision is Decision.TOO_TOXIC
    assert counts in dl3.reason
    assert result.open_level != "DL3"
    assert result.level("DL4").decision is Decision.NOT_STARTED


def test_de_escalate_is_the_same_decision_as_too_toxic():
    assert Decision.DE_ESCALATE is Decision.TOO_TOXIC


# --- DLT windows ----------------------------------------------------------------------------


def test_open_windows_still_allow_filling_the_cohort():
    result = state({"DL1": "ooo", "DL2": "ww"})

    assert result.level("DL2").decision is Decision.ENROLLING
    assert result.open_level == "DL2"
    assert "2 of 3 places filled" in result.level("DL2").reason


def test_full_cohort_inside_the_dlt_window_awaits_and_blocks_escalation():
    result = state({"DL1": "ooo", "DL2": "oww"})

    assert result.level("DL2").decision is Decision.AWAITING_DLT_WINDOW
    assert result.level("DL3").decision is Decision.NOT_STARTED
    assert result.open_level is None
    assert result.outcome is Outcome.ESCALATING
    assert result.open_reason == (
        "DL2 cohort's DLT window is open until 2026-12-15 for 2 subjects; "
        "the next level opens after that"
    )


def test_open_window_reason_gives_the_latest_window_end():
    subjects = [
        *cohort("DL1", "ooo"),
        CohortSubject("a", "DL2", WINDOW_ENDED),
        CohortSubject("b", "DL2", date(2026, 12, 10)),
        CohortSubject("c", "DL2", date(2026, 12, 20)),
    ]

    result = escalation_state(LEVELS, subjects, today=TODAY)

    assert "open until 2026-12-20 for 2 subjects" in result.open_reason


def test_one_dlt_with_windows_open_awaits_before_expanding():
    result = state({"DL1": "ooo", "DL2": "Dww"})

    assert result.level("DL2").decision is Decision.AWAITING_DLT_WINDOW
    assert result.open_level is None
    assert "whether DL2 is expanded" in result.open_reason


def test_expanded_cohort_awaits_its_last_window_before_escalating():
    result = state({"DL1": "ooo", "DL2": "oDooow"})

    assert result.level("DL2").decision is Decision.AWAITING_DLT_WINDOW
    assert result.open_level is None


def test_dlt_inside_the_window_makes_the_subject_evaluable():
    result = state({"DL1": "ood"})

    dl1 = result.level("DL1")
    assert (dl1.evaluable, dl1.in_window, dl1.dlts) == (3, 0, 1)
    assert dl1.decision is Decision.EXPAND


def test_second_dlt_decides_the_level_while_other_windows_are_open():
    result = state({"DL1": "ooo", "DL2": "dDw"})

    assert result.level("DL2").decision is Decision.TOO_TOXIC
    assert "1 subject still in the DLT window" in result.level("DL2").reason
    assert result.open_level == "DL1"


def test_subjects_not_yet_dosed_hold_a_place_and_the_decision_waits():
    result = state({"DL1": "oou"})

    dl1 = result.level("DL1")
    assert (dl1.enrolled, dl1.in_window, dl1.evaluable) == (3, 1, 2)
    assert dl1.decision is Decision.AWAITING_DLT_WINDOW
    assert result.open_level is None
    assert "not yet dosed" in result.open_reason


@pytest.mark.parametrize(
    ("today", "decision", "open_level"),
    [
        pytest.param(WINDOW_OPEN_UNTIL - timedelta(days=1), Decision.AWAITING_DLT_WINDOW, None),
        pytest.param(WINDOW_OPEN_UNTIL, Decision.AWAITING_DLT_WINDOW, None, id="last day open"),
        pytest.param(WINDOW_OPEN_UNTIL + timedelta(days=1), Decision.ESCALATE, "DL2", id="after"),
    ],
)
def test_dlt_window_is_open_up_to_and_including_its_last_day(today, decision, open_level):
    result = state({"DL1": "www"}, today=today)

    assert result.level("DL1").decision is decision
    assert result.open_level == open_level


# --- replacement of non-evaluable subjects ------------------------------------------------


def test_non_evaluable_subject_is_replaced_not_counted():
    result = state({"DL1": "oox"})

    dl1 = result.level("DL1")
    assert (dl1.enrolled, dl1.evaluable, dl1.in_window) == (3, 2, 0)
    assert dl1.decision is Decision.ENROLLING
    assert "1 subject not evaluable, replaced" in dl1.reason
    assert result.open_level == "DL1"


def test_replacement_completes_the_cohort():
    result = state({"DL1": "oxoo"})

    assert result.level("DL1").decision is Decision.ESCALATE
    assert result.open_level == "DL2"


def test_a_dlt_counts_even_if_the_subject_is_marked_not_evaluable():
    subjects = [*cohort("DL1", "oo"), CohortSubject("z", "DL1", WINDOW_ENDED, True, False)]

    result = escalation_state(LEVELS, subjects, today=TODAY)

    assert result.level("DL1").dlts == 1
    assert result.level("DL1").decision is Decision.EXPAND


def test_evaluable_true_does_not_close_an_open_window_early():
    subjects = [*cohort("DL1", "oo"), CohortSubject("z", "DL1", WINDOW_OPEN_UNTIL, False, True)]

    result = escalation_state(LEVELS, subjects, today=TODAY)

    assert result.level("DL1").decision is Decision.AWAITING_DLT_WINDOW
    assert result.open_level is None


# --- de-escalation and the end of the study ------------------------------------------------


def test_too_toxic_level_expands_the_level_below_that_has_three():
    result = state({"DL1": "ooo", "DL2": "oDD"})

    dl1 = result.level("DL1")
    assert dl1.decision is Decision.EXPAND
    assert "because DL2 exceeded the MTD (2 DLTs in 3 evaluable subjects)" in dl1.reason
    assert result.open_level == "DL1"
    assert result.outcome is Outcome.ESCALATING
    assert result.mtd is None


def test_lower_level_being_expanded_awaits_its_windows_before_the_mtd():
    result = state({"DL1": "ooooow", "DL2": "DD"})

    assert result.level("DL1").decision is Decision.AWAITING_DLT_WINDOW
    assert result.open_level is None
    assert result.mtd is None
    assert "whether DL1 is the MTD" in result.open_reason


@pytest.mark.parametrize(
    ("lower", "counts"),
    [
        pytest.param("oDoooo", "1 DLT in 6 evaluable subjects", id="1/6 below"),
        pytest.param("oooooo", "0 DLTs in 6 evaluable subjects", id="0/6 below"),
    ],
)
def test_too_toxic_level_makes_the_level_below_with_six_the_mtd(lower, counts):
    result = state({"DL1": "ooo", "DL2": lower, "DL3": "oDD"})

    assert result.level("DL2").decision is Decision.MTD
    assert result.outcome is Outcome.MTD_DECLARED
    assert result.mtd == "DL2"
    assert result.open_level is None
    assert counts in result.open_reason
    assert "DL3 exceeded the MTD (2 DLTs in 3 evaluable subjects)" in result.open_reason


def test_expanded_lower_level_that_also_exceeds_the_mtd_de_escalates_again():
    result = state({"DL1": "ooo", "DL2": "oooDoD", "DL3": "DD"})

    assert result.level("DL2").decision is Decision.TOO_TOXIC
    assert result.level("DL1").decision is Decision.EXPAND
    assert result.open_level == "DL1"


def test_first_level_too_toxic_stops_the_study():
    result = state({"DL1": "oDD"})

    assert result.level("DL1").decision is Decision.TOO_TOXIC
    assert result.outcome is Outcome.STOPPED
    assert result.open_level is None
    assert result.mtd is None
    assert "2 DLTs in 3 evaluable subjects" in result.open_reason
    assert "study stops" in result.open_reason


@pytest.mark.parametrize(
    "top",
    [pytest.param("ooo", id="0/3"), pytest.param("ooDooo", id="1/6")],
)
def test_top_level_cleared_ends_the_escalation_without_an_mtd(top):
    result = state({"DL1": "ooo", "DL2": "ooo", "DL3": "ooo", "DL4": top})

    assert result.level("DL4").decision is Decision.ESCALATE
    assert result.outcome is Outcome.MAX_LEVEL_CLEARED
    assert result.open_level is None
    assert result.mtd is None
    assert "MTD was not reached" in result.open_reason


def test_top_level_with_open_windows_is_not_yet_cleared():
    result = state({"DL1": "ooo", "DL2": "ooo", "DL3": "ooo", "DL4": "oow"})

    assert result.outcome is Outcome.ESCALATING
    assert "DL4 is the highest level" in result.open_reason


# --- order and consistency -----------------------------------------------------------------


def test_no_level_opens_above_one_that_is_not_cleared():
    # DL1 lost an evaluable subject after DL2 had started: DL1 must be refilled first.
    result = state({"DL1": "oox", "DL2": "ooo"})

    assert result.open_level == "DL1"
    assert result.level("DL3").decision is Decision.NOT_STARTED


def test_levels_are_processed_in_escalation_order_not_input_order():
    subjects = cohort("low", "ooo")
    levels = [DoseLevelSpec("high", 2), DoseLevelSpec("low", 1)]

    result = escalation_state(levels, subjects, today=TODAY)

    assert [level.code for level in result.levels] == ["low", "high"]
    assert result.open_level == "high"


def test_subject_at_an_unknown_dose_level_raises():
    with pytest.raises(ValueError, match="'DL9'"):
        state({"DL9": "o"})


def test_duplicate_dose_levels_raise():
    with pytest.raises(ValueError, match="unique"):
        escalation_state([DoseLevelSpec("DL1", 1), DoseLevelSpec("DL1", 2)], [], today=TODAY)


def test_expanded_cohort_must_be_larger_than_the_cohort():
    with pytest.raises(ValueError, match="cohort sizes"):
        EscalationRules(cohort_size=3, expanded_cohort_size=3)


@pytest.mark.parametrize(
    ("letters", "counts"),
    [
        pytest.param("o", "0 DLTs in 1 evaluable subject", id="singular"),
        pytest.param("oD", "1 DLT in 2 evaluable subjects", id="one DLT"),
        pytest.param("oDo", "1 DLT in 3 evaluable subjects", id="1/3"),
        pytest.param("ooDooo", "1 DLT in 6 evaluable subjects", id="1/6"),
    ],
)
def test_level_reason_states_dlts_and_evaluable_subjects(letters, counts):
    assert counts in state({"DL1": letters}).level("DL1").reason


def test_level_counts_separate_evaluable_in_window_and_replaced_subjects():
    dl1 = state({"DL1": "oDwux"}).level("DL1")

    assert (dl1.enrolled, dl1.evaluable, dl1.in_window, dl1.dlts) == (5, 2, 2, 1)
