"""Importing the NCI-CTCAE v5.0 dictionary: NCI's spreadsheet or the bundled starter list.

Reading and checking the file is kept apart from writing, so a bad file is refused whole
before anything reaches the database. Terms are never deleted: AEs already recorded point at
them.
"""

import csv
import dataclasses
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO

import openpyxl
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from adverse_events.models import AdverseEvent, CtcaeDictionaryVersion, CtcaeTerm
from trial.audit import audit_context
from trial.models import User

CTCAE_VERSION = "5.0"
STARTER_CSV = Path(__file__).resolve().parent / "data" / "ctcae_starter.csv"
GRADE_FIELDS = ("grade_1", "grade_2", "grade_3", "grade_4", "grade_5")
# NCI writes a grade that does not exist for a term as "-" (often " -").
NO_GRADE = "-"
OTHER_SPECIFY_SUFFIX = "- Other, specify"

# Field -> header in NCI's "CTCAE v5.0 Clean Copy" sheet, compared after _normalise_header.
WORKBOOK_COLUMNS = {
    "meddra_code": "MedDRA Code",
    "soc": "MedDRA SOC",
    "term": "CTCAE Term",
    "grade_1": "Grade 1",
    "grade_2": "Grade 2",
    "grade_3": "Grade 3",
    "grade_4": "Grade 4",
    "grade_5": "Grade 5",
    "definition": "Definition",
    "navigational_note": "Navigational Note",
}
CSV_COLUMNS = {field: field for field in WORKBOOK_COLUMNS}
OPTIONAL_FIELDS = frozenset({"definition", "navigational_note"})


class CtcaeImportError(ValueError):
    """The file cannot be imported as it is; the message says where and why."""


@dataclass(frozen=True)
class TermRow:
    meddra_code: int
    soc: str
    term: str
    grade_1: str = ""
    grade_2: str = ""
    grade_3: str = ""
    grade_4: str = ""
    grade_5: str = ""
    definition: str = ""
    navigational_note: str = ""

    @property
    def is_other_specify(self) -> bool:
        # Matched on the suffix, not "<SOC> - Other, specify": NCI spells one SOC differently
        # in its term ("Musculoskeletal and connective tissue disorder - Other, specify").
        return self.term.endswith(OTHER_SPECIFY_SUFFIX)

    @property
    def available_grades(self) -> list[int]:
        return [g for g, name in enumerate(GRADE_FIELDS, start=1) if getattr(self, name)]


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int
    # What changed (dictionary_changes) and the dictionary version the import made, if any.
    changes: dict = dataclasses.field(default_factory=dict, compare=False)
    version: int | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.version is not None:
            text += f"; dictionary version {self.version}"
        return text


CHANGE_KINDS = {
    "added": "Terms added",
    "renamed": "Terms renamed (recorded AEs keep the wording they were recorded with)",
    "soc_changed": "Terms moved to another SOC",
    "grades_changed": "Grade texts changed",
    "other_changed": "Definition, navigational note or other text changed",
    "not_in_file": "Terms not in the file (kept: recorded AEs may use them)",
}


def describe_change(kind: str, entry: dict) -> str:
    """One line of a version's report ("10028813 Nausea: renamed "Nausea" -> "..."")."""
    head = f"{entry['meddra_code']} {entry['term']}"
    if kind == "renamed":
        text = (
            f"{entry['meddra_code']}: \u201c{entry['old']}\u201d \u2192 \u201c{entry['new']}\u201d"
        )
        if "recorded_aes" in entry:
            text += f" ({entry['recorded_aes']} recorded AE(s) keep the old wording)"
        return text
    if kind == "soc_changed":
        return f"{head}: SOC \u201c{entry['old']}\u201d \u2192 \u201c{entry['new']}\u201d"
    if kind == "grades_changed":
        return f"{head}: grade {', '.join(str(g) for g in entry['grades'])}"
    if kind == "other_changed":
        return f"{head}: {', '.join(f.replace('_', ' ') for f in entry['fields'])}"
    return f"{head} ({entry['soc']})"


def dictionary_changes(
    stored: dict[int, dict], rows: Sequence[TermRow], *, create_only: bool = False
) -> dict[str, list[dict]]:
    """What importing `rows` changes in the `stored` dictionary (MedDRA code -> field values).

    Pure: compares values only. With `create_only` (the starter list) stored terms are left
    as they are, so only additions count and a partial file reports nothing as missing.
    """
    changes: dict[str, list[dict]] = {kind: [] for kind in CHANGE_KINDS}
    in_file = set()
    for row in rows:
        in_file.add(row.meddra_code)
        old = stored.get(row.meddra_code)
        entry = {"meddra_code": row.meddra_code, "term": row.term}
        if old is None:
            changes["added"].append(entry | {"soc": row.soc})
            continue
        if create_only:
            continue
        if old["term"] != row.term:
            changes["renamed"].append(entry | {"old": old["term"], "new": row.term})
        if old["soc"] != row.soc:
            changes["soc_changed"].append(entry | {"old": old["soc"], "new": row.soc})
        grades = [
            g for g, name in enumerate(GRADE_FIELDS, start=1) if old[name] != getattr(row, name)
        ]
        if grades:
            changes["grades_changed"].append(entry | {"grades": grades})
        other = [n for n in ("definition", "navigational_note") if old[n] != getattr(row, n)]
        if other:
            changes["other_changed"].append(entry | {"fields": other})
    if not create_only:
        changes["not_in_file"] = [
            {"meddra_code": code, "term": old["term"], "soc": old["soc"]}
            for code, old in sorted(stored.items())
            if code not in in_file
        ]
    return {kind: entries for kind, entries in changes.items() if entries}


