"""The CRFs as exported: the datasets every registered kind declares in its own app
(review.export_spec: columns, labels, types, code lists), read and formatted here.

CSV, XLSX, the data dictionary and the ODM metadata all read this one specification, so a
column has the same name, label and code list everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Case, Expression, F, Func, QuerySet, Value, When

from review.export_spec import DATATYPES, Column, Dataset, ExportContext
from review.records import export_specs
from trial.models import Subject
from trial.spreadsheet import FIRST_CHARACTERS, FORMULA_TRIGGERS, PLAIN_NUMBER_PATTERN

__all__ = ["DATATYPES", "LIST_SEPARATOR", "Column", "Crf", "crf_specs"]

LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Crf(Dataset):
    """A dataset a kind declares (review.export_spec.Dataset), with how exports read it."""

    @classmethod
    def of(cls, dataset: Dataset) -> Crf:
        return cls(**{f.name: getattr(dataset, f.name) for f in fields(Dataset)})

    def queryset(self, subjects: QuerySet[Subject]) -> QuerySet:
        """This CRF's rows for the given subjects, in export order."""
        if self.subject_path:
            rows = self.model.objects.filter(**{f"{self.subject_path}__in": subjects.values("pk")})
            subject = f"{self.subject_path}__"
        else:
            rows = self.model.objects.filter(pk__in=subjects.values("pk"))
            subject = ""
        return rows.order_by(f"{subject}site__code", f"{subject}screening_number", *self.order_by)

    @property
    def db_paths(self) -> list[str]:
        paths = [c.path for c in self.columns if not c.path.startswith(f"{self.items_from}.")]
        if self.items_from:
            paths.append(self.items_from)
        return [p for p in paths if p]

    def rows(
        self, subjects: QuerySet[Subject], chunk_size: int = 2000, *, as_text: bool = False
    ) -> Iterator[tuple]:
        """Raw values, one tuple per exported row, in column order (streamed).

        `as_text`: datetimes, booleans and lists come already as the text the CSV holds,
        formatted by PostgreSQL (see `sql_text`): parsing them into Python objects only to
        print them again costs more than the rest of the row.
        """
        queryset, paths = self.queryset(subjects), self.db_paths
        if as_text:
            aliases = {}
            for i, column in enumerate(self.columns):
                expression = sql_text(column)
                if expression is not None and column.path in paths:
                    aliases[column.path] = (f"text_{i}", expression)
            queryset = queryset.annotate(**dict(aliases.values()))
            paths = [aliases[p][0] if p in aliases else p for p in paths]
        tuples = queryset.values_list(*paths).iterator(chunk_size)
        if not self.items_from:
            yield from tuples
            return
        positions = []
        for column in self.columns:
            if column.path.startswith(f"{self.items_from}."):
                positions.append((True, column.path.split(".", 1)[1]))
            else:
                positions.append((False, self.db_paths.index(column.path)))
        for values in tuples:
            for item in values[-1] or []:
                yield tuple(item.get(p) if nested else values[p] for nested, p in positions)

    @property
    def copyable(self) -> bool:
        """Whether PostgreSQL can write this dataset's CSV itself (`copy_sql`): one row per
        record and only columns whose CSV text it gives exactly as the Python writer does."""
        return not self.items_from and all(_copyable(self.model, c) for c in self.columns)

    def copy_sql(self, subjects: QuerySet[Subject]) -> str:
        """`COPY (SELECT ...) TO STDOUT` of this dataset's CSV rows (no header), for the
        given subjects in export order: the same cells as the rows `rows(as_text=True)`
        gives once through `trial.spreadsheet.csv_writer`, but rows end in LF, not CRLF.

        The rows are read and sorted first (`queryset`, raw values), their cells computed
        after, by the outer SELECT: sorting the narrow raw rows is what makes COPY fast
        (1.3x a plain COPY against 1.7x computing the cells before the sort). The outer
        ORDER BY is the inner one's, which PostgreSQL sees is met already (no second sort)."""
        rows = self.queryset(subjects)
        order = [(name.lstrip("-"), name.startswith("-")) for name in rows.query.order_by]
        inner = rows.values(
            **{f"c{i}": F(c.path) for i, c in enumerate(self.columns)},
            **{f"o{i}": F(name) for i, (name, _) in enumerate(order)},
        )
        sql, params = inner.query.sql_with_params()
        compiler = inner.query.get_compiler(connection=connection)
        cells, cell_params = [], []
        for i, column in enumerate(self.columns):
            cell_sql, cell_args = compiler.compile(_copy_cell(column, f"c{i}"))
            cells.append(cell_sql)
            cell_params.extend(cell_args)
        keys = ", ".join(f"r.o{i}{' DESC' if desc else ''}" for i, (_, desc) in enumerate(order))
        select = connection.ops.compose_sql(
            f"SELECT {', '.join(cells)} FROM ({sql} OFFSET 0) AS r ORDER BY {keys}",
            (*cell_params, *params),
        )
        return f"COPY ({select}) TO STDOUT (FORMAT csv)"

    def count(self, subjects: QuerySet[Subject]) -> int:
        if self.items_from:
            # One row per element: every row holds as many (a finding per criterion).
            return self.queryset(subjects).count() * self.items_per_row
        return self.queryset(subjects).count()


