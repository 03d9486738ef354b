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


# --- dispositions -------------------------------------------------------------------------------
# The kinds of dispositions.models.DispositionKind. One disposition event closes an epoch: the
# treatment epoch ends with the end of treatment, a withdrawal, a loss to follow-up or a
# death; the study ends with its completion ("end of study") or one of those exits.

END_OF_TREATMENT = "end_of_treatment"
END_OF_STUDY = "end_of_study"
WITHDRAWAL = "withdrawal"
LOST_TO_FOLLOW_UP = "lost_to_follow_up"
DEATH = "death"
_EARLY_EXITS = (WITHDRAWAL, LOST_TO_FOLLOW_UP)
_LABELS = {
    END_OF_TREATMENT: "end of treatment",
    END_OF_STUDY: "completion of the study",
    WITHDRAWAL: "withdrawal",
    LOST_TO_FOLLOW_UP: "loss to follow-up",
    DEATH: "death",
}


def disposition_problems(recorded, kind: str, on) -> list[str]:
    """Why a new disposition `kind` dated `on` contradicts the subject's `recorded` ones
    ((kind, date) pairs); [] when it does not.

    - nothing happens after a death: no disposition dated after it, no death dated before
      a disposition already recorded;
    - the study is completed or left early, not both: completion after a withdrawal or a
      loss to follow-up is refused, and either after completion;
    - the treatment epoch closes once: an end of treatment after a withdrawal or loss to
      follow-up on or before its date is refused, and a withdrawal or loss to follow-up
      dated before a recorded end of treatment (it would fall in the closed epoch).
    """
    problems = []
    label = _LABELS.get(kind, kind.replace("_", " "))
    for other, other_on in recorded:
        other_label = _LABELS.get(other, other.replace("_", " "))
        if other == DEATH and on > other_on:
            problems.append(f"The {label} on {on} is after the death on {other_on}.")
        elif kind == DEATH and other_on > on:
            problems.append(
                f"The death on {on} is before the {other_label} already recorded on {other_on}."
            )
        elif (kind == END_OF_STUDY and other in _EARLY_EXITS) or (
            kind in _EARLY_EXITS and other == END_OF_STUDY
        ):
            problems.append(
                f"The {label} contradicts the {other_label} recorded on {other_on}: a subject "
                "completes the study or leaves it early, not both."
            )
        elif kind == END_OF_TREATMENT and other in _EARLY_EXITS and other_on <= on:
            problems.append(
                f"The treatment ended with the {other_label} on {other_on}: no end of "
                "treatment can follow it."
            )
        elif kind in _EARLY_EXITS and other == END_OF_TREATMENT and on < other_on:
            problems.append(
                f"The {label} on {on} is before the end of treatment recorded on {other_on}: "
                "date it on or after the end of treatment, or correct the end of treatment."
            )
    return problems