def _normalise_header(value: object) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip().casefold()


def _clean_text(value: object) -> str:
    # str.strip() also strips the non-breaking spaces NCI pads its cells with.
    text = "" if value is None else str(value).strip()
    return "" if text == NO_GRADE else text


def _column_indexes(header: Sequence[object], columns: dict[str, str], source: str) -> dict:
    positions = {_normalise_header(cell): i for i, cell in enumerate(header) if cell is not None}
    indexes, missing = {}, []
    for field, name in columns.items():
        index = positions.get(_normalise_header(name))
        if index is not None:
            indexes[field] = index
        elif field not in OPTIONAL_FIELDS:
            missing.append(f"'{name}'")
    if missing:
        raise CtcaeImportError(f"{source} has no column {', '.join(missing)} in its header row")
    return indexes


def _meddra_code(value: object, where: str) -> int:
    # A spreadsheet may hand back 10002272 as an int, a float or a text cell.
    code = None
    if isinstance(value, float) and value.is_integer():
        code = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        code = value
    elif isinstance(value, str) and value.strip().isdecimal():
        code = int(value)
    if code is not None and code > 0:
        return code
    if value is None or not str(value).strip():
        raise CtcaeImportError(f"{where}: MedDRA code is empty")
    raise CtcaeImportError(f"{where}: MedDRA code {value!r} is not a positive integer")


def _term_row(cells: Sequence[object], indexes: dict, where: str) -> TermRow:
    raw = {field: cells[i] if i < len(cells) else None for field, i in indexes.items()}
    code = _meddra_code(raw.pop("meddra_code"), where)
    values = {field: _clean_text(value) for field, value in raw.items()}
    for field, limit in (("soc", 120), ("term", 200)):
        if not values[field]:
            raise CtcaeImportError(f"{where}: {WORKBOOK_COLUMNS[field]} is empty")
        if len(values[field]) > limit:
            raise CtcaeImportError(
                f"{where}: {WORKBOOK_COLUMNS[field]} is longer than {limit} characters"
            )
    row = TermRow(meddra_code=code, **values)
    if not row.available_grades:
        raise CtcaeImportError(f"{where}: '{row.term}' has no grade at all")
    return row


def _check_unique(located: Iterable[tuple[str, TermRow]]) -> list[TermRow]:
    """The rows, after refusing a MedDRA code (or SOC + term) that appears twice."""
    by_code: dict[int, str] = {}
    by_name: dict[tuple[str, str], str] = {}
    rows = []
    for where, row in located:
        if row.meddra_code in by_code:
            raise CtcaeImportError(
                f"MedDRA code {row.meddra_code} appears twice: {by_code[row.meddra_code]} "
                f"and {where}"
            )
        name = (row.soc, row.term)
        if name in by_name:
            raise CtcaeImportError(
                f"'{row.soc}: {row.term}' appears twice: {by_name[name]} and {where}"
            )
        by_code[row.meddra_code] = by_name[name] = where
        rows.append(row)
    return rows


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or not str(cell).strip() for cell in cells)


def read_workbook(path_or_file: str | Path | IO[bytes]) -> list[TermRow]:
    """The terms of NCI's CTCAE v5.0 spreadsheet (its "Clean Copy" sheet, else the first)."""
    try:
        workbook = openpyxl.load_workbook(path_or_file, read_only=True, data_only=True)
    except FileNotFoundError:
        raise CtcaeImportError(f"CTCAE spreadsheet not found: {path_or_file}") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise CtcaeImportError(f"Not a readable .xlsx workbook ({exc})") from None
    try:
        names = workbook.sheetnames
        sheet_name = next((n for n in names if "clean copy" in n.casefold()), names[0])
        source = f"Sheet '{sheet_name}'"
        lines = enumerate(workbook[sheet_name].iter_rows(values_only=True), start=1)
        header = next((cells for _number, cells in lines if not _is_blank(cells)), None)
        if header is None:
            raise CtcaeImportError(f"{source} is empty")
        indexes = _column_indexes(header, WORKBOOK_COLUMNS, source)
        return _check_unique(
            (f"row {number}", _term_row(cells, indexes, f"{source}, row {number}"))
            for number, cells in lines
            if not _is_blank(cells)
        )
    finally:
        workbook.close()