class IsoUtc(Func):
    """A timestamp as ISO 8601 text in UTC ("2026-11-21T09:30:00Z"), formatted by PostgreSQL."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    output_field = models.CharField()


def sql_text(column: Column):
    """The database expression giving a column's CSV text, or None to print it as it is."""
    if column.datatype == "datetime":
        return IsoUtc(column.path)
    if column.datatype == "boolean":
        return Case(
            When(**{column.path: True}, then=Value("Y")),
            When(**{column.path: False}, then=Value("N")),
            output_field=models.CharField(),
        )
    if column.datatype == "list":
        return Func(
            column.path,
            Value(LIST_SEPARATOR),
            function="array_to_string",
            output_field=models.CharField(),
        )
    return None


class Neutralised(Func):
    """Text as `trial.spreadsheet.neutralised` leaves it, computed by PostgreSQL, and an
    empty text as NULL (both are an empty cell; COPY would write "" for the empty text)."""

    arity = 1
    output_field = models.TextField()
    # The first character's code rules out nearly every cell before a regular expression.
    FIRST_CODES = ", ".join(str(ord(c)) for c in sorted(FIRST_CHARACTERS))
    # Apostrophes, then a trigger ("-" last in the bracket, where it means itself).
    FORMULA_START = "^'*[" + "".join(sorted(FORMULA_TRIGGERS, key=lambda t: t == "-")) + "]"
    PLAIN_NUMBER = f"^({PLAIN_NUMBER_PATTERN})$"

    def as_sql(self, compiler, connection, **extra):
        text, params = compiler.compile(self.source_expressions[0])
        sql = (
            f"CASE WHEN ascii({text}) IN ({self.FIRST_CODES}) AND {text} ~ %s "
            f"AND {text} !~ %s THEN '''' || {text} ELSE NULLIF({text}, '') END"
        )
        return sql, (
            *params,
            *params,
            self.FORMULA_START,
            *params,
            self.PLAIN_NUMBER,
            *params,
            *params,
        )


class IsoDate(Func):
    """A date as ISO 8601 text ("2026-11-21"), as Python's str() prints it."""

    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
    output_field = models.CharField()


# The model fields whose CSV text PostgreSQL gives exactly as the Python writer does, by
# datatype. Not floats and decimals (Python prints 1.0 and 1E-7 where PostgreSQL prints 1
# and 0.0000001), times (microseconds) or JSON (key order, spacing).
_COPY_FIELDS = {
    "text": (models.CharField, models.TextField),
    "integer": (models.IntegerField,),
    "date": (models.DateField,),
    "datetime": (models.DateTimeField,),
    "boolean": (models.BooleanField,),
    "list": (ArrayField,),
}


def _field_at(model: type[models.Model], path: str) -> models.Field | None:
    """The model field a column's path ends on; None past a JSON key (labs__anc__value)."""
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
        if model is None:
            return None
    return model._meta.get_field(last)


def _copyable(model: type[models.Model], column: Column) -> bool:
    kinds = _COPY_FIELDS.get(column.datatype)
    field = _field_at(model, column.path)
    if not kinds or not isinstance(field, kinds):
        return False
    if column.datatype == "date":
        return not isinstance(field, models.DateTimeField)
    if column.datatype == "list":
        return isinstance(field.base_field, _COPY_FIELDS["text"])
    return True


