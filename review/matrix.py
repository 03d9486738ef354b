"""The subject matrix: subjects × visits, each cell the visit's forms with their status.

Built for one page of subjects in a fixed number of queries (visits, each kind of form,
signatures, verifications, locks and open queries are each loaded once for the page), so
its cost does not grow with the page's subjects.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse

from review import signing
from review.form_status import (
    LABELS,
    OPEN_QUERY_LABEL,
    OPEN_QUERY_SYMBOL,
    SYMBOLS,
    FormFacts,
    FormStatus,
    form_status,
)
from review.models import Query, QueryStatus, RecordLock, SourceVerification
from review.records import CrfKind, all_kinds, prefetch_children
from review.selectors import _ct, latest_signatures, signature_state
from trial.models import Subject, Visit, VisitDefinition, VisitKind

SCREENING = "screening"


@dataclass(frozen=True)
class MatrixForm:
    name: str
    status: FormStatus
    open_queries: int
    url: str

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def text(self) -> str:
        """The text alternative of the cell's icons."""
        extra = f", {self.open_queries} {OPEN_QUERY_LABEL.lower()}" if self.open_queries else ""
        if self.open_queries > 1:
            extra += "s"
        return f"{self.name}: {self.label}{extra}"


@dataclass
class MatrixRow:
    subject: Subject
    cells: list[list[MatrixForm]] = field(default_factory=list)


@dataclass(frozen=True)
class Matrix:
    columns: list[tuple[str, str]]
    rows: list[MatrixRow]
    open_query_symbol: str = OPEN_QUERY_SYMBOL
    open_query_label: str = OPEN_QUERY_LABEL


def _verified(records) -> dict[tuple[int, int], SourceVerification]:
    """{(content type id, record id): latest whole-form verification}, one query."""
    by_type = defaultdict(list)
    for record in records:
        by_type[_ct(record)].append(record.pk)
    if not by_type:
        return {}
    condition = Q()
    for content_type, ids in by_type.items():
        condition |= Q(content_type=content_type, object_id__in=ids)
    latest = {}
    rows = SourceVerification.objects.filter(condition, field_name="").order_by("verified_at", "id")
    for verification in rows:
        latest[(verification.content_type_id, verification.object_id)] = verification
    return latest


def _matrix_kinds() -> list[CrfKind]:
    return sorted((k for k in all_kinds() if k.matrix_column), key=lambda k: k.matrix_order)


def subject_matrix(subjects: list[Subject], *, study) -> Matrix:
    """The matrix of these subjects (one page of them) against the study's visit schedule.

    The forms are the CRF kinds that declare a matrix column (review.records): the
    screening CRFs, one per subject, in the screening column; a visit's CRF (dosing) in
    the column of each visit of its kind; a visit without one shows as the visit itself.
    """
    definitions = list(VisitDefinition.objects.filter(study=study).order_by("order"))
    columns = [(d.code, d.name) for d in definitions]
    ids = [s.pk for s in subjects]
    visits = defaultdict(dict)
    for visit in Visit.objects.filter(subject_id__in=ids):
        visits[visit.subject_id][visit.code] = visit
    kinds = _matrix_kinds()
    stored: dict[str, dict[int, object]] = {}
    for kind in kinds:
        found = kind.model.objects.filter(subject_id__in=ids)
        if any(f.name == "voided_at" for f in kind.model._meta.concrete_fields):
            found = found.filter(voided_at__isnull=True)  # a voided record is no record
        rows = list(found.select_related(*kind.hash_related))
        if kind.child_content is not None:
            prefetch_children(rows, kind)
        key = "subject_id" if kind.matrix_column == SCREENING else "visit_id"
        stored[kind.label] = {getattr(row, key): row for row in rows}
    reviewed = [
        row for kind in kinds if kind.matrix_reviewed for row in stored[kind.label].values()
    ]
    signatures = latest_signatures(reviewed)
    verifications = _verified(reviewed)
    subject_ct = _ct(Subject)
    locked_subjects, locked_records = set(), set()
    for ct_id, object_id in RecordLock.objects.filter(
        subject_id__in=ids, unlocked_at__isnull=True
    ).values_list("content_type_id", "object_id"):
        if ct_id == subject_ct.pk:
            locked_subjects.add(object_id)
        else:
            locked_records.add((ct_id, object_id))
    open_queries = {
        (row["content_type_id"], row["object_id"]): row["n"]
        for row in Query.objects.filter(subject_id__in=ids)
        .exclude(status=QueryStatus.CLOSED)
        .values("content_type_id", "object_id")
        .annotate(n=Count("id"))
    }

    def reviewed_form(name, record, complete, url, subject_id) -> MatrixForm:
        if record is None:
            return MatrixForm(name, FormStatus.NOT_STARTED, 0, url)
        key = (_ct(record).pk, record.pk)
        current = signing.record_hash(record)
        signature = signatures.get(key)
        verification = verifications.get(key)
        facts = FormFacts(
            exists=True,
            complete=complete,
            signed=signature is not None and signature_state(signature, current) == "valid",
            verified=verification is not None and verification.content_hash == current,
            locked=subject_id in locked_subjects or key in locked_records,
        )
        return MatrixForm(name, form_status(facts), open_queries.get(key, 0), url)

    def kind_form(kind, record, on, subject_id) -> MatrixForm:
        url = kind.matrix_url(on)
        if kind.matrix_reviewed:
            complete = record is not None and (
                kind.matrix_complete is None or kind.matrix_complete(record)
            )
            return reviewed_form(kind.name, record, complete, url, subject_id)
        if record is None:
            return MatrixForm(kind.name, FormStatus.NOT_STARTED, 0, url)
        # Not reviewed on its own: complete once saved, locked with its subject.
        status = FormStatus.LOCKED if subject_id in locked_subjects else FormStatus.COMPLETE
        return MatrixForm(kind.name, status, open_queries.get((_ct(record).pk, record.pk), 0), url)

    screening_kinds = [k for k in kinds if k.matrix_column == SCREENING]
    rows = []
    for subject in subjects:
        row = MatrixRow(subject)
        screening_forms = [
            kind_form(kind, stored[kind.label].get(subject.pk), subject, subject.pk)
            for kind in screening_kinds
        ]
        for definition in definitions:
            if definition.kind == VisitKind.SCREENING:
                # The screening CRFs belong to the subject, before any visit is planned.
                row.cells.append(screening_forms)
                continue
            visit = visits[subject.pk].get(definition.code)
            if visit is None:
                row.cells.append([])
                continue
            forms = [
                kind_form(kind, stored[kind.label].get(visit.pk), visit, subject.pk)
                for kind in kinds
                if kind.matrix_column == visit.kind
            ]
            if not forms:
                done = bool(visit.completed_on or visit.missed_reason or visit.not_applicable)
                status = FormStatus.COMPLETE if done else FormStatus.NOT_STARTED
                if done and subject.pk in locked_subjects:
                    status = FormStatus.LOCKED
                forms = [
                    MatrixForm(
                        "Visit",
                        status,
                        open_queries.get((_ct(visit).pk, visit.pk), 0),
                        reverse("subject_detail", args=[subject.pk]) + f"#visit-{visit.code}",
                    )
                ]
            row.cells.append(forms)
        rows.append(row)
    return Matrix(columns=columns, rows=rows)
