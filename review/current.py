"""Which records carry a current signature or verification, read without hashing them all.

A signature (or a whole-form verification) is current when it is the record's latest and its
content hash is the record's. A row stamped at or after the record's last save (`saved_at`)
is current for sure, so only the records saved since their latest row (a correction after
signing: few) are loaded and hashed, in a fixed number of queries whatever their number.

A kind whose hash also reads rows beyond its own (`related_content`: eligibility reads the
subject's sex and date of birth) needs a second stamp: a correction of the subject does not
touch the assessment's `saved_at`. Its `related_saved_at` (the subject's
`demographics_changed_at`, which the database refuses to leave behind a change of either
fact) must also precede the row, strictly; a kind without one hashes every record that has
a row.

Read by the investigator's queue (review.selectors) and the navigation's counts
(review.task_counts), so that the two agree (tested equal).
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from review import signing
from review.models import Signature, SourceVerification
from review.records import KINDS, CrfKind, prefetch_children


def content_type_of(model_or_record) -> ContentType:
    return ContentType.objects.get_for_model(model_or_record, for_concrete_model=True)


@dataclass(frozen=True)
class Rows:
    model: type[Model]  # Signature or SourceVerification
    stamp: str  # signed_at / verified_at
    only: Q = Q()  # SourceVerification: the whole form, not one field


SIGNATURES = Rows(Signature, "signed_at")
VERIFICATIONS = Rows(SourceVerification, "verified_at", Q(field_name=""))


def kind_of_rows(queryset: QuerySet) -> CrfKind:
    return KINDS[queryset.model._meta.label_lower]


def split(queryset: QuerySet, rows: Rows = SIGNATURES) -> tuple[QuerySet, QuerySet, QuerySet]:
    """(records with no row, records with a row, those of them that must be hashed)."""
    kind = kind_of_rows(queryset)
    attached = rows.model.objects.filter(
        rows.only, content_type=content_type_of(queryset.model), object_id=OuterRef("pk")
    )
    without_rows = queryset.exclude(Exists(attached))
    with_rows = queryset.filter(Exists(attached))
    to_hash = with_rows
    fresh = attached.filter(**{f"{rows.stamp}__gte": OuterRef(kind.saved_at)})
    if not kind.related_content:
        to_hash = with_rows.exclude(Exists(fresh))
    elif kind.related_saved_at:
        related = kind.related_saved_at
        after_both = fresh.filter(**{f"{rows.stamp}__gt": OuterRef(related)})
        to_hash = with_rows.exclude(
            (Q(**{f"{related}__isnull": True}) & Q(Exists(fresh))) | Q(Exists(after_both))
        )
    return without_rows, with_rows, to_hash.select_related(*kind.hash_related)


def mismatched(to_hash: QuerySet, rows: Rows = SIGNATURES) -> list[Model]:
    """The records of `to_hash` whose latest row's hash is not their content's: one query of
    their keys, and when there are any (a correction after signing: few) two more and a
    prefetch per child relation, whatever their number."""
    ids = list(to_hash.order_by().values_list("pk", flat=True))
    if not ids:
        return []
    latest = {}
    for object_id, content_hash in (
        rows.model.objects.filter(
            rows.only, content_type=content_type_of(to_hash.model), object_id__in=ids
        )
        .order_by(rows.stamp, "id")
        .values_list("object_id", "content_hash")
    ):
        latest[object_id] = content_hash
    records = prefetch_children(list(to_hash.filter(pk__in=ids)), kind_of_rows(to_hash))
    return [r for r in records if latest.get(r.pk) != signing.record_hash(r)]
