"""The audit trail as one CSV for inspections: one row per field set or changed.

Read from the pghistory event tables (written by database triggers, append-only): who
(user), when (event time, UTC), what (record, field, old value -> new value) and why (the
reason for change), with the URL of the request when there was one. Rows are grouped by
subject, then record, then time, so a subject's whole history reads top to bottom; changes
to the study configuration, users' roles and the exports themselves follow when the export
covers every site.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db.models import F, QuerySet
from django.utils import timezone

from adverse_events.models import CtcaeTerm
from trial.models import DoseLevel, Site, Subject, User
from trial.spreadsheet import csv_writer

HEADER = (
    "event_time_utc",
    "site",
    "screening_number",
    "subject_number",
    "record_type",
    "record_id",
    "action",
    "user",
    "reason",
    "url",
    "field",
    "old_value",
    "new_value",
    "event_id",
)
_REFERENCES = {
    User: "username",
    CtcaeTerm: "term",
    DoseLevel: "code",
    Site: "code",
}


def _has_subject(model, field_name: str) -> bool:
    parent = model._meta.get_field(field_name).related_model
    return parent is not None and any(f.name == "subject" for f in parent._meta.fields)


def _event_models():
    """(event model, lookup to the subject id or None for configuration), stable order."""
    found = []
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is None:
            continue
        names = {f.name for f in model._meta.fields}
        if tracked is Subject:
            lookup = "pgh_obj_id"
        elif "subject" in names:
            lookup = "subject_id"
        elif "assessment" in names and _has_subject(tracked, "assessment"):
            # A child row of a CRF (a lesion of a tumour assessment): its parent's subject.
            lookup = "assessment__subject_id"
        else:
            lookup = None
        found.append((model, lookup))
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


class _Formatter:
    def __init__(self, event_model, references: dict):
        self.fields = []
        for field in event_model._meta.concrete_fields:
            if field.attname.startswith("pgh_") or field.name == "id":
                continue
            related = field.related_model if field.is_relation else None
            self.fields.append((field.name, field.attname, related))
        self.references = references

    def values(self, row: dict) -> dict[str, str]:
        shown = {}
        for name, attname, related in self.fields:
            value = row.get(attname)
            if related is not None and value is not None:
                value = self.references.get(related, {}).get(value, value)
            shown[name] = _text(value)
        return shown


def _rows(event_model, lookup, subjects, chunk_size):
    names = [f.attname for f in event_model._meta.concrete_fields if f.attname != "pgh_context_id"]
    events = event_model.objects.all()
    if lookup is not None:
        events = events.annotate(audit_subject=F(lookup)).filter(
            audit_subject__in=subjects.values("pk")
        )
        order = ("audit_subject", "pgh_obj_id", "pgh_id")
        extra = ("audit_subject",)
    else:
        order = ("pgh_obj_id", "pgh_id")
        extra = ()
    return (
        events.order_by(*order)
        .values(*names, *extra, audit_context=F("pgh_context__metadata"))
        .iterator(chunk_size)
    )


def _tagged(model, position: int, rows) -> Iterator[tuple]:
    for row in rows:
        yield row["audit_subject"], position, model, row


def event_count(subjects: QuerySet[Subject], *, configuration: bool) -> int:
    total = 0
    for model, lookup in _event_models():
        if lookup is None:
            if configuration:
                total += model.objects.count()
            continue
        total += (
            model.objects.annotate(audit_subject=F(lookup))
            .filter(audit_subject__in=subjects.values("pk"))
            .count()
        )
    return total


def write_audit_csv(
    path: Path,
    *,
    subjects: QuerySet[Subject],
    configuration: bool,
    date_from: date | None,
    date_to: date | None,
    tick: Callable[[int], None],
    chunk_size: int = 500,
) -> dict:
    """Write the audit trail CSV; returns counts of events and rows.

    Memory: one `chunk_size` of rows per event table read at once, whatever the size."""
    usernames = dict(User.objects.values_list("pk", "username"))
    models = _event_models()
    order = {model: i for i, (model, _lookup) in enumerate(models)}
    streams = [
        _tagged(model, order[model], _rows(model, lookup, subjects, chunk_size))
        for model, lookup in models
        if lookup is not None
    ]
    subject_rows = (
        subjects.order_by("pk")
        .values("pk", "site__code", "screening_number", "subject_number")
        .iterator(chunk_size)
    )
    streams.append((row["pk"], -1, None, row) for row in subject_rows)
    merged = heapq.merge(*streams, key=lambda item: (item[0], item[1]))
    references = {
        model: dict(model.objects.values_list("pk", attribute))
        for model, attribute in _REFERENCES.items()
    }
    formatters = {model: _Formatter(model, references) for model, _lookup in models}
    counts = {"events": 0, "rows": 0}

    def in_range(moment: datetime) -> bool:
        day = timezone.localtime(moment).date()
        return (date_from is None or day >= date_from) and (date_to is None or day <= date_to)

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow(HEADER)

        def write_events(model, events: Iterator[dict], subject: dict | None) -> None:
            formatter = formatters[model]
            label = model.pgh_tracked_model._meta.label
            previous_obj, previous = None, None
            for row in events:
                counts["events"] += 1
                if counts["events"] % 2000 == 0:
                    tick(2000)
                values = formatter.values(row)
                before = previous if row["pgh_obj_id"] == previous_obj else None
                previous_obj, previous = row["pgh_obj_id"], values
                if not in_range(row["pgh_created_at"]):
                    continue
                context = row.get("audit_context") or {}
                user = context.get("username") or usernames.get(context.get("user"), "")
                common = (
                    _text(row["pgh_created_at"]),
                    subject["site__code"] if subject else "",
                    subject["screening_number"] if subject else "",
                    (subject["subject_number"] or "") if subject else "",
                    label,
                    row["pgh_obj_id"],
                    row["pgh_label"],
                    user or "system",
                    context.get("reason", ""),
                    context.get("url", ""),
                )
                event_id = f"{model._meta.label}:{row['pgh_id']}"
                if before is None:
                    changes = [(name, "", new) for name, new in values.items() if new != ""]
                else:
                    changes = [
                        (name, before.get(name, ""), new)
                        for name, new in values.items()
                        if before.get(name, "") != new
                    ]
                for name, old, new in changes or [("", "", "")]:
                    writer.writerow((*common, name, old, new, event_id))
                    counts["rows"] += 1

        for _subject_id, items in itertools.groupby(merged, key=lambda item: item[0]):
            subject = None
            for (_model_order, model), group in itertools.groupby(
                items, key=lambda item: (item[1], item[2])
            ):
                if model is None:
                    subject = next(group)[3]
                    continue
                if subject is None:
                    continue
                write_events(model, (item[3] for item in group), subject)

        if configuration:
            for model, lookup in models:
                if lookup is None:
                    write_events(model, _rows(model, None, subjects, chunk_size), None)
    tick(counts["events"] % 2000)
    return counts
