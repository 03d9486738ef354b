"""What exports read of a CRF kind: its datasets (columns, labels, types, code lists) and its
read-only API endpoint and its SDTM domains, declared by the CRF's own app beside its kind
(`CrfKind.export`).

Data and callables only: exports (CSV, XLSX, the data dictionary, ODM) and the API loop over
the registered specifications (`review.records.export_specs`), so a new CRF app's kind is
exported and served without code in exports naming it. Columns are derived from the model
fields (verbose names, choices), so a field added to a CRF appears in every export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import QuerySet

from review.sdtm import SdtmDomain
from trial.access import scope_to_sites
from trial.capabilities import Capability
from trial.models import DoseLevel, Site, User

# ODM 1.3.2 data types used here; "list" is several codes in one text value ("a|b").
DATATYPES = ("text", "integer", "float", "date", "datetime", "time", "boolean", "list", "json")


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
class Odm:
    """Where a dataset sits in the ODM file (exports.odm)."""

    # "screening": a form of the screening event; "visit": the visit rows themselves, a form
    # in each visit's event; "dosing visit": a form in the event of the row's visit
    # (`visit_id`); "log": a repeating form of the log event; "group": a repeating item group
    # of its parent's form.
    placement: str
    subject_lookup: str = "subject_id"  # from the event model to the subject's id
    # The repeat key: of a log form, the event row's field (default: the record's id); of a
    # group, the key of each element of its exploded list or the row's field.
    repeat_key: str = ""
    # A group: its parent dataset (by name), and the field of a group row holding the parent
    # record's id (empty: the group is the parent row's own exploded list, `items_from`).
    parent: str = ""
    parent_key: str = ""
    # A group whose repeat key is the id of a row of another form, shown as that row's field:
    # (dataset name, field) (a lesion measurement is keyed by its lesion's "T1").
    repeat_key_via: tuple[str, str] = ()


@dataclass(frozen=True)
class Dataset:
    """One exported dataset: a file of the CSV zip, a sheet of the XLSX workbook."""

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
    # How many elements that list holds on every row (one finding per criterion).
    items_per_row: int = 0
    odm: Odm | None = None  # None: not in the ODM file


@dataclass(frozen=True)
class ExportContext:
    """What a kind's datasets may depend on beyond its model: the study's configuration."""

    # The study's (code, label) organ-function labs, in their order.
    lab_codes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ApiEndpoint:
    """A read-only list and detail endpoint of the REST API (/api/<path>/)."""

    path: str  # "dosing-records"
    basename: str  # URL names "<basename>-list" and "<basename>-detail"
    # The DRF serializer (a class, or its dotted path, imported when the URLs are built).
    serializer: type | str
    # The rows the user may read, in the API's order (trial.access scoping included).
    queryset: Callable[[User], QuerySet]
    description: str = ""
    subject_field: str = "subject"  # the foreign key filtered by ?subject=


@dataclass(frozen=True)
class ExportSpec:
    # Where the kind's datasets stand among every exported one (files, sheets, dictionary,
    # ODM forms), lowest first; ties are ordered by model label.
    position: int
    # The kind's datasets, in order (a CRF with child rows or an exploded list gives several).
    datasets: Callable[[ExportContext], tuple[Dataset, ...]]
    api: tuple[ApiEndpoint, ...] = ()
    # The SDTM domains the kind gives (review.sdtm), in the SDTM zip with define.xml.
    sdtm: tuple[SdtmDomain, ...] = ()


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


# How a foreign key to a trial row is exported: (column name suffix, attribute of the row).
# A CRF app exporting a key to one of its own reference tables passes it as `related`.
RELATED_ATTRIBUTES: Mapping[type[models.Model], tuple[tuple[str, str], ...]] = {
    User: (("", "username"),),
    DoseLevel: (("", "code"),),
    Site: (("", "code"),),
}


def model_columns(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    related: Mapping[type[models.Model], tuple[tuple[str, str], ...]] | None = None,
) -> list[Column]:
    """A column per concrete field, foreign keys exported by their natural key (a key to a
    model in neither RELATED_ATTRIBUTES nor `related` is left out)."""
    skipped = set(exclude)
    natural_keys = {**RELATED_ATTRIBUTES, **(related or {})}
    columns = []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.name in skipped:
            continue
        if model_field.is_relation:
            target_model = model_field.related_model
            for suffix, attribute in natural_keys.get(target_model, ()):
                target = target_model._meta.get_field(attribute)
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


SUBJECT = subject_keys("subject__")
RECORD_ID = Column("record_id", "id", "Record id (database key)", "integer", key=True)
GENERIC_RECORD = [
    Column("record_type", "content_type__model", "Kind of record", "text", key=True),
    Column("record_object_id", "object_id", "Record id (database key)", "integer", key=True),
]


def subject_dataset(
    label: str,
    name: str,
    title: str,
    oid: str,
    *,
    order_by: tuple[str, ...] = (),
    keys: Iterable[Column] = (),
    exclude: Iterable[str] = (),
    related: Mapping[type[models.Model], tuple[tuple[str, str], ...]] | None = None,
    odm: Odm | None = None,
) -> Dataset:
    """The common dataset: a row per record of a model keyed to its subject, its record id,
    the subject's keys, the record's other `keys` (its visit), then a column per field."""
    model = apps.get_model(label)
    return Dataset(
        name,
        title,
        oid,
        model,
        "subject",
        (
            RECORD_ID,
            *SUBJECT,
            *keys,
            *model_columns(model, exclude=("subject", *exclude), related=related),
        ),
        order_by,
        odm=odm,
    )


# --- reading for the API -------------------------------------------------------------------


def api_rows(
    queryset: QuerySet, user: User, capability: Capability | None = None, path: str = "subject__"
) -> QuerySet:
    """The rows of the user's sites (where they hold `capability`, any role if None), voided
    subjects (entered in error) and their records left out, as on the web."""
    return scope_to_sites(
        queryset.filter(**{f"{path}voided_at__isnull": True}),
        user,
        capability,
        site_field=f"{path}site",
    )
