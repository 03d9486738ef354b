"""The canonical content of a record: what an e-signature and a source-data verification bind to.

The hash is the SHA-256 of the record's clinical fields serialised as JSON with sorted keys
and no whitespace, each value in one canonical form:

- decimals without trailing zeros (``36.80`` and ``36.8`` are the same value);
- datetimes in UTC, ISO 8601; dates and times ISO 8601;
- foreign keys as the referenced id (``dose_level`` -> its ``dose_level_id``);
- lists, JSON objects, booleans, numbers, text and null as JSON has them.

Left out are the bookkeeping columns, which change when nothing clinical does (the version
counter, who typed the row and when, the last-saved time), and on some CRFs the "who / when"
stamps of the investigator's own acts (the confirmation of eligibility, the causality and DLT
decisions, the SAE report approval): those acts are signatures or decisions recorded beside
the content, so making them must not invalidate a signature of the same content. The
decisions themselves (the relationship, the DLT yes / no) are content and are hashed.

Eligibility depends on the subject's sex and date of birth (age limits, exclusion 4 for
women), which live on the subject: they are hashed with the assessment, so a correction of
the date of birth shows the eligibility signature as no longer valid.

A CRF that gained its void columns after records were signed (the dosing CRF) hashes them only
once the record is voided (its kind's void_hashed_when_voided): the signatures made before
the columns existed keep matching, and a void shows them as no longer valid.

A CRF whose content lives partly on child rows (a tumour assessment's lesion measurements)
declares them (the kind's child_content): they are hashed with the record, so a corrected
diameter shows the assessment's signature as no longer valid.

Changing this canonical form changes every hash: every existing signature would show as
invalidated. Do it only with a migration plan.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal

from review.records import KINDS

# Columns that are never content, on any CRF.
BOOKKEEPING = frozenset(
    {
        "version",
        "recorded_by",
        "recorded_at",
        "updated_at",
        "saved_by",
        "saved_at",
        "created_by",
        "created_at",
    }
)

# The void of a CRF: content once set; on the kinds that gained these columns after records
# were signed (void_hashed_when_voided) left out while the record is not voided.
VOID_COLUMNS = frozenset({"voided_at", "void_reason"})

# Per CRF, the stamps of acts recorded beside the content and the facts kept on another row
# that the content depends on are declared by its kind (review.records.CrfKind).


def _kind(label: str):
    return KINDS.get(label)


def related_content(label: str) -> tuple[str, ...]:
    kind = _kind(label)
    return kind.related_content if kind else ()


def canonical(value):
    """One JSON-ready form per value, so equal content always serialises the same way."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        # Decimal("36.80") and Decimal("36.8") are the same reading; ints as decimals so a
        # DecimalField holding an int in memory hashes like the stored value.
        text = format(Decimal(value).normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, float):
        return canonical(Decimal(repr(value)))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes have no canonical form: store aware datetimes")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [canonical(item) for item in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    return str(value)


def content_hash(fields: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of `fields` (field name -> value)."""
    payload = json.dumps(
        {str(name): canonical(value) for name, value in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def excluded_fields(label: str) -> frozenset[str]:
    kind = _kind(label)
    return BOOKKEEPING | (kind.stamps if kind else frozenset())


def content_fields(record) -> dict[str, object]:
    """The clinical content of a model instance, as {field name: stored value}.

    Reads the instance's attributes only; pass a row as loaded from the database (services
    re-read it) so that in-memory values not yet normalised by the database cannot differ.
    """
    label = record._meta.label_lower
    skip = excluded_fields(label)
    kind = _kind(label)
    if kind is not None and kind.void_hashed_when_voided and record.voided_at is None:
        skip = skip | VOID_COLUMNS
    fields = {
        field.name: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.name not in skip
    }
    for path in related_content(label):
        value = record
        for part in path.split("."):
            value = getattr(value, part)
        fields[path] = value
    if kind is not None and kind.child_content is not None:
        # A key no column can have: the child rows entered on the CRF (its measurements).
        fields["<children>"] = kind.child_content(record)
    return fields


def record_hash(record) -> str:
    return content_hash(content_fields(record))


def field_hash(record, field_name: str) -> str:
    """The hash of one field's value: what a field-level verification binds to."""
    field = record._meta.get_field(field_name)
    return content_hash({field_name: getattr(record, field.attname)})
