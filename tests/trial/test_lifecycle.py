"""Subject lifecycle (trial/lifecycle.py): the transition table, without a database."""

import pytest

from trial.lifecycle import TRANSITIONS, State, check_transition

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
