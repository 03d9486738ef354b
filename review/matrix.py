"""The subject matrix: subjects × visits, each cell the forms the visit expects (the study's
schedule of assessments, trial.assessments) with their status; the subject page shows the
same forms on each visit's row.

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
from review.records import KINDS, form_name, prefetch_children
from review.selectors import _ct, latest_signatures, signature_state
from trial.assessments import Assessment, ExpectedForm, expected_at
from trial.models import Subject, Visit, VisitDefinition, VisitKind
from trial.study import current_study


@dataclass(frozen=True)
class MatrixForm:
    name: str
    status: FormStatus
    open_queries: int
    url: str
    detail: str = ""  # the kind's matrix_detail of its record, if any; "voided"
    action: str = ""  # the kind's matrix_action, while no record of the form was saved

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


class _Facts:
    """What the expected forms of these subjects show, loaded in a fixed number of queries:
    the rows of each scheduled kind (voided ones apart: a voided record is no record, and
    a form with only voided records shows as not started, "voided"), their signatures and
    verifications, the locks and the open queries."""

    def __init__(self, subject_ids: list[int], assessments: tuple[Assessment, ...]):
        labels = dict.fromkeys(a.form.form for a in assessments)
        # A kind no longer registered (its app removed since the study was loaded) shows no
        # form rather than breaking the page; the loader refuses it on the next load.
        self.kinds = {label: KINDS[label] for label in labels if label in KINDS}
        self.stored: dict[str, dict[tuple[int, str], list]] = {}
        self.voided: set[tuple[str, int, str]] = set()  # (kind, visit or subject id, panel)
        for kind in self.kinds.values():
            found = kind.model.objects.filter(subject_id__in=subject_ids)
            rows = list(found.select_related(*kind.hash_related).order_by("pk"))
            key = "subject_id" if kind.schedule_by == "subject" else "visit_id"
            by_form = defaultdict(list)
            for row in rows:
                panel = getattr(row, kind.schedule_panel_field) if kind.schedule_panels else ""
                if getattr(row, "voided_at", None) is not None:
                    self.voided.add((kind.label, getattr(row, key), panel))
                else:
                    by_form[(getattr(row, key), panel)].append(row)
            if kind.child_content is not None:
                prefetch_children([r for rows in by_form.values() for r in rows], kind)
            self.stored[kind.label] = by_form
        reviewed = [
            row
            for kind in self.kinds.values()
            if kind.matrix_reviewed
            for rows in self.stored[kind.label].values()
            for row in rows
        ]
        self.signatures = latest_signatures(reviewed)
        self.verifications = _verified(reviewed)
        subject_ct = _ct(Subject)
        self.locked_subjects, self.locked_records = set(), set()
        for ct_id, object_id in RecordLock.objects.filter(
            subject_id__in=subject_ids, unlocked_at__isnull=True
        ).values_list("content_type_id", "object_id"):
            if ct_id == subject_ct.pk:
                self.locked_subjects.add(object_id)
            else:
                self.locked_records.add((ct_id, object_id))
        self.open_queries = {
            (row["content_type_id"], row["object_id"]): row["n"]
            for row in Query.objects.filter(subject_id__in=subject_ids)
            .exclude(status=QueryStatus.CLOSED)
            .values("content_type_id", "object_id")
            .annotate(n=Count("id"))
        }

    def _queries(self, records) -> int:
        return sum(self.open_queries.get((_ct(r).pk, r.pk), 0) for r in records)

    def form(self, expected: ExpectedForm, *, subject: Subject, visit: Visit | None):
        """The expected form's state; None when its kind is not registered. A form of the
        visit before the visit exists (screening labs before enrollment) has no page yet."""
        kind = self.kinds.get(expected.form)
        if kind is None:
            return None
        name = form_name(kind, expected.panel)
        on = subject if kind.schedule_by == "subject" else visit
        if on is None:
            return MatrixForm(name, FormStatus.NOT_STARTED, 0, "")
        records = self.stored[kind.label].get((on.pk, expected.panel), [])
        url = kind.matrix_url(on)
        if not records:
            if (kind.label, on.pk, expected.panel) in self.voided:
                return MatrixForm(name, FormStatus.NOT_STARTED, 0, url, "voided")
            return MatrixForm(name, FormStatus.NOT_STARTED, 0, url, action=kind.matrix_action)
        subject_locked = subject.pk in self.locked_subjects
        detail = kind.matrix_detail(records[0]) if kind.matrix_detail and len(records) == 1 else ""
        if not kind.matrix_reviewed:
            # Not reviewed on its own: complete once saved, locked with its subject.
            status = FormStatus.LOCKED if subject_locked else FormStatus.COMPLETE
            return MatrixForm(name, status, self._queries(records), url, detail)
        # A form of several rows (a lab panel) has reached a state when each row has.
        signed = verified = locked = True
        for record in records:
            key = (_ct(record).pk, record.pk)
            current = signing.record_hash(record)
            signature = self.signatures.get(key)
            verification = self.verifications.get(key)
            signed &= signature is not None and signature_state(signature, current) == "valid"
            verified &= verification is not None and verification.content_hash == current
            locked &= key in self.locked_records
        facts = FormFacts(
            exists=True,
            complete=(kind.matrix_complete is None or all(map(kind.matrix_complete, records)))
            and (kind.matrix_form_complete is None or kind.matrix_form_complete(on, records)),
            signed=signed,
            verified=verified,
            locked=subject_locked or locked,
        )
        return MatrixForm(name, form_status(facts), self._queries(records), url, detail)

    def visit_placeholder(self, visit: Visit) -> MatrixForm:
        """A visit expecting no form shows as the visit itself: done once performed, recorded
        missed or not applicable."""
        done = bool(visit.completed_on or visit.missed_reason or visit.not_applicable)
        status = FormStatus.COMPLETE if done else FormStatus.NOT_STARTED
        if done and visit.subject_id in self.locked_subjects:
            status = FormStatus.LOCKED
        return MatrixForm(
            "Visit",
            status,
            self.open_queries.get((_ct(visit).pk, visit.pk), 0),
            reverse("subject_detail", args=[visit.subject_id]) + f"#visit-{visit.code}",
        )

    def cell(
        self,
        assessments: tuple[Assessment, ...],
        *,
        subject: Subject,
        code: str,
        kind: str,
        visit: Visit | None,
        placeholder: bool = True,
    ) -> list[MatrixForm]:
        """The forms the visit expects (trial.assessments.expected_at) with their state; for
        a visit expecting none, the visit itself (`placeholder`) or nothing."""
        expected = expected_at(
            assessments,
            code=code,
            kind=kind,
            not_applicable=bool(visit and visit.not_applicable),
            missed_recorded=bool(visit and visit.missed_reason),
        )
        forms = [self.form(e, subject=subject, visit=visit) for e in expected]
        forms = [f for f in forms if f is not None]
        if not forms and visit is not None and placeholder:
            forms = [self.visit_placeholder(visit)]
        return forms


def subject_matrix(subjects: list[Subject], *, study) -> Matrix:
    """The matrix of these subjects (one page of them) against the study's visit schedule.

    Each cell is the forms the study's schedule of assessments expects at that visit
    (trial.assessments): a screening form of the subject (consent, eligibility) shows in the
    screening column before any visit exists; a visit expecting no form shows as the visit.
    """
    definitions = list(VisitDefinition.objects.filter(study=study).order_by("order"))
    columns = [(d.code, d.name) for d in definitions]
    ids = [s.pk for s in subjects]
    visits = defaultdict(dict)
    for visit in Visit.objects.filter(subject_id__in=ids):
        visits[visit.subject_id][visit.code] = visit
    assessments = study.schedule_of_assessments()
    facts = _Facts(ids, assessments)
    rows = []
    for subject in subjects:
        row = MatrixRow(subject)
        for definition in definitions:
            visit = visits[subject.pk].get(definition.code)
            if visit is None and definition.kind != VisitKind.SCREENING:
                row.cells.append([])
                continue
            row.cells.append(
                facts.cell(
                    assessments,
                    subject=subject,
                    code=definition.code,
                    kind=definition.kind,
                    visit=visit,
                )
            )
        rows.append(row)
    return Matrix(columns=columns, rows=rows)


def visit_forms(subject: Subject, visits: list[Visit]) -> dict[int, list[MatrixForm]]:
    """{visit id: the forms it expects, with their state} for the subject page, in the
    matrix's queries (one subject); a visit expecting none has an empty list."""
    assessments = current_study().schedule_of_assessments()
    facts = _Facts([subject.pk], assessments)
    return {
        visit.pk: facts.cell(
            assessments,
            subject=subject,
            code=visit.code,
            kind=visit.kind,
            visit=visit,
            placeholder=False,
        )
        for visit in visits
    }
