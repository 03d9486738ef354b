"""Review reads: signature, lock and verification status, queries, the investigator's queue, and
a subject's whole audit trail. Scoped by trial.access; query counts do not grow with the data.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from pghistory.models import Events

from review import current, signing
from review.models import (
    Query,
    QueryStatus,
    RecordLock,
    Signature,
    SourceVerification,
)
from review.records import (
    KINDS,
    all_kinds,
    field_choices,
    field_label,
    kind_of,
    record_title,
    record_url,
    subject_of,
    title_related,
)
from review.task_counts import cached, review_count
from trial.access import can, roles_at, scope_to_sites, sites_for
from trial.audit import HistoryEntry, entries_from
from trial.capabilities import Capability, allows
from trial.models import Subject, User


class SignatureState(StrEnum):
    VALID = "valid"
    INVALIDATED = "invalidated"  # signed, then edited: the content no longer matches
    UNSIGNED = "unsigned"


class VerificationState(StrEnum):
    VERIFIED = "verified"
    CLEARED = "cleared"  # verified, then edited
    NOT_VERIFIED = "not_verified"


_ct = current.content_type_of


def rows_of(record: Model) -> Q:
    """Filter for the review rows (signatures, queries...) attached to `record`."""
    return Q(content_type=_ct(record), object_id=record.pk)


def fresh(record: Model) -> Model:
    """The record as stored: hashes are computed from the database's values, never from
    in-memory ones a save may not have normalised yet."""
    rows = type(record)._base_manager.all()
    if signing.related_content(record._meta.label_lower):
        rows = rows.select_related("subject")
    return rows.get(pk=record.pk)


# --- signatures ---------------------------------------------------------------------------------


def signature_state(latest: Signature | None, current_hash: str) -> SignatureState:
    """The latest signature decides: valid while the content is what it signed."""
    if latest is None:
        return SignatureState.UNSIGNED
    if latest.content_hash == current_hash:
        return SignatureState.VALID
    return SignatureState.INVALIDATED


def latest_signature(record: Model) -> Signature | None:
    if record.pk is None:
        return None
    return (
        Signature.objects.filter(rows_of(record))
        .select_related("signer")
        .order_by("-signed_at", "-id")
        .first()
    )


def signature_status(record: Model) -> SignatureState:
    """valid / invalidated (edited since it was signed) / unsigned."""
    if record.pk is None:
        return SignatureState.UNSIGNED
    return signature_state(latest_signature(record), signing.record_hash(fresh(record)))


def latest_signatures(records: list[Model]) -> dict[tuple[int, int], Signature]:
    """{(content type id, record id): latest signature} for many records in one query."""
    ids_by_type: dict[ContentType, list[int]] = defaultdict(list)
    for record in records:
        ids_by_type[_ct(record)].append(record.pk)
    if not ids_by_type:
        return {}
    condition = Q()
    for content_type, ids in ids_by_type.items():
        condition |= Q(content_type=content_type, object_id__in=ids)
    latest = {}
    for signature in Signature.objects.filter(condition).order_by("signed_at", "id"):
        latest[(signature.content_type_id, signature.object_id)] = signature
    return latest


# --- locks and verification -------------------------------------------------------------------


def lock_of(record: Model) -> RecordLock | None:
    """The active lock that makes `record` read-only: its own or its subject's."""
    subject = subject_of(record)
    condition = Q(content_type=_ct(Subject), object_id=subject.pk)
    if record.pk is not None and not isinstance(record, Subject):
        condition |= rows_of(record)
    return (
        RecordLock.objects.filter(condition, unlocked_at__isnull=True)
        .select_related("locked_by", "content_type")
        .order_by("locked_at")
        .first()
    )


def own_lock(record: Model) -> RecordLock | None:
    return RecordLock.objects.filter(rows_of(record), unlocked_at__isnull=True).first()


def subject_lock(subject: Subject) -> RecordLock | None:
    """The subject's own lock, read once per subject object: the subject page's review panel
    and its sections (RECIST, disposition) each ask it. A write asks own_lock, fresh."""
    if not hasattr(subject, "_ecrf_own_lock"):
        subject._ecrf_own_lock = own_lock(subject)
    return subject._ecrf_own_lock


def latest_verification(record: Model, field_name: str = "") -> SourceVerification | None:
    if record.pk is None:
        return None
    return (
        SourceVerification.objects.filter(rows_of(record), field_name=field_name)
        .select_related("verified_by")
        .order_by("-verified_at", "-id")
        .first()
    )


