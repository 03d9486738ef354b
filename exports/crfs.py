"""The CRFs as exported: one dataset per CRF, with its columns, labels, types and code lists.

CSV, XLSX, the data dictionary and the ODM metadata all read this one specification, so a
column has the same name, label and code list everywhere. Columns are derived from the model
fields (verbose names, choices), so a field added to a CRF appears in every export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, Func, QuerySet, Value, When

from adverse_events.models import AdverseEvent, CtcaeTerm
from dosing.models import (
    Disposition,
    DosingRecord,
    LesionMeasurement,
    TargetLesionDefinition,
    TumourAssessment,
)
from review.models import Query, QueryMessage, Signature
from screening.eligibility import CRITERIA
from screening.models import Consent, EligibilityAssessment
from trial.models import DoseLevel, Site, Subject, User, Visit

# ODM 1.3.2 data types used here; "list" is several codes in one text value ("a|b").
DATATYPES = ("text", "integer", "float", "date", "datetime", "time", "boolean", "list", "json")
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    name: str
    path: str  # ORM lookup from the CRF's model ("onset_date", "term__soc", "labs__anc__value")
    label: str
    datatype: str
    codelist: tuple[tuple[str, str], ...] = ()
    # Identifies the subject or the parent record (site, subject numbers, visit code): carried
    # by the ODM structure (SubjectKey, StudyEvent, repeat keys) rather than as an item.
    key: bool = False
    max_length: int | None = None  # the model field's max_length (CharField), if any


@dataclass(frozen=True)
class Crf:
    name: str  # file and sheet name
    title: str
    oid: str  # short code for ODM OIDs (F.<oid>, IG.<oid>, IT.<oid>.<column>)
    model: type[models.Model]
    subject_path: str  # lookup from the model to its Subject ("" for Subject itself)
    columns: tuple[Column, ...]
    order_by: tuple[str, ...]
    # A JSON list on the model exploded into one row per element (eligibility findings):
    # columns with a path starting with "<items_from>." read that key of each element.
    items_from: str = ""

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

    def count(self, subjects: QuerySet[Subject]) -> int:
        if self.items_from:
            # One row per finding: every assessment has one finding per criterion.
            return self.queryset(subjects).count() * len(CRITERIA)
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


# --- deriving columns from models ----------------------------------------------------------


def _datatype(model_field: models.Field) -> str:
    if isinstance(model_field, ArrayField):
        return "list"
    if isinstance(model_field, models.JSONField):
        return "json"
    if isinstance(model_field, models.BooleanField):
        return "boolean"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.TimeField):
        return "time"
    if isinstance(model_field, models.DecimalField | models.FloatField):
        return "float"
    if isinstance(model_field, models.IntegerField):
        return "integer"
    return "text"


def _codelist(model_field: models.Field) -> tuple[tuple[str, str], ...]:
    source = model_field.base_field if isinstance(model_field, ArrayField) else model_field
    return tuple((str(code), str(label)) for code, label in (source.flatchoices or ()))


def _max_length(model_field: models.Field) -> int | None:
    if isinstance(model_field, models.CharField):
        return model_field.max_length
    return None


def _label(model_field: models.Field) -> str:
    text = str(model_field.verbose_name)
    return text[0].upper() + text[1:]


# How a foreign key is exported: (column name suffix, attribute of the related row).
RELATED_ATTRIBUTES: dict[type[models.Model], tuple[tuple[str, str], ...]] = {
    User: (("", "username"),),
    DoseLevel: (("", "code"),),
    Site: (("", "code"),),
    CtcaeTerm: (("", "term"), ("_meddra_code", "meddra_code"), ("_soc", "soc")),
}


def model_columns(model: type[models.Model], *, exclude: Iterable[str] = ()) -> list[Column]:
    """A column per concrete field, foreign keys exported by their natural key."""
    skipped = set(exclude)
    columns = []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.name in skipped:
            continue
        if model_field.is_relation:
            related = model_field.related_model
            for suffix, attribute in RELATED_ATTRIBUTES.get(related, ()):
                target = related._meta.get_field(attribute)
                columns.append(
                    Column(
                        name=f"{model_field.name}{suffix}",
                        path=f"{model_field.name}__{attribute}",
                        label=f"{_label(model_field)} ({target.verbose_name})",
                        datatype=_datatype(target),
                        max_length=_max_length(target),
                    )
                )
            continue
        columns.append(
            Column(
                name=model_field.name,
                path=model_field.name,
                label=_label(model_field),
                datatype=_datatype(model_field),
                codelist=_codelist(model_field),
                max_length=_max_length(model_field),
            )
        )
    return columns


def subject_keys(prefix: str) -> list[Column]:
    """Which subject a row belongs to: site code and both subject numbers."""
    return [
        Column("site", f"{prefix}site__code", "Site code", "text", key=True),
        Column(
            "screening_number", f"{prefix}screening_number", "Screening number", "text", key=True
        ),
        Column("subject_number", f"{prefix}subject_number", "Subject number", "text", key=True),
    ]


RECORD_ID = Column("record_id", "id", "Record id (database key)", "integer", key=True)
GENERIC_RECORD = [
    Column("record_type", "content_type__model", "Kind of record", "text", key=True),
    Column("record_object_id", "object_id", "Record id (database key)", "integer", key=True),
]


def crf_specs(lab_codes: Iterable[tuple[str, str]] = ()) -> tuple[Crf, ...]:
    """Every exported CRF, in the order of the data dictionary.

    `lab_codes` are the study's (code, label) organ-function labs: the eligibility CRF stores
    them in one JSON field, exported as one value column and one ULN column per lab.
    """
    subject = subject_keys("subject__")
    labs = []
    for code, label in lab_codes:
        labs += [
            Column(f"lab_{code}", f"labs__{code}__value", f"{label} (result)", "text"),
            Column(f"lab_{code}_uln", f"labs__{code}__uln", f"{label} (ULN)", "text"),
        ]
    criteria = tuple((c.code, c.title) for c in CRITERIA)
    return (
        Crf(
            "subjects",
            "Registration and demographics",
            "DM",
            Subject,
            "",
            (
                RECORD_ID,
                *subject_keys(""),
                *model_columns(
                    Subject, exclude=("study", "site", "screening_number", "subject_number")
                ),
            ),
            (),
        ),
        Crf(
            "consent",
            "Informed consent",
            "IC",
            Consent,
            "subject",
            (RECORD_ID, *subject, *model_columns(Consent, exclude=("subject",))),
            (),
        ),
        Crf(
            "eligibility",
            "Eligibility assessment",
            "IE",
            EligibilityAssessment,
            "subject",
            (
                RECORD_ID,
                *subject,
                *model_columns(EligibilityAssessment, exclude=("subject", "labs", "findings")),
                *labs,
            ),
            (),
        ),
        Crf(
            "eligibility_findings",
            "Eligibility findings (one row per criterion, computed)",
            "IEF",
            EligibilityAssessment,
            "subject",
            (
                Column("assessment_id", "id", "Eligibility assessment id", "integer", key=True),
                *subject,
                Column("code", "findings.code", "Criterion code", "text", criteria),
                Column("criterion", "findings.criterion", "Criterion", "text"),
                Column(
                    "outcome",
                    "findings.outcome",
                    "Outcome",
                    "text",
                    (("met", "Met"), ("failed", "Failed"), ("missing", "Missing")),
                ),
                Column("reason", "findings.reason", "Reason", "text"),
            ),
            (),
            items_from="findings",
        ),
        Crf(
            "visits",
            "Visits (schedule and completion)",
            "SV",
            Visit,
            "subject",
            (RECORD_ID, *subject, *model_columns(Visit, exclude=("subject",))),
            ("order",),
        ),
        Crf(
            "dosing",
            "Dosing visit",
            "EX",
            DosingRecord,
            "subject",
            (
                RECORD_ID,
                *subject,
                Column("visit", "visit__code", "Visit", "text", key=True),
                *model_columns(DosingRecord, exclude=("subject", "visit")),
            ),
            ("visit__order",),
        ),
        Crf(
            "target_lesions",
            "Target lesions (RECIST 1.1 baseline)",
            "TL",
            TargetLesionDefinition,
            "subject",
            (RECORD_ID, *subject, *model_columns(TargetLesionDefinition, exclude=("subject",))),
            ("lesion_id",),
        ),
        Crf(
            "tumour_assessments",
            "Tumour assessments (RECIST 1.1 time points)",
            "TU",
            TumourAssessment,
            "subject",
            (RECORD_ID, *subject, *model_columns(TumourAssessment, exclude=("subject",))),
            ("assessment_date",),
        ),
        Crf(
            "lesion_measurements",
            "Target lesion measurements",
            "TR",
            LesionMeasurement,
            "assessment__subject",
            (
                RECORD_ID,
                *subject_keys("assessment__subject__"),
                Column(
                    "assessment_id", "assessment_id", "Tumour assessment id", "integer", key=True
                ),
                Column(
                    "assessment_date",
                    "assessment__assessment_date",
                    "Assessment date",
                    "date",
                    key=True,
                ),
                Column("lesion_id", "lesion__lesion_id", "Lesion id", "text", key=True),
                *model_columns(LesionMeasurement, exclude=("assessment", "lesion")),
            ),
            ("assessment__assessment_date", "lesion__lesion_id"),
        ),
        Crf(
            "adverse_events",
            "Adverse events (CTCAE v5.0)",
            "AE",
            AdverseEvent,
            "subject",
            (RECORD_ID, *subject, *model_columns(AdverseEvent, exclude=("subject",))),
            ("sequence",),
        ),
        Crf(
            "dispositions",
            "End of treatment, end of study, withdrawal, death",
            "DS",
            Disposition,
            "subject",
            (RECORD_ID, *subject, *model_columns(Disposition, exclude=("subject",))),
            ("event_date", "id"),
        ),
        Crf(
            "signatures",
            "Electronic signatures",
            "SIG",
            Signature,
            "subject",
            (
                RECORD_ID,
                *subject,
                *GENERIC_RECORD,
                *model_columns(Signature, exclude=("subject", "content_type", "object_id")),
            ),
            ("signed_at", "id"),
        ),
        Crf(
            "queries",
            "Queries",
            "QRY",
            Query,
            "subject",
            (
                RECORD_ID,
                *subject,
                *GENERIC_RECORD,
                *model_columns(Query, exclude=("subject", "content_type", "object_id")),
            ),
            ("raised_at", "id"),
        ),
        Crf(
            "query_messages",
            "Query messages",
            "QRYMSG",
            QueryMessage,
            "query__subject",
            (
                RECORD_ID,
                *subject_keys("query__subject__"),
                Column("query_id", "query_id", "Query id", "integer", key=True),
                *model_columns(QueryMessage, exclude=("query",)),
            ),
            ("query__raised_at", "created_at", "id"),
        ),
    )


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
