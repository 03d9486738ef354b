"""The registry of CRF kinds: what review, exports, the API and the subject pages know of a CRF.

Each CRF app declares its kinds in its own `crf.py` and registers them from its
`AppConfig.ready()` (`review.records.register(*KINDS)`); trial's own records (the subject's
registration, its visits) are registered by review, the floor above trial. A kind is data and
callables, not a base class: outside its own app no code names a CRF. Models are resolved
lazily (apps.get_model), so a kind can be declared before its app's models are imported.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils.module_loading import import_string

from review.export_spec import ApiEndpoint, ExportSpec
from review.sdtm import SdtmDomain
from trial.access import scope_to_sites
from trial.audit import register_history
from trial.models import Subject, User


@dataclass(frozen=True)
class QueueTask:
    """A task of the investigator's queue that a kind declares beyond signing its rows: the
    record by its key, so that a queue of thousands loads only the page it shows."""

    task: str
    detail: str
    pk: int
    subject_id: int
    since: datetime


@dataclass(frozen=True)
class CrfKind:
    label: str
    name: str
    # The meaning an investigator signs this CRF with through review.services.record_sign;
    # None: signed through its own service (eligibility confirmation) or not signed at all.
    sign_meaning: str | None = None
    # Why record_sign refuses a CRF signed by its own service (its sign_meaning is None).
    signed_elsewhere: str = ""
    # A record that can carry a signature can be locked on its own.
    lockable: bool = False
    # The fields the site enters on this CRF (what a query or a verification may name): the
    # dotted path of its app's field list, read lazily (no import cycle), or the names.
    entered_fields: str | tuple[str, ...] = ()
    # Of those, the ones asked for women only (not shown, nor offered, for a man).
    women_only: tuple[str, ...] = ()
    # The page where a record is read (and edited, when it may be); None: its subject's page.
    url: Callable[[Model], str] | None = None
    # A short name of a record within its subject ("Dosing C2D1"); None: the kind's name.
    title: Callable[[Model], str] | None = None
    # What `title` reads beyond the row (select_related / prefetch), to load with it.
    title_related: tuple[str, ...] = ()
    # Stamps of acts recorded beside the content (not hashed by a signature; review.signing).
    stamps: frozenset[str] = frozenset()
    # Facts kept on another row that the content depends on (row attribute paths; hashed).
    related_content: tuple[str, ...] = ()
    # The stamp (a lookup from the record) that the database moves at every change of a
    # related_content fact (None: never changed). With it, a signature stamped after both the
    # record's last save and this stamp is current without hashing (review.current); a kind
    # with related_content and no such stamp hashes every signed record.
    related_saved_at: str = ""
    # Why a stored record cannot be signed yet ("" when it can), checked under the row lock.
    sign_blocker: Callable[[Model], str] | None = None
    # The automatic edit checks of a saved record: (record, now) -> [review.checks.Failure].
    edit_checks: Callable[[Model, datetime], list] | None = None
    # The rows of this kind a user may read the audit history of (trial.audit.history_scope);
    # None: the kind has no per-record history page.
    history_scope: Callable[[User], QuerySet] | None = None
    # Child rows whose history belongs to this record's subject: (event model label of the
    # child's pghistory events, attribute of the subject giving the parents).
    history_children: tuple[tuple[str, str], ...] = ()
    # The kind's section of the subject page: (subject, user) -> the context of the template
    # `subject_template` (None: no section for this user), shown in registration order.
    subject_section: Callable[[Subject, User], dict | None] | None = None
    subject_template: str = ""
    # Model labels of child rows entered on this CRF (lesion measurements of an assessment).
    children: tuple[str, ...] = field(default=())
    # What exports (CSV, XLSX, data dictionary, ODM) and the API read of it; None: not exported.
    export: ExportSpec | None = None

    # --- the review kernel: the investigator's queue, the task counts, the content hash ---
    # (Kept together in this block; other blocks of fields belong to other readers.)
    # The rows of these subjects that must carry a valid signature, voided ones left out:
    # (subjects) -> queryset; None: not in the review queue. Each row without a valid
    # signature is a `sign_task` in the queue (and in the navigation's count).
    to_sign: Callable[[QuerySet], QuerySet] | None = None
    sign_task: str = ""
    # The column stamped at each save of a row: the queue's "since", and the counts'
    # shortcut (a signature stamped after the last save matches without hashing).
    saved_at: str = "updated_at"
    # What the content hash reads beyond the row (select_related), loaded with it.
    hash_related: tuple[str, ...] = ()
    # The queue's other tasks on this kind: (subjects, limit) -> [QueueTask] (records by key):
    # at least the first `limit` of each task in queue order (since, subject, record; None:
    # all), so that a page reads a page's worth whatever the queue's length. Their number is
    # counted without building them (task_counts; tested equal).
    other_tasks: Callable[[QuerySet, int | None], list] | None = None
    other_task_count: Callable[[QuerySet], int] | None = None
    # The rows a monitor has to source-verify (whole form): (subjects) -> queryset; None:
    # not counted in the monitor's "to verify".
    to_verify: Callable[[QuerySet], QuerySet] | None = None
    # Content kept on child rows, hashed with the record (review.signing): record -> a
    # JSON-ready value (the lesion measurements of a tumour assessment). None: no children.
    child_content: Callable[[Model], object] | None = None
    # What child_content reads (prefetch_related), loaded with many rows at once.
    child_prefetch: tuple[str, ...] = ()
    # Void columns (voided_at, void_reason) added to this CRF after records were signed:
    # hashed only once the record is voided, so the signatures made before they existed
    # stay valid and a void still shows the signature as no longer valid. False: always
    # hashed (adverse events, voided since their first signature).
    void_hashed_when_voided: bool = False
    # The schedule of assessments ([[assessments]] of the study file, trial.assessments):
    # whether the schedule may name this kind, and how its records are found at a visit:
    # "visit" (by their visit_id: a visit's CRF, dosing, lab results) or "subject" (one per
    # subject, entered in screening before any visit exists: consent, eligibility); "": it
    # cannot be scheduled (the study loader refuses it). `schedule_panels`: (code, label) of
    # the panels an entry must name, each a form of its own at a visit made of the kind's rows
    # of that panel (the lab panels; the ECG time points), read from the rows' column
    # `schedule_panel_field`; () a kind of one form per visit. Where it is expected
    # the subject matrix and the subject page show it (review.matrix), My tasks counts it
    # missing and the reminder scan reminds of it (review.task_counts.missing_forms):
    # `matrix_url` gives the form's page from the subject ("subject") or the visit, saved or
    # not; `matrix_reviewed`: its signature, verification and own lock show (else it is
    # complete once saved and locked with its subject); `matrix_complete`: whether a saved
    # row is complete (None: always).
    schedule_by: str = ""
    schedule_panels: tuple[tuple[str, str], ...] = ()
    schedule_panel_field: str = "panel"
    # A few words on a saved record of a one-record form, shown with its name on the subject
    # page ("Dosing: given as planned"); None: its state only.
    matrix_detail: Callable[[Model], str] | None = None
    matrix_url: Callable[[Model], str] | None = None
    matrix_reviewed: bool = False
    matrix_complete: Callable[[Model], bool] | None = None
    # A form of several rows that is complete only when the rows the visit plans are all
    # there (the samples of [samples] at a visit): (visit, its live rows) -> complete.
    matrix_form_complete: Callable[[Model, list[Model]], bool] | None = None
    # The form's name on the schedule when it is not the kind's ("Samples" for "Sample").
    schedule_name: str = ""
    # The button a visit row of the subject page shows for this form while it is not
    # started, to the site staff who may enter it ("Record dose"); "": the form's link only.
    matrix_action: str = ""

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.label)

    def fields(self) -> tuple[str, ...]:
        if isinstance(self.entered_fields, str):
            return tuple(import_string(self.entered_fields))
        return self.entered_fields


# Kept for the readers of the former name.
RecordKind = CrfKind

_REGISTRY: dict[str, CrfKind] = {}
# Read-only view of the registry, by model label ("dosing.dosingrecord").
KINDS: Mapping[str, CrfKind] = MappingProxyType(_REGISTRY)


SCHEDULED_BY = ("visit", "subject")


def register(*kinds: CrfKind) -> None:
    """Add CRF kinds (from an AppConfig.ready()); a label registered twice is a wiring error."""
    for kind in kinds:
        if kind.label != kind.label.lower():
            raise ImproperlyConfigured(f"CRF kind label {kind.label!r} must be lower case.")
        if kind.schedule_by and (kind.schedule_by not in SCHEDULED_BY or kind.matrix_url is None):
            raise ImproperlyConfigured(
                f"CRF kind {kind.label!r}: schedule_by must be one of {', '.join(SCHEDULED_BY)} "
                "and a scheduled kind needs its matrix_url."
            )
        if kind.label in _REGISTRY and _REGISTRY[kind.label] != kind:
            raise ImproperlyConfigured(f"CRF kind {kind.label!r} is registered twice.")
        _REGISTRY[kind.label] = kind
        if kind.history_scope is not None:
            register_history(kind.model, kind.history_scope)


def schedulable_forms() -> dict[str, tuple[str, ...]]:
    """The forms the schedule of assessments may name: {kind label: its panel codes}
    (trial.hooks "schedulable_forms", called by the study loader)."""
    return {
        kind.label: tuple(code for code, _label in kind.schedule_panels)
        for kind in _REGISTRY.values()
        if kind.schedule_by
    }


def form_name(kind: CrfKind, panel: str = "") -> str:
    """The name of a scheduled form: the kind's, or its panel's label ("Haematology")."""
    return (
        dict(kind.schedule_panels).get(panel, panel) if panel else kind.schedule_name or kind.name
    )


def site_scoped(label: str, site_field: str = "subject__site") -> Callable[[User], QuerySet]:
    """A history scope: the rows of `label` at the user's sites."""

    def scope(user: User) -> QuerySet:
        return scope_to_sites(apps.get_model(label).objects.all(), user, site_field=site_field)

    return scope


