"""Subject lifecycle (trial/lifecycle.py): the transition table, without a database."""

from datetime import date, timedelta

import pytest

from trial.lifecycle import (
    DEATH,
    DISPOSITION_STATE,
    END_OF_STUDY,
    END_OF_TREATMENT,
    LOST_TO_FOLLOW_UP,
    TRANSITIONS,
    WITHDRAWAL,
    State,
    check_transition,
    check_undo,
    disposition_problems,
    records_dispositions,
    state_of,
    void_problems,
)

ALLOWED = sorted(
    (current, target) for current, targets in TRANSITIONS.items() for target in targets
)


def words(state: State) -> str:
    return state.value.replace("_", " ")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.SCREENING, State.ENROLLED),
        (State.SCREENING, State.SCREEN_FAILED),
        (State.ENROLLED, State.ON_TREATMENT),
        (State.ON_TREATMENT, State.FOLLOW_UP),
        (State.FOLLOW_UP, State.COMPLETED),
        *[
            (current, exit_)
            for current in (State.ENROLLED, State.ON_TREATMENT, State.FOLLOW_UP)
            for exit_ in (State.WITHDRAWN, State.LOST_TO_FOLLOW_UP, State.DIED)
        ],
        # Vital status is still recorded after a subject left the study.
        (State.WITHDRAWN, State.DIED),
        (State.LOST_TO_FOLLOW_UP, State.DIED),
    ],
    ids=lambda s: s.value,
)
def test_protocol_transition_is_allowed(current, target):
    assert check_transition(current, target) is None


def test_the_table_allows_exactly_the_protocol_transitions():
    protocol = {
        (State.SCREENING, State.ENROLLED),
        (State.SCREENING, State.SCREEN_FAILED),
        (State.ENROLLED, State.ON_TREATMENT),
        (State.ON_TREATMENT, State.FOLLOW_UP),
        (State.FOLLOW_UP, State.COMPLETED),
        (State.WITHDRAWN, State.DIED),
        (State.LOST_TO_FOLLOW_UP, State.DIED),
    } | {
        (current, exit_)
        for current in (State.ENROLLED, State.ON_TREATMENT, State.FOLLOW_UP)
        for exit_ in (State.WITHDRAWN, State.LOST_TO_FOLLOW_UP, State.DIED)
    }
    assert set(ALLOWED) == protocol


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=lambda s: s.value)
def test_every_transition_of_the_table_is_allowed_given_as_plain_strings(current, target):
    assert check_transition(current.value, target.value) is None


FORBIDDEN = [
    (State.SCREENING, State.ON_TREATMENT),
    (State.SCREENING, State.FOLLOW_UP),
    (State.SCREEN_FAILED, State.ENROLLED),
    (State.SCREEN_FAILED, State.SCREENING),
    (State.ENROLLED, State.FOLLOW_UP),
    (State.ENROLLED, State.COMPLETED),
    (State.ON_TREATMENT, State.COMPLETED),
    (State.ON_TREATMENT, State.ENROLLED),
    (State.FOLLOW_UP, State.ON_TREATMENT),
    (State.WITHDRAWN, State.ON_TREATMENT),
    (State.WITHDRAWN, State.FOLLOW_UP),
    (State.LOST_TO_FOLLOW_UP, State.FOLLOW_UP),
    *[(State.COMPLETED, target) for target in State],
    *[(State.DIED, target) for target in State],
    *[(state, state) for state in State if state not in (State.COMPLETED, State.DIED)],
]


@pytest.mark.parametrize(("current", "target"), FORBIDDEN, ids=lambda s: s.value)
def test_forbidden_transition_is_refused_naming_both_states(current, target):
    problem = check_transition(current, target)

    assert problem is not None
    assert f"a subject who is {words(current)} cannot become {words(target)}" in problem


@pytest.mark.parametrize("final", [State.COMPLETED, State.DIED, State.SCREEN_FAILED])
def test_final_states_say_no_further_change_is_allowed(final):
    assert "no further change is allowed" in check_transition(final, State.WITHDRAWN)


def test_refusal_lists_the_allowed_targets():
    problem = check_transition(State.FOLLOW_UP, State.ON_TREATMENT)

    assert problem == (
        "a subject who is follow up cannot become on treatment "
        "(allowed: completed, died, lost to follow up, withdrawn)"
    )


def test_unknown_state_is_an_error_not_a_refusal():
    with pytest.raises(ValueError, match="discharged"):
        check_transition(State.FOLLOW_UP, "discharged")


# --- dispositions -------------------------------------------------------------------------------

