"""Counts of the work waiting for each role, for the navigation and the "My tasks" page.

They never build the review queue (issue 22: building it for the investigator's badge cost
870 ms a page at 2,200 subjects). A signature or a verification is current when it matches
the record's content hash; a row stamped at or after the record's last save is current for
sure, so only the records saved since their latest row (a correction after signing: few)
are loaded and hashed. Each count is a fixed number of indexed queries, whatever the data.

Known gap: eligibility's hash also covers the subject's sex and date of birth
(the kind's related_content, review.records); a correction of those after confirmation
does not touch the assessment's `saved_at`, so these counts miss it while the review queue page
shows it.
"""

from dataclasses import dataclass

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from review import signing
from review.models import RecordLock, Signature, SourceVerification
from review.records import KINDS, all_kinds, prefetch_children
from review.selectors import _ct
from trial.models import Subject


@dataclass(frozen=True)
class _Rows:
    model: type[Model]  # Signature or SourceVerification
    stamp: str  # signed_at / verified_at
    only: Q = Q()  # SourceVerification: the whole form, not one field


SIGNATURES = _Rows(Signature, "signed_at")
VERIFICATIONS = _Rows(SourceVerification, "verified_at", Q(field_name=""))


def _kind(queryset: QuerySet):
    return KINDS[queryset.model._meta.label_lower]


def _conditions(queryset: QuerySet, rows: _Rows):
    saved = _kind(queryset).saved_at
    attached = rows.model.objects.filter(
        rows.only, content_type=_ct(queryset.model), object_id=OuterRef("pk")
    )
    fresh = attached.filter(**{f"{rows.stamp}__gte": OuterRef(saved)})
    return Exists(attached), Exists(fresh)


def _mismatched(stale: QuerySet, rows: _Rows) -> int:
    """How many `stale` records have a latest row whose hash is not their content's (two
    queries whatever their number, none of them per record)."""
    latest = {}
    for object_id, content_hash in (
        rows.model.objects.filter(
            rows.only,
            content_type=_ct(stale.model),
            object_id__in=stale.order_by().values("pk"),
        )
        .order_by(rows.stamp, "id")
        .values_list("object_id", "content_hash")
    ):
        latest[object_id] = content_hash
    stale = prefetch_children(list(stale), _kind(stale))
    return sum(1 for r in stale if latest.get(r.pk) != signing.record_hash(r))


def _stale(queryset: QuerySet, rows: _Rows) -> tuple[QuerySet, QuerySet]:
    """(records with a row, those of them saved since their latest row)."""
    attached, fresh = _conditions(queryset, rows)
    with_rows = queryset.filter(attached)
    return with_rows, with_rows.exclude(fresh).select_related(*_kind(queryset).hash_related)


def without_current(queryset: QuerySet, rows: _Rows = SIGNATURES) -> int:
    """Records of `queryset` with no row (signature / verification) matching their content."""
    with_rows, stale = _stale(queryset, rows)
    return queryset.count() - with_rows.count() + _mismatched(stale, rows)


def with_current(queryset: QuerySet, rows: _Rows = SIGNATURES) -> int:
    """Records of `queryset` whose latest row matches their content."""
    with_rows, stale = _stale(queryset, rows)
    return with_rows.count() - _mismatched(stale, rows)


def review_count(subjects: QuerySet[Subject]) -> int:
    """The length of review.selectors.awaiting_review(subjects), counted (tested equal)."""
    subjects = subjects.filter(voided_at__isnull=True)
    total = 0
    for kind in all_kinds():
        if kind.other_task_count is not None:
            total += kind.other_task_count(subjects)
        if kind.to_sign is not None:
            total += without_current(kind.to_sign(subjects))
    return total


def _unlocked(queryset: QuerySet) -> QuerySet:
    """Records with no active lock of their own nor of their subject."""
    active = RecordLock.objects.filter(unlocked_at__isnull=True)
    own = active.filter(content_type=_ct(queryset.model), object_id=OuterRef("pk"))
    subject = active.filter(content_type=_ct(Subject), object_id=OuterRef("subject_id"))
    return queryset.exclude(Exists(own)).exclude(Exists(subject))


def lockable_count(subjects: QuerySet[Subject]) -> int:
    """Signed records (valid signature) not locked yet: a data manager's to lock."""
    subjects = subjects.filter(voided_at__isnull=True)
    return sum(
        with_current(_unlocked(kind.to_sign(subjects)))
        for kind in all_kinds()
        if kind.lockable and kind.to_sign is not None
    )


def to_verify_count(subjects: QuerySet[Subject]) -> int:
    """CRFs (a kind's to_verify rows) without a current whole-form source-data verification."""
    subjects = subjects.filter(voided_at__isnull=True)
    return sum(
        without_current(kind.to_verify(subjects), VERIFICATIONS)
        for kind in all_kinds()
        if kind.to_verify is not None
    )
