"""The status of one form (CRF) as the subject matrix shows it: a pure function of facts.

One state per form, the furthest it has come: not started, incomplete, complete, signed
(a valid investigator signature), source-verified (a valid monitor verification), locked.
An open (or answered, not yet closed) query is shown beside the state, not instead of it.
"""

from dataclasses import dataclass
from enum import StrEnum


class FormStatus(StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    SIGNED = "signed"
    VERIFIED = "verified"
    LOCKED = "locked"


# (status, label, symbol): the legend, in the order a form moves through.
LEGEND = (
    (FormStatus.NOT_STARTED, "Not started", "○"),
    (FormStatus.INCOMPLETE, "Incomplete", "◐"),
    (FormStatus.COMPLETE, "Complete", "●"),
    (FormStatus.SIGNED, "Signed", "S"),
    (FormStatus.VERIFIED, "Source-verified", "V"),
    (FormStatus.LOCKED, "Locked", "L"),
)
LABELS = {status: label for status, label, _symbol in LEGEND}
SYMBOLS = {status: symbol for status, _label, symbol in LEGEND}
OPEN_QUERY_LABEL, OPEN_QUERY_SYMBOL = "Open query", "?"


@dataclass(frozen=True)
class FormFacts:
    exists: bool  # the form has been saved at least once
    complete: bool  # every field the form needs is filled
    signed: bool = False  # its latest signature matches its content
    verified: bool = False  # its latest whole-form verification matches its content
    locked: bool = False  # it (or its subject) is locked


def form_status(facts: FormFacts) -> FormStatus:
    """The furthest state the form has reached; a lock wins, then verification, signature."""
    if not facts.exists:
        return FormStatus.NOT_STARTED
    if facts.locked:
        return FormStatus.LOCKED
    if facts.verified:
        return FormStatus.VERIFIED
    if facts.signed:
        return FormStatus.SIGNED
    return FormStatus.COMPLETE if facts.complete else FormStatus.INCOMPLETE