def all_kinds() -> Iterator[CrfKind]:
    return iter(tuple(_REGISTRY.values()))


def kind_of(record: Model) -> CrfKind | None:
    return _REGISTRY.get(record._meta.label_lower)


def subject_of(record: Model) -> Subject:
    """The subject a record belongs to (a subject belongs to itself)."""
    if isinstance(record, Subject):
        return record
    return record.subject


def record_url(record: Model) -> str:
    """The page where the record is read (and edited, when it may be)."""
    kind = kind_of(record)
    if kind and kind.url:
        return kind.url(record)
    return reverse("subject_detail", args=[subject_of(record).pk])


def field_choices(record: Model) -> list[tuple[str, str]]:
    """(name, label) of the fields a query or a verification may name on this record: the
    ones the site enters on its CRF (never derived ones such as the SAE report's due time),
    and for a man not those asked for women only (a pregnancy test)."""
    kind = kind_of(record)
    entered = set(kind.fields()) if kind and kind.fields() else None
    if kind and kind.women_only and subject_of(record).sex != "F":
        entered = (entered or set()) - set(kind.women_only)
    skip = {"id", "subject", "visit", "version", "recorded_by", "recorded_at", "updated_at"}
    return [
        (field.name, str(field.verbose_name))
        for field in record._meta.concrete_fields
        if field.editable and field.name not in skip and (entered is None or field.name in entered)
    ]


