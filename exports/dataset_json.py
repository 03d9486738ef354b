"""CDISC Dataset-JSON v1.1 (final December 2024, the successor of SAS transport) for SDTM.

One JSON file per dataset, beside its SAS transport file and holding the same rows with the
same values (`write_dataset_json` is fed the rows the .xpt is written from): the
metadata first (so a streaming reader has the columns before the rows), then `rows`, one
row per line. No Django here.

Types follow the variable specification of review.sdtm (`Variable.type`): text is
`string` (ISO 8601 --DTC variables `date` when every value is a date, else `datetime`),
integers `integer` and other numbers `double` (the IEEE doubles the transport file stores).
Missing values are `null`, for character variables too (a transport file's blank). Column
OIDs are define.xml's (`IT.<domain>.<variable>`), the dataset's `IG.<domain>`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

VERSION = "1.1.0"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    data_type: str  # string, integer, double, date, datetime
    length: int | None = None
    key_sequence: int | None = None

    def as_json(self, domain: str) -> dict:
        column = {
            "itemOID": item_oid(domain, self.name),
            "name": self.name,
            "label": self.label,
            "dataType": self.data_type,
        }
        if self.length is not None:
            column["length"] = self.length
        if self.key_sequence is not None:
            column["keySequence"] = self.key_sequence
        return column


@dataclass(frozen=True)
class FileFacts:
    """What every dataset file of one export says about where it comes from."""

    study_oid: str
    metadata_version_oid: str
    originator: str
    system: str
    system_version: str
    created: datetime  # aware
    database_as_of: datetime  # aware: the snapshot the export read
    define_file: str = "define.xml"


def item_oid(domain: str, name: str) -> str:
    return f"IT.{domain}.{name}"


def item_group_oid(domain: str) -> str:
    return f"IG.{domain}"


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with seconds ("2026-12-01T14:30:00Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_value(value, data_type: str):
    """A transport-file value as Dataset-JSON writes it: blank or missing is null."""
    if value is None or value == "":
        return None
    if data_type == "integer":
        number = float(value)
        if not number.is_integer():
            raise ValueError(f"{value!r} is no integer")
        return int(number)
    if data_type == "double":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is no finite number")
        return number
    return str(value)


def write_dataset_json(
    stream: TextIO,
    *,
    domain: str,
    label: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    records: int,
    facts: FileFacts,
) -> int:
    """Write one dataset; `rows` are lists in column order. Returns the rows written and
    refuses a count that differs from `records` (written before the rows)."""
    header = {
        "datasetJSONCreationDateTime": timestamp(facts.created),
        "datasetJSONVersion": VERSION,
        "fileOID": f"{facts.study_oid}.SDTM.{domain}",
        "dbLastModifiedDateTime": timestamp(facts.database_as_of),
        "originator": facts.originator,
        "sourceSystem": {"name": facts.system, "version": facts.system_version},
        "studyOID": facts.study_oid,
        "metaDataVersionOID": facts.metadata_version_oid,
        "metaDataRef": facts.define_file,
        "itemGroupOID": item_group_oid(domain),
        "records": records,
        "name": domain,
        "label": label,
        "columns": [c.as_json(domain) for c in columns],
    }
    opening = json.dumps(header, ensure_ascii=False, indent=1)
    stream.write(opening[: opening.rindex("}")].rstrip() + ',\n "rows": [')
    types = [c.data_type for c in columns]
    written = 0
    for row in rows:
        values = [json_value(v, t) for v, t in zip(row, types, strict=True)]
        stream.write(("\n  " if written == 0 else ",\n  ") + json.dumps(values, allow_nan=False))
        written += 1
    stream.write("\n ]\n}\n" if written else "]\n}\n")
    if written != records:
        raise ValueError(f"{domain}: {written} rows written, {records} announced")
    return written
