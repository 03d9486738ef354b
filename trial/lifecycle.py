"""The subject lifecycle as a transition table (brief, "Subject lifecycle").

screening -> screen failed | enrolled -> on treatment -> follow-up -> completed; from any state
after enrolled: withdrawn, lost to follow-up, died. Services call `check_transition` before
changing Subject.status; nothing edits the status freely.
"""

from enum import StrEnum


class State(StrEnum):
    SCREENING = "screening"
    SCREEN_FAILED = "screen_failed"
    ENROLLED = "enrolled"
    ON_TREATMENT = "on_treatment"
    FOLLOW_UP = "follow_up"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    DIED = "died"


_AFTER_ENROLLMENT = (State.ENROLLED, State.ON_TREATMENT, State.FOLLOW_UP)
_EXITS = (State.WITHDRAWN, State.LOST_TO_FOLLOW_UP, State.DIED)

TRANSITIONS: dict[State, frozenset[State]] = {
    State.SCREENING: frozenset({State.SCREEN_FAILED, State.ENROLLED}),
    State.ENROLLED: frozenset({State.ON_TREATMENT, *_EXITS}),
    State.ON_TREATMENT: frozenset({State.FOLLOW_UP, *_EXITS}),
    State.FOLLOW_UP: frozenset({State.COMPLETED, *_EXITS}),
    State.SCREEN_FAILED: frozenset(),
    State.COMPLETED: frozenset(),
    # A death after withdrawal or loss to follow-up is still recorded (vital status).
    State.WITHDRAWN: frozenset({State.DIED}),
    State.LOST_TO_FOLLOW_UP: frozenset({State.DIED}),
    State.DIED: frozenset(),
}

TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets) | set(_EXITS)


def check_transition(current: str, target: str) -> str | None:
    """None when `current` -> `target` is allowed, else the reason it is not."""
    current_state, target_state = State(current), State(target)
    if target_state in TRANSITIONS[current_state]:
        return None
    allowed = ", ".join(sorted(s.value.replace("_", " ") for s in TRANSITIONS[current_state]))
    return (
        f"a subject who is {current_state.value.replace('_', ' ')} cannot become "
        f"{target_state.value.replace('_', ' ')}"
        + (f" (allowed: {allowed})" if allowed else " (no further change is allowed)")
    )