def field_label(record_or_model, field_name: str) -> str:
    if not field_name:
        return ""
    try:
        return str(record_or_model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:  # a field since renamed: show its name
        return field_name


def record_title(record: Model) -> str:
    """A short name of the record within its subject ("Dosing C2D1", "AE3 Fever")."""
    kind = kind_of(record)
    if kind and kind.title:
        return kind.title(record)
    return kind.name if kind else f"{record._meta.verbose_name} #{record.pk}"


def title_related(label: str) -> tuple[str, ...]:
    """What record_title reads beyond a row of this label, to load with it."""
    kind = _REGISTRY.get(label)
    return kind.title_related if kind else ()


# --- exports: the datasets and API endpoints of every kind (review.export_spec) -------------

# Exported records that are not CRF kinds (review's signatures and queries), and CRF records
# whose kind is not registered yet: each moves into its kind's `export` once it has one.
_EXPORT_ONLY: dict[str, ExportSpec] = {}


def register_export(label: str, spec: ExportSpec) -> None:
    """Export the records of `label` that are not (yet) a CRF kind (from an AppConfig.ready())."""
    if label in _REGISTRY:
        raise ImproperlyConfigured(f"{label!r} is a CRF kind: declare its export on the kind.")
    if label in _EXPORT_ONLY and _EXPORT_ONLY[label] != spec:
        raise ImproperlyConfigured(f"The export of {label!r} is registered twice.")
    _EXPORT_ONLY[label] = spec


def export_specs() -> list[ExportSpec]:
    """Every exported kind's specification, in export order (position, then model label)."""
    specs = {label: kind.export for label, kind in _REGISTRY.items() if kind.export}
    if both := set(specs) & set(_EXPORT_ONLY):
        raise ImproperlyConfigured(f"{sorted(both)} are CRF kinds: declare their export there.")
    specs |= _EXPORT_ONLY
    return [
        specs[label] for label in sorted(specs, key=lambda label: (specs[label].position, label))
    ]


def sdtm_domains() -> list[SdtmDomain]:
    """Every SDTM domain the exported kinds declare, by position; a domain declared twice
    is a wiring error."""
    domains: dict[str, SdtmDomain] = {}
    for spec in export_specs():
        for domain in spec.sdtm:
            if domain.domain in domains and domains[domain.domain] != domain:
                raise ImproperlyConfigured(f"SDTM domain {domain.domain} is declared twice.")
            domains[domain.domain] = domain
    return sorted(domains.values(), key=lambda d: (d.position, d.domain))


def api_endpoints() -> list[ApiEndpoint]:
    """Every read-only API endpoint the exported kinds declare, in export order."""
    return [endpoint for spec in export_specs() for endpoint in spec.api]


@dataclass(frozen=True)
class SubjectSection:
    template: str
    context: dict


def subject_sections(
    subject: Subject, user: User, bound: dict | None = None
) -> list[SubjectSection]:
    """The sections the registered kinds add to the subject page, for this user.

    `bound` is {kind label: form} for a section's form refused on post: that section shows
    it, with what was typed, as its `form`."""
    sections = []
    for kind in all_kinds():
        if kind.subject_section is None:
            continue
        context = kind.subject_section(subject, user)
        if context is not None:
            if bound and kind.label in bound:
                context = context | {"form": bound[kind.label]}
            sections.append(SubjectSection(kind.subject_template, context))
    return sections


def prefetch_children(rows: list[Model], kind: CrfKind) -> list[Model]:
    """Load what the kind's child_content reads for many rows in a query per relation."""
    if kind.child_prefetch:
        prefetch_related_objects(rows, *kind.child_prefetch)
    return rows