def verification_status(record: Model, field_name: str = "") -> VerificationState:
    """verified / cleared (edited since it was verified) / not verified."""
    latest = latest_verification(record, field_name)
    if latest is None:
        return VerificationState.NOT_VERIFIED
    stored = fresh(record)
    current = signing.field_hash(stored, field_name) if field_name else signing.record_hash(stored)
    if latest.content_hash == current:
        return VerificationState.VERIFIED
    return VerificationState.CLEARED


# --- queries ------------------------------------------------------------------------------------


def queries_for(user: User) -> QuerySet[Query]:
    return scope_to_sites(
        Query.objects.all(), user, Capability.READ_QUERIES, site_field="subject__site"
    ).select_related("subject", "subject__site", "raised_by", "closed_by", "content_type")


def filtered_queries(queryset: QuerySet[Query], data: dict) -> QuerySet[Query]:
    if data.get("status") == "active":
        queryset = queryset.exclude(status=QueryStatus.CLOSED)
    elif data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("site"):
        queryset = queryset.filter(subject__site=data["site"])
    if data.get("origin"):
        queryset = queryset.filter(origin=data["origin"])
    return queryset


def with_records(queries: list[Query]) -> list[Query]:
    """Load each query's record (and what its title reads) in a query per kind of record."""
    prefetch_related_objects(queries, "record")
    by_label = defaultdict(list)
    for query in queries:
        if query.record is not None:
            by_label[query.record._meta.label_lower].append(query.record)
    for label, records in by_label.items():
        if title_related(label):
            prefetch_related_objects(records, *title_related(label))
    for query in queries:
        query.record_title = record_title(query.record) if query.record else ""
        query.field_label = field_label(query.content_type.model_class(), query.field_name)
    return queries


def open_queries_for(record: Model) -> list[Query]:
    """Queries on the record that are not closed (open or answered), oldest first."""
    if record.pk is None:
        return []
    queries = list(
        Query.objects.filter(rows_of(record))
        .exclude(status=QueryStatus.CLOSED)
        .select_related("raised_by")
        .order_by("raised_at", "id")
    )
    for query in queries:
        query.field_label = field_label(record, query.field_name)
    return queries


def open_queries_of_subject(subject: Subject) -> list[Query]:
    return with_records(
        list(
            Query.objects.filter(subject=subject)
            .exclude(status=QueryStatus.CLOSED)
            .select_related("raised_by", "content_type", "subject")
            .order_by("raised_at", "id")
        )
    )


# --- the investigator's review queue ----------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    task: str
    detail: str
    record: Model
    subject: Subject
    since: datetime
    title: str
    url: str


def _signature_detail(state: SignatureState) -> str:
    if state == SignatureState.INVALIDATED:
        return "signature no longer valid: edited since it was signed"
    return "not signed"


@dataclass(frozen=True, order=True)
class _Pending:
    """One item of the queue by its keys: what it is sorted by, and what loads it."""

    since: datetime
    subject_id: int
    kind_order: int  # the kind's place in the registry
    pk: int
    task: str
    detail: str


def _pending(subjects: QuerySet[Subject], limit: int | None = None) -> list[_Pending]:
    """The first `limit` items of the queue of these subjects by their keys, oldest first
    (None: every item).

    Each source (a kind's unsigned records, its other tasks) gives at most its own first
    `limit` in queue order, sorted by the database: the first `limit` of the queue are among
    them, so a page reads a page's worth of keys per source whatever the queue's length. The
    records without a signature are read as keys from the index on signatures; only the
    records saved since their latest signature are loaded and hashed (review.current, as the
    navigation's count reads them: few). Nothing here grows with the records already signed.
    """
    subjects = subjects.filter(voided_at__isnull=True)
    pending = []
    for order, kind in enumerate(all_kinds()):
        if kind.other_tasks is not None:
            for other in kind.other_tasks(subjects, limit):
                pending.append(
                    _Pending(
                        other.since, other.subject_id, order, other.pk, other.task, other.detail
                    )
                )
        if kind.to_sign is None:
            continue
        unsigned, _, to_hash = current.split(kind.to_sign(subjects))
        detail = _signature_detail(SignatureState.UNSIGNED)
        keys = unsigned.order_by(kind.saved_at, "subject_id", "pk")
        for pk, subject_id, since in keys.values_list("pk", "subject_id", kind.saved_at)[:limit]:
            pending.append(_Pending(since, subject_id, order, pk, kind.sign_task, detail))
        detail = _signature_detail(SignatureState.INVALIDATED)
        for row in current.mismatched(to_hash):
            since = getattr(row, kind.saved_at)
            pending.append(_Pending(since, row.subject_id, order, row.pk, kind.sign_task, detail))
    return sorted(pending)[:limit]


