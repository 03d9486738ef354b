"""The audit trail: attaching who and why to writes, and reading a record's history back.

The events themselves are written by PostgreSQL triggers (django-pghistory), so bulk updates
and raw SQL are caught too; the event tables refuse UPDATE and DELETE.
"""

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

import pghistory
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pghistory import runtime as pghistory_runtime
from pghistory.models import Events

from trial.models import User

# Which records have a history page, and how to scope them to a user. Apps add their CRFs.
_history_scopes: dict[str, Callable[[User], QuerySet]] = {}


def register_history(model: type[Model], scope: Callable[[User], QuerySet]) -> None:
    _history_scopes[model._meta.label_lower] = scope


def history_scope(label: str) -> Callable[[User], QuerySet] | None:
    return _history_scopes.get(label)


@contextmanager
def audit_context(*, by: User | None, reason: str) -> Iterator[None]:
    """Everything written inside is attributed to `by` with `reason` in the audit trail.

    Each block gets a context row of its own. pghistory otherwise groups every write of a
    request (its middleware opens a context per request) under one context row whose
    metadata is overwritten by each nested call, so a request that runs two services would
    show the second reason on the first one's changes too.
    """
    metadata = {"reason": reason}
    if by is not None:
        metadata |= {"user": by.pk, "username": by.get_username()}
    outer = getattr(pghistory_runtime._tracker, "value", None)
    if outer is None:
        with pghistory.context(**metadata):
            yield
        return
    pghistory_runtime._tracker.value = pghistory_runtime.Context(
        id=uuid.uuid4(), metadata={**outer.metadata, **metadata}
    )
    try:
        yield
    finally:
        pghistory_runtime._tracker.value = outer


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object
    # As a reader sees them (readable_entries): the field's label, and the values as the
    # form shows them (a choice's label, the related record's name, a local time).
    label: str = ""
    old_display: str = ""
    new_display: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    username: str
    reason: str
    url: str
    changes: tuple[FieldChange, ...]
    # The record the event belongs to (an event model's tracked model label and its id).
    model: str = ""
    object_id: str = ""


def history_for(obj: Model) -> list[HistoryEntry]:
    """Every audit event of one record, oldest first, with the changed fields."""
    return entries_from(Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))


def entries_from(events) -> list[HistoryEntry]:
    """History entries of a queryset of pghistory `Events`, in the queryset's order."""
    events = list(events)
    user_ids = {
        e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")
    }
    usernames = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    entries = []
    for event in events:
        context = event.pgh_context or {}
        if event.pgh_diff:
            changes = tuple(
                FieldChange(field, old, new) for field, (old, new) in sorted(event.pgh_diff.items())
            )
        else:
            changes = tuple(
                FieldChange(field, None, value) for field, value in sorted(event.pgh_data.items())
            )
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                action=event.pgh_label,
                username=context.get("username") or usernames.get(context.get("user"), "system"),
                reason=context.get("reason", ""),
                url=context.get("url", ""),
                changes=changes,
                model=event.pgh_obj_model,
                object_id=event.pgh_obj_id or "",
            )
        )
    return entries


# --- the audit trail as a person reads it --------------------------------------------------


def _model_of(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_of(model, name: str):
    """The model field a history column stores: by name, or by column (site_id -> site)."""
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        for field in model._meta.concrete_fields:
            if field.attname == name:
                return field
    return None


def _label_of(field, name: str) -> str:
    if field is None:
        return name.removesuffix("_id").replace("_", " ").capitalize()
    if name == "id" or getattr(field, "primary_key", False):
        return "Record ID"
    return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]


def _display(field, value, related_names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field is not None:
        if field.many_to_one and field.related_model is not None:
            return related_names.get(field.related_model, {}).get(str(value), f"#{value}")
        if field.choices:
            choices = {str(k): str(v) for k, v in field.flatchoices}
            if isinstance(value, list):
                return ", ".join(choices.get(str(v), str(v)) for v in value)
            return choices.get(str(value), str(value))
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment, timezone.utc)
                return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) for v in value):
            return ", ".join(str(v) for v in value) or "none"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def readable_entries(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """The entries as the audit pages show them: each change with its field's label and its
    values as displayed (a choice's label, the related record, local time with its zone)
    instead of columns and codes. One query per kind of related record, not per row."""
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = _model_of(entry.model)
        for change in entry.changes:
            field = _field_of(model, change.field)
            if field is not None and field.many_to_one and field.related_model is not None:
                wanted[field.related_model] |= {
                    str(v) for v in (change.old, change.new) if v not in (None, "")
                }
    related_names = {
        related: {str(obj.pk): str(obj) for obj in related._default_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }
    readable = []
    for entry in entries:
        model = _model_of(entry.model)
        changes = []
        for change in entry.changes:
            field = _field_of(model, change.field)
            changes.append(
                replace(
                    change,
                    label=_label_of(field, change.field),
                    old_display=""
                    if change.old is None
                    else _display(field, change.old, related_names),
                    new_display=_display(field, change.new, related_names),
                )
            )
        readable.append(replace(entry, changes=tuple(changes)))
    return readable
