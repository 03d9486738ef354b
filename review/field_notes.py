"""What the review says about each field of a CRF, shown on the field itself: its open
queries and its source-data verification (verified, or cleared by an edit since)."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Model
from django.utils import timezone

from review import signing
from review.models import Query, QueryStatus, SourceVerification
from review.selectors import rows_of


@dataclass(frozen=True)
class FieldNote:
    kind: str  # "query", "verified", "cleared"
    text: str


def field_notes(record: Model | None) -> dict[str, list[FieldNote]]:
    """{field name: notes} for the saved `record` (two queries)."""
    if record is None or record.pk is None:
        return {}
    notes: dict[str, list[FieldNote]] = defaultdict(list)
    for query in (
        Query.objects.filter(rows_of(record))
        .exclude(status=QueryStatus.CLOSED)
        .exclude(field_name="")
        .order_by("raised_at", "id")
    ):
        state = "answered, awaiting close" if query.status == QueryStatus.ANSWERED else "open"
        notes[query.field_name].append(FieldNote("query", f"Query ({state}): {query.text}"))
    latest = {}
    for verification in (
        SourceVerification.objects.filter(rows_of(record))
        .exclude(field_name="")
        .select_related("verified_by")
        .order_by("verified_at", "id")
    ):
        latest[verification.field_name] = verification
    if latest:
        stored = type(record)._base_manager.get(pk=record.pk)
        for name, verification in latest.items():
            when = f"{timezone.localtime(verification.verified_at):%Y-%m-%d %H:%M}"
            if verification.content_hash == signing.field_hash(stored, name):
                notes[name].append(
                    FieldNote("verified", f"Source-verified by {verification.verified_by} {when}")
                )
            else:
                notes[name].append(
                    FieldNote("cleared", f"Source verification of {when} cleared by an edit since")
                )
    return dict(notes)


def annotate_fields(form: forms.BaseForm, notes: dict[str, list[FieldNote]]) -> None:
    """Put each field's notes in its help text (read with the field by screen readers) and
    mark the field, so a query or a verification is seen where the value is."""
    for name, field_notes_ in notes.items():
        field = form.fields.get(name)
        if field is None:
            continue
        text = " · ".join(note.text for note in field_notes_)
        field.help_text = f"{field.help_text} {text}".strip() if field.help_text else text
        kinds = {note.kind for note in field_notes_}
        css = " ".join(f"field-{kind}" for kind in sorted(kinds))
        field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()
