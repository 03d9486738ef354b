"""Subject lifecycle (trial/lifecycle.py): the transition table, without a database."""

from datetime import date, timedelta

import pytest

from trial.lifecycle import TRANSITIONS, State, check_transition, disposition_problems

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