D = date(2026, 6, 10)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("recorded", "kind", "on", "problem"),
    [
        # Nothing after a death: the day of the death is allowed, the day after is not.
        ([("death", D)], "end_of_study", D, None),
        ([("death", D)], "end_of_study", D + DAY, "after the death on 2026-06-10"),
        ([("death", D)], "end_of_treatment", D + DAY, "after the death"),
        ([("death", D)], "withdrawal", D + DAY, "after the death"),
        ([("death", D)], "lost_to_follow_up", D, None),
        # A death dated before a disposition already recorded.
        ([("end_of_study", D)], "death", D - DAY, "before the completion of the study"),
        ([("end_of_study", D)], "death", D, None),
        ([("withdrawal", D)], "death", D + DAY, None),  # vital status after withdrawal
        ([("withdrawal", D)], "death", D - DAY, "before the withdrawal"),
        # Completed, or left early: not both, in either order.
        ([("withdrawal", D)], "end_of_study", D + 100 * DAY, "completes the study or leaves"),
        ([("lost_to_follow_up", D)], "end_of_study", D + DAY, "not both"),
        ([("end_of_study", D)], "withdrawal", D - DAY, "not both"),
        ([("end_of_study", D)], "lost_to_follow_up", D + DAY, "not both"),
        # The treatment epoch closes once.
        ([("withdrawal", D)], "end_of_treatment", D, "no end of treatment can follow"),
        ([("withdrawal", D)], "end_of_treatment", D + DAY, "no end of treatment can follow"),
        ([("withdrawal", D)], "end_of_treatment", D - DAY, None),
        ([("lost_to_follow_up", D)], "end_of_treatment", D + DAY, "no end of treatment"),
        ([("end_of_treatment", D)], "withdrawal", D - DAY, "before the end of treatment"),
        ([("end_of_treatment", D)], "withdrawal", D, None),
        ([("end_of_treatment", D)], "lost_to_follow_up", D + DAY, None),
        ([("end_of_treatment", D)], "end_of_study", D + 300 * DAY, None),
        ([("end_of_treatment", D), ("end_of_study", D + DAY)], "death", D + 2 * DAY, None),
        ([], "death", D, None),
    ],
)
def test_disposition_problems(recorded, kind, on, problem):
    problems = disposition_problems(recorded, kind, on)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


@pytest.mark.parametrize(
    ("status", "records"),
    [
        (State.SCREENING, False),  # not enrolled yet
        (State.SCREEN_FAILED, False),
        (State.ENROLLED, True),  # a withdrawal before any dose
        (State.ON_TREATMENT, True),
        (State.FOLLOW_UP, True),
        (State.WITHDRAWN, True),  # vital status: the death is still recorded
        (State.LOST_TO_FOLLOW_UP, True),
        (State.COMPLETED, False),  # the study ended for the subject
        (State.DIED, False),
    ],
    ids=lambda s: getattr(s, "value", s),
)
def test_which_states_record_dispositions(status, records):
    assert records_dispositions(status) is records
    assert records_dispositions(status.value) is records


@pytest.mark.parametrize(
    ("live", "dosed", "state"),
    [
        ([], False, State.ENROLLED),
        ([], True, State.ON_TREATMENT),
        (["end_of_treatment"], True, State.FOLLOW_UP),
        (["withdrawal"], False, State.WITHDRAWN),
        (["end_of_treatment", "withdrawal"], True, State.WITHDRAWN),
        (["end_of_treatment", "lost_to_follow_up"], True, State.LOST_TO_FOLLOW_UP),
        (["end_of_treatment", "end_of_study"], True, State.COMPLETED),
        (["withdrawal", "death"], True, State.DIED),
        (["end_of_treatment", "end_of_study", "death"], True, State.DIED),
    ],
)
def test_state_of_the_live_dispositions_and_doses(live, dosed, state):
    assert state_of(live, dosed=dosed) == state


@pytest.mark.parametrize(
    ("live", "kind", "problem"),
    [
        ([("withdrawal", D)], "withdrawal", None),
        ([("end_of_treatment", D), ("withdrawal", D)], "withdrawal", None),
        # Same day: the order recorded decides, not the date.
        (
            [("end_of_treatment", D), ("withdrawal", D)],
            "end_of_treatment",
            "followed by the withdrawal on 2026-06-10: void that first",
        ),
        (
            [("end_of_treatment", D), ("end_of_study", D + DAY), ("death", D + 2 * DAY)],
            "end_of_treatment",
            "the completion of the study on 2026-06-11, the death on 2026-06-12",
        ),
        ([("lost_to_follow_up", D), ("death", D + DAY)], "death", None),
        ([("end_of_treatment", D)], "death", "No death is recorded."),
        ([], "withdrawal", "No withdrawal is recorded."),
    ],
)
def test_only_the_disposition_recorded_last_is_voided(live, kind, problem):
    problems = void_problems(live, kind)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0], problems


UNDONE = sorted((target, current) for current, targets in TRANSITIONS.items() for target in targets)


@pytest.mark.parametrize(("current", "previous"), UNDONE)
def test_every_step_of_the_table_can_be_undone(current, previous):
    assert check_undo(current, previous) is None


@pytest.mark.parametrize(
    ("current", "previous"),
    [
        (State.WITHDRAWN, State.SCREENING),  # two steps back
        (State.WITHDRAWN, State.LOST_TO_FOLLOW_UP),  # one exit is not undone into another
        (State.FOLLOW_UP, State.ENROLLED),  # the end of treatment follows a dose
        (State.ON_TREATMENT, State.FOLLOW_UP),  # forward, not back
        (State.COMPLETED, State.COMPLETED),
    ],
    ids=lambda s: s.value,
)
def test_an_undo_that_is_not_a_step_of_the_table_is_refused(current, previous):
    problem = check_undo(current, previous)
    assert problem is not None
    assert f"cannot go back to {words(previous)}" in problem


def test_every_disposition_state_is_a_state_the_table_reaches():
    reached = {target for targets in TRANSITIONS.values() for target in targets}
    assert set(DISPOSITION_STATE.values()) <= reached
    assert set(DISPOSITION_STATE) == {
        END_OF_TREATMENT,
        END_OF_STUDY,
        WITHDRAWAL,
        LOST_TO_FOLLOW_UP,
        DEATH,
    }
