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


# The state each disposition moves the subject to.
DISPOSITION_STATE: dict[str, State] = {
    END_OF_TREATMENT: State.FOLLOW_UP,
    WITHDRAWAL: State.WITHDRAWN,
    LOST_TO_FOLLOW_UP: State.LOST_TO_FOLLOW_UP,
    DEATH: State.DIED,
    END_OF_STUDY: State.COMPLETED,
}

# The states in which a disposition may be recorded: those the table lets move to a
# disposition's state. Not before enrolment (screening, screen failed), nor once the study
# ended for the subject (completed, died); a death is still recorded after a withdrawal or a
# loss to follow-up.
OPEN_TO_DISPOSITIONS = frozenset(
    state for state, targets in TRANSITIONS.items() if targets & set(DISPOSITION_STATE.values())
)


def records_dispositions(status: str) -> bool:
    """Whether a disposition may be recorded for a subject who is `status`."""
    return State(status) in OPEN_TO_DISPOSITIONS


def state_of(live: list[str], *, dosed: bool) -> State:
    """The state a subject's live dispositions (their kinds, in the order recorded) and doses
    imply: the last disposition's, else on treatment once a dose was given, else enrolled.

    The table only moves forward, so the disposition recorded last is the one that set the
    state (a death after a withdrawal, a completion after the end of treatment)."""
    if live:
        return DISPOSITION_STATE[live[-1]]
    return State.ON_TREATMENT if dosed else State.ENROLLED


def void_problems(live: list[tuple[str, object]], kind: str) -> list[str]:
    """Why the live disposition `kind` cannot be voided, given the subject's live ones
    ((kind, date) pairs in the order recorded); [] when it can.

    Only the one recorded last is voided: an earlier one set a state the later ones moved on
    from (void the death before the withdrawal it followed)."""
    kinds = [other for other, _on in live]
    if kind not in kinds:
        return [f"No {_LABELS[kind]} is recorded."]
    later = live[kinds.index(kind) + 1 :]
    if later:
        names = ", ".join(f"the {_LABELS[other]} on {on}" for other, on in later)
        return [f"The {_LABELS[kind]} was followed by {names}: void that first."]
    return []


def check_undo(current: str, previous: str) -> str | None:
    """None when a subject who is `current` may go back to `previous` (a disposition voided:
    the step the table made from `previous` to `current`, undone), else the reason not."""
    current_state, previous_state = State(current), State(previous)
    if current_state in TRANSITIONS[previous_state]:
        return None
    return (
        f"a subject who is {current_state.value.replace('_', ' ')} cannot go back to "
        f"{previous_state.value.replace('_', ' ')}: that is not the step the disposition made"
    )
