"""The audit trail: attaching who and why to writes, and reading a record's history back.

The events themselves are written by PostgreSQL triggers (django-pghistory), so bulk updates
and raw SQL are caught too; the event tables refuse UPDATE and DELETE.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pghistory
from django.db.models import Model, QuerySet
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