class _Cell(Expression):
    """A column of the sorted rows `Crf.copy_sql` reads (its subquery `r`)."""

    def __init__(self, alias: str, output_field: models.Field):
        super().__init__(output_field=output_field)
        self.alias = alias

    def as_sql(self, compiler, connection):
        return f"r.{self.alias}", []


class YesNo(Func):
    """A boolean as Y/N (NULL stays NULL), as `sql_text` and `_yes_no` write it."""

    template = "CASE WHEN %(expressions)s THEN 'Y' WHEN NOT %(expressions)s THEN 'N' END"
    output_field = models.CharField()


def _copy_cell(column: Column, alias: str):
    """The expression giving a column's CSV cell from the sorted rows, in COPY."""
    if column.datatype == "text":
        return Neutralised(_Cell(alias, models.TextField()))
    if column.datatype == "list":
        cell = _Cell(alias, ArrayField(models.TextField()))
        joined = Func(cell, Value(LIST_SEPARATOR), function="array_to_string")
        return Neutralised(joined, output_field=models.TextField())
    if column.datatype == "date":
        return IsoDate(_Cell(alias, models.DateField()))
    if column.datatype == "datetime":
        return IsoUtc(_Cell(alias, models.DateTimeField()))
    if column.datatype == "boolean":
        return YesNo(_Cell(alias, models.BooleanField()))
    return _Cell(alias, models.IntegerField())


def crf_specs(lab_codes: Iterable[tuple[str, str]] = ()) -> tuple[Crf, ...]:
    """Every exported dataset, in the order of the data dictionary: those of every registered
    kind (review.records.export_specs), each declared by its own app.

    `lab_codes` are the study's (code, label) organ-function labs (the eligibility CRF
    exports a value column and a ULN column per lab).
    """
    context = ExportContext(lab_codes=tuple(tuple(lab) for lab in lab_codes))
    return tuple(Crf.of(dataset) for spec in export_specs() for dataset in spec.datasets(context))


# --- formatting values ------------------------------------------------------------------------


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


def _join(value) -> str:
    return LIST_SEPARATOR.join(str(v) for v in value)


def _json(value) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_TEXT_FORMATTERS: dict[str, Callable] = {
    "datetime": _utc_iso,
    "boolean": _yes_no,
    "list": _join,
    "json": _json,
}


def text_formatters(
    columns: Iterable[Column], *, as_text: bool = False
) -> list[tuple[int, Callable]]:
    """(position, formatter) for the columns whose values are not written as str() already.

    Dates, times, numbers and text print as ISO 8601 / plain text by themselves; datetimes
    (UTC, ISO 8601), booleans (Y/N), lists and JSON need converting, unless the rows were
    read `as_text` (then only JSON is left to Python).
    """
    return [
        (i, _TEXT_FORMATTERS[c.datatype])
        for i, c in enumerate(columns)
        if c.datatype in _TEXT_FORMATTERS and not (as_text and sql_text(c) is not None)
    ]


def formatted(row: tuple, formatters: list[tuple[int, Callable]]) -> tuple | list:
    if not formatters:
        return row
    values = list(row)
    for i, formatter in formatters:
        if values[i] is not None:
            values[i] = formatter(values[i])
    return values


def dictionary_rows(crfs: Iterable[Crf]) -> Iterator[tuple[str, ...]]:
    """The data dictionary: one row per column of every CRF."""
    shown = {
        "datetime": "datetime (ISO 8601, UTC)",
        "boolean": "boolean (Y/N)",
        "list": f"list of codes separated by '{LIST_SEPARATOR}'",
        "date": "date (ISO 8601)",
    }
    for crf in crfs:
        for column in crf.columns:
            yield (
                crf.name,
                column.name,
                column.label,
                shown.get(column.datatype, column.datatype),
                "; ".join(f"{code} = {label}" for code, label in column.codelist),
                f"{crf.model._meta.label}.{column.path}",
            )


DICTIONARY_HEADER = ("dataset", "column", "label", "type", "codes", "source")
