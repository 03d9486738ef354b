"""The schedule of assessments: which forms each visit expects, as pure functions.

The study file's `[[assessments]]` entries name a form and the visits that expect it. A form
is a CRF kind by its label in the registry (review.records: "dosing.dosingrecord"), and for a
kind made of panels (the lab results) one of its panels ("haematology"); the visits are named
by code ("C1D8") or by visit kind ("dosing": every cycle's day 1). The study loader checks the
entries against the kinds that can be scheduled (trial.hooks "schedulable_forms") and the
study's visit definitions, and stores them on the study; everything that asks what a visit
expects (the subject page, the subject matrix, My tasks, the reminders) calls `expected_at`.
No ORM and no clock.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from trial.schedule import VisitDefinition, VisitKind

ENTRY_KEYS = ("form", "panel", "visits", "visit_kinds")


@dataclass(frozen=True)
class ExpectedForm:
    """One form a visit expects: a CRF kind's label and, for a kind of panels, the panel."""

    form: str
    panel: str = ""


@dataclass(frozen=True)
class Assessment:
    """One entry of the schedule: a form and the visits (codes, or kinds) that expect it."""

    form: ExpectedForm
    visits: tuple[str, ...] = ()
    visit_kinds: tuple[str, ...] = ()

    def as_stored(self) -> dict:
        return {
            "form": self.form.form,
            "panel": self.form.panel,
            "visits": list(self.visits),
            "visit_kinds": list(self.visit_kinds),
        }

    @classmethod
    def from_stored(cls, row: Mapping) -> "Assessment":
        return cls(
            ExpectedForm(row["form"], row.get("panel", "")),
            tuple(row.get("visits", ())),
            tuple(row.get("visit_kinds", ())),
        )


class ScheduleError(ValueError):
    """An entry of [[assessments]] the study cannot hold; the message names entry and rule."""


def _codes(entry: Mapping, key: str, where: str, allowed: Sequence[str], what: str) -> tuple:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ScheduleError(f"{where}: {key} must be a list of {what}s, got {values!r}")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ScheduleError(
            f"{where}: unknown {what} {', '.join(unknown)} (the study has {', '.join(allowed)})"
        )
    if len(set(values)) != len(values):
        raise ScheduleError(f"{where}: {key} names a {what} twice")
    return tuple(values)


def assessments_from(
    entries: object,
    *,
    visits: Iterable[VisitDefinition],
    forms: Mapping[str, Sequence[str]],
    where: str = "[[assessments]]",
) -> tuple[Assessment, ...]:
    """The study file's entries checked, in their order.

    `forms`: the kinds that can be scheduled, each with its panels (() for a kind of one
    form). Refused, naming the entry and the rule: an unknown key, form, panel, visit code or
    visit kind; a panel missing for a kind of panels or given for one without; an entry that
    names no visit; the same form scheduled by two entries.
    """
    if not isinstance(entries, list):
        raise ScheduleError(f"{where} must be a list of tables ([[assessments]])")
    codes = [d.code for d in sorted(visits, key=lambda d: d.order)]
    kinds = [k.value for k in VisitKind]
    seen: dict[ExpectedForm, int] = {}
    result = []
    for number, entry in enumerate(entries, start=1):
        at = f"{where} entry {number}"
        if not isinstance(entry, dict):
            raise ScheduleError(f"{at} must be a table of {', '.join(ENTRY_KEYS)}")
        extra = sorted(set(entry) - set(ENTRY_KEYS))
        if extra:
            raise ScheduleError(f"{at}: unknown keys {', '.join(extra)}")
        form = entry.get("form")
        if form not in forms:
            raise ScheduleError(
                f"{at}: form {form!r} is not a CRF kind that can be scheduled "
                f"(known: {', '.join(sorted(forms))})"
            )
        at = f"{where} entry {number} ({form})"
        panels = tuple(forms[form])
        panel = entry.get("panel", "")
        if panels and panel not in panels:
            raise ScheduleError(
                f"{at}: panel must be one of {', '.join(panels)}, got {panel or 'none'!r}"
            )
        if not panels and panel:
            raise ScheduleError(f"{at}: {form} has no panels, got panel {panel!r}")
        expected = ExpectedForm(form, panel)
        if expected in seen:
            raise ScheduleError(
                f"{at}: {form}{' ' + panel if panel else ''} is already scheduled by entry "
                f"{seen[expected]}: list all its visits in one entry"
            )
        seen[expected] = number
        by_code = _codes(entry, "visits", at, codes, "visit code")
        by_kind = _codes(entry, "visit_kinds", at, kinds, "visit kind")
        if not by_code and not by_kind:
            raise ScheduleError(f"{at}: names no visit (give visits, visit_kinds or both)")
        result.append(Assessment(expected, by_code, by_kind))
    return tuple(result)


def expected_at(
    assessments: Iterable[Assessment],
    *,
    code: str,
    kind: str,
    not_applicable: bool = False,
    missed_recorded: bool = False,
) -> tuple[ExpectedForm, ...]:
    """The forms the visit `code` (of visit kind `kind`) expects, in the schedule's order.

    None for a visit that is not applicable (a dosing visit after the last dose) or recorded
    as missed: nothing was collected there, so nothing is owed.
    """
    if not_applicable or missed_recorded:
        return ()
    return tuple(a.form for a in assessments if code in a.visits or kind in a.visit_kinds)


def forms_owed(
    *,
    today: date,
    window_closes_on: date,
    completed_on: date | None,
    not_applicable: bool = False,
    missed_recorded: bool = False,
) -> bool:
    """Whether a visit's expected forms are owed on `today`: once the visit is performed, or
    from the day after its window closed; never at a visit not applicable or recorded missed."""
    if not_applicable or missed_recorded:
        return False
    return completed_on is not None or today > window_closes_on