def _items(pending: list[_Pending]) -> list[QueueItem]:
    """The queue items of these keys, their records loaded in one query per kind."""
    kinds = list(all_kinds())
    loaded = {}
    by_kind = defaultdict(set)
    for key in pending:
        by_kind[key.kind_order].add(key.pk)
    for order, pks in by_kind.items():
        kind = kinds[order]
        model = apps.get_model(kind.label)
        rows = list(
            model._base_manager.filter(pk__in=pks).select_related(
                "subject__site", *kind.title_related
            )
        )
        for row in rows:
            loaded[(order, row.pk)] = row
    items = []
    for key in pending:
        record = loaded[(key.kind_order, key.pk)]
        items.append(
            QueueItem(
                task=key.task,
                detail=key.detail,
                record=record,
                subject=record.subject,
                since=key.since,
                title=record_title(record),
                url=record_url(record),
            )
        )
    return items


class ReviewQueue(Sequence):
    """The queue of these subjects, oldest first, as a sequence a Paginator slices: its
    length counted (review.task_counts.review_count, the navigation's count: tested equal),
    and the keys up to the end of the slice asked for, the records of only its items."""

    def __init__(self, subjects: QuerySet[Subject], count: Callable[[], int] | None = None):
        self._subjects = subjects
        self._count = count

    def __len__(self) -> int:
        return self._count() if self._count is not None else review_count(self._subjects)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _items(_pending(self._subjects, _keys_needed(index))[index])
        return _items([_pending(self._subjects, _keys_needed(index))[index]])[0]


def _keys_needed(index: int | slice) -> int | None:
    """How many keys from the queue's start hold `index` (None: every key, for an index
    counted from the end or a step)."""
    if isinstance(index, int):
        return index + 1 if index >= 0 else None
    bounds = (index.start or 0, index.stop)
    if index.step not in (None, 1) or index.stop is None or min(bounds) < 0:
        return None
    return index.stop


def awaiting_review(subjects: QuerySet[Subject]) -> list[QueueItem]:
    """What an investigator still has to do on these subjects, oldest first.

    Each CRF kind declares its rows that must carry a valid signature (`to_sign`: dosing
    CRFs, assessed AEs, confirmed eligibility, tumour assessments) and its other tasks
    (`other_tasks`: AEs awaiting causality, SAEs awaiting the report sign-off, eligibility
    awaiting confirmation). A valid signature takes a record out; an edit puts it back.
    """
    return ReviewQueue(subjects)[:]


def review_queue_of(user: User) -> ReviewQueue:
    """The queue of an investigator: their sites' subjects, loaded a page at a time, its
    length the navigation's stored count (one indexed query while current)."""
    sites = sites_for(user, Capability.SIGN)
    return ReviewQueue(
        Subject.objects.filter(site__in=sites),
        count=lambda: cached("review", sites, now=timezone.now()),
    )


def review_queue(user: User) -> list[QueueItem]:
    """The whole queue of an investigator."""
    return review_queue_of(user)[:]


# --- the review panel of a CRF page ----------------------------------------------------------


@dataclass
class RecordPanel:
    """What the review box of a CRF page shows, and which of its buttons the user has."""

    record: Model
    label: str
    kind_name: str
    signature: Signature | None
    signature_state: SignatureState
    lock: RecordLock | None
    verification: SourceVerification | None
    verification_state: VerificationState
    open_queries: list[Query]
    fields: list[tuple[str, str]] = field(default_factory=list)
    can_sign: bool = False
    can_lock: bool = False
    can_unlock: bool = False
    can_verify: bool = False
    can_raise: bool = False

    @property
    def locked(self) -> bool:
        return self.lock is not None

    @property
    def subject_locked(self) -> bool:
        return self.lock is not None and self.lock.content_type.model == "subject"