def read_starter_csv(path: str | Path = STARTER_CSV) -> list[TermRow]:
    """The terms of a CSV with the model's field names as header (the bundled starter list)."""
    source = f"CSV {Path(path).name}"
    try:
        # utf-8-sig: a file saved again from a spreadsheet program may start with a BOM.
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(enumerate(csv.reader(fh), start=1))
    except FileNotFoundError:
        raise CtcaeImportError(f"CTCAE CSV not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise CtcaeImportError(f"{source} is not UTF-8 text ({exc})") from None
    lines = [(number, cells) for number, cells in lines if not _is_blank(cells)]
    if not lines:
        raise CtcaeImportError(f"{source} is empty")
    (_number, header), body = lines[0], lines[1:]
    indexes = _column_indexes(header, CSV_COLUMNS, source)
    return _check_unique(
        (f"line {number}", _term_row(cells, indexes, f"{source}, line {number}"))
        for number, cells in body
    )


def _model_values(row: TermRow) -> dict:
    values = {f.name: getattr(row, f.name) for f in fields(TermRow) if f.name != "meddra_code"}
    return values | {"is_other_specify": row.is_other_specify, "version": CTCAE_VERSION}


_COMPARED = ("term", "soc", *GRADE_FIELDS, "definition", "navigational_note")


def import_terms(
    rows: Sequence[TermRow],
    *,
    by: User | None = None,
    reason: str,
    create_only: bool = False,
    source: str = "",
) -> ImportCounts:
    """Create or update the terms by MedDRA code, all or nothing.

    Only the fields that differ are saved, so importing the same file again writes nothing
    and leaves no audit events. With `create_only`, terms already present are left as they are
    (the bundled starter list must never overwrite NCI's own wording once that is loaded).
    An import that changes anything is a new CtcaeDictionaryVersion with its report of
    changes; AEs keep the wording their term had when recorded (AdverseEvent.recorded_term).
    """
    rows = _check_unique((f"row {i}", row) for i, row in enumerate(rows, start=1))
    created = updated = unchanged = 0
    try:
        with transaction.atomic(), audit_context(by=by, reason=reason):
            existing = CtcaeTerm.objects.select_for_update().in_bulk(field_name="meddra_code")
            stored = {
                code: {name: getattr(term, name) for name in _COMPARED}
                for code, term in existing.items()
            }
            changes = dictionary_changes(stored, rows, create_only=create_only)
            new_terms = []
            for row in rows:
                values = _model_values(row)
                term = existing.get(row.meddra_code)
                if term is None:
                    new_terms.append(CtcaeTerm(meddra_code=row.meddra_code, **values))
                    continue
                changed = [name for name, value in values.items() if getattr(term, name) != value]
                if changed and not create_only:
                    for name in changed:
                        setattr(term, name, values[name])
                    term.save(update_fields=changed)
                    updated += 1
                else:
                    unchanged += 1
            CtcaeTerm.objects.bulk_create(new_terms)
            created = len(new_terms)
            version = None
            if created or updated:
                version = _new_version(changes, by=by, reason=reason, source=source)
    except IntegrityError as exc:
        # E.g. a file that moved a SOC + term to another MedDRA code than the one stored.
        raise CtcaeImportError(f"The terms clash with the stored dictionary: {exc}") from None
    return ImportCounts(
        created=created,
        updated=updated,
        unchanged=unchanged,
        changes=changes,
        version=version.number if version else None,
    )


def _new_version(changes: dict, *, by, reason: str, source: str) -> CtcaeDictionaryVersion:
    renamed = changes.get("renamed", [])
    if renamed:
        # How many recorded AEs use each renamed term (they keep their recorded wording).
        used = dict(
            AdverseEvent.objects.filter(term__meddra_code__in=[e["meddra_code"] for e in renamed])
            .values("term__meddra_code")
            .annotate(n=models.Count("id"))
            .values_list("term__meddra_code", "n")
        )
        for entry in renamed:
            entry["recorded_aes"] = used.get(entry["meddra_code"], 0)
    # Versions are append-only: the application's role may not UPDATE them, so it cannot take
    # SELECT ... FOR UPDATE on them either. A transaction-level advisory lock serialises the
    # numbering of concurrent imports instead (the unique number refuses any race left).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ecrf.ctcae_dictionary_version'))")
    last = CtcaeDictionaryVersion.objects.order_by("-number").first()
    return CtcaeDictionaryVersion.objects.create(
        number=(last.number if last else 0) + 1,
        imported_at=timezone.now(),
        imported_by=by,
        source=source or reason,
        reason=reason,
        term_count=CtcaeTerm.objects.count(),
        changes=changes,
    )