def record_panel(record: Model, user: User) -> RecordPanel:
    kind = kind_of(record)
    stored = fresh(record)
    current_hash = signing.record_hash(stored)
    signature = latest_signature(record)
    state = signature_state(signature, current_hash)
    verification = latest_verification(record)
    if verification is None:
        verified = VerificationState.NOT_VERIFIED
    elif verification.content_hash == current_hash:
        verified = VerificationState.VERIFIED
    else:
        verified = VerificationState.CLEARED
    lock = lock_of(record)
    roles = roles_at(user, subject_of(record).site)
    own = lock is not None and own_lock(record) is not None
    return RecordPanel(
        record=record,
        label=record._meta.label_lower,
        kind_name=kind.name if kind else str(record._meta.verbose_name),
        signature=signature,
        signature_state=state,
        lock=lock,
        verification=verification,
        verification_state=verified,
        open_queries=open_queries_for(record),
        fields=field_choices(record),
        # Not while a valid signature stands: signing again would sign the same content.
        can_sign=bool(
            kind
            and kind.sign_meaning
            and allows(Capability.SIGN, roles)
            and lock is None
            and state != SignatureState.VALID
        ),
        can_lock=bool(
            kind
            and kind.lockable
            and allows(Capability.LOCK, roles)
            and lock is None
            and state == SignatureState.VALID
        ),
        can_unlock=allows(Capability.LOCK, roles) and own,
        can_verify=allows(Capability.VERIFY, roles),
        can_raise=allows(Capability.RAISE_QUERY, roles),
    )


# --- a subject's whole audit trail ------------------------------------------------------------


@dataclass(frozen=True)
class SubjectHistoryRow:
    entry: HistoryEntry
    title: str
    kind: str


def _titles(entries: list[HistoryEntry]) -> dict[tuple[str, str], str]:
    ids_by_model = defaultdict(set)
    for entry in entries:
        if entry.model and entry.object_id:
            ids_by_model[entry.model].add(entry.object_id)
    titles = {}
    for model_label, ids in ids_by_model.items():
        model = apps.get_model(model_label)
        rows = model._base_manager.filter(pk__in=ids)
        related = title_related(model._meta.label_lower)
        if related:
            rows = rows.select_related(*related)
        for row in rows:
            titles[(model_label, str(row.pk))] = record_title(row)
    return titles


def subject_history(subject: Subject) -> list[SubjectHistoryRow]:
    """Every audit event of every record of the subject, oldest first.

    Rows that point at the subject (its CRFs, queries, locks, verifications) come in one
    pass; child rows that point at their CRF (a kind's history_children: lesion
    measurements at their tumour assessment) are added from those CRFs.
    """
    entries = entries_from(Events.objects.references(subject))
    for kind in all_kinds():
        for event_model, parents_of in kind.history_children:
            parents = list(getattr(subject, parents_of).all())
            if parents:
                entries += entries_from(Events.objects.across(event_model).references(parents))
    entries.sort(key=lambda e: (e.at, e.model, int(e.object_id or 0)))
    titles = _titles(entries)
    rows = []
    for entry in entries:
        key = (entry.model, entry.object_id)
        label = entry.model.lower()
        kind = KINDS.get(label)
        rows.append(
            SubjectHistoryRow(
                entry=entry,
                title=titles.get(key, f"{entry.model} #{entry.object_id}"),
                kind=kind.name if kind else apps.get_model(entry.model)._meta.verbose_name,
            )
        )
    return rows


def can_close_query(user: User, query: Query, roles=None) -> bool:
    """Monitors and data managers close and re-open any query; an investigator, the ones
    they raised. `roles`: the user's roles at the query's site, when already read."""
    if roles is None:
        roles = roles_at(user, query.subject.site)
    return allows(Capability.CLOSE_QUERY, roles) or (
        query.raised_by_id == user.pk and allows(Capability.CLOSE_OWN_QUERY, roles)
    )


def query_actions(query: Query, user: User) -> dict[str, bool]:
    """Which of answer / close / re-open the user may do on this query now."""
    roles = roles_at(user, query.subject.site)
    closer = can_close_query(user, query, roles)
    return {
        "answer": query.status == QueryStatus.OPEN and allows(Capability.ANSWER_QUERY, roles),
        "close": query.status != QueryStatus.CLOSED and closer,
        "reopen": query.status == QueryStatus.CLOSED and closer,
    }


@dataclass(frozen=True)
class SubjectReview:
    """The review box of the subject page: its lock and its open queries."""

    lock: RecordLock | None
    open_queries: list[Query]
    can_lock: bool
    can_unlock: bool


def subject_review(subject: Subject, user: User) -> SubjectReview:
    lock = subject_lock(subject)
    may_lock = can(user, Capability.LOCK, subject)
    return SubjectReview(
        lock=lock,
        open_queries=open_queries_of_subject(subject),
        can_lock=may_lock and lock is None,
        can_unlock=may_lock and lock is not None,
    )
