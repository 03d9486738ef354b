"""The exports of review's own records about CRFs (e-signatures, queries and their messages),
registered from ReviewConfig.ready(): they are not CRF kinds, but every export carries them."""

from review.export_spec import (
    GENERIC_RECORD,
    RECORD_ID,
    ApiEndpoint,
    Column,
    Dataset,
    ExportSpec,
    api_rows,
    model_columns,
    subject_dataset,
    subject_keys,
)
from trial.capabilities import Capability


def _signatures(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "review.signature",
            "signatures",
            "Electronic signatures",
            "SIG",
            order_by=("signed_at", "id"),
            keys=GENERIC_RECORD,  # the CRF record signed: its kind and id
            exclude=("content_type", "object_id"),
        ),
    )


def _queries(context) -> tuple[Dataset, ...]:
    from review.models import QueryMessage

    return (
        subject_dataset(
            "review.query",
            "queries",
            "Queries",
            "QRY",
            order_by=("raised_at", "id"),
            keys=GENERIC_RECORD,  # the CRF record queried
            exclude=("content_type", "object_id"),
        ),
        Dataset(
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


def _api_queries(user):
    from review.models import Query

    return (
        api_rows(Query.objects.all(), user, Capability.READ_QUERIES)
        .select_related("content_type", "raised_by", "closed_by")
        .prefetch_related("messages__author")
        .order_by("subject", "raised_at", "id")
    )


EXPORT_ONLY = {
    "review.signature": ExportSpec(100, _signatures),
    "review.query": ExportSpec(
        110,
        _queries,
        api=(
            ApiEndpoint(
                "queries",
                "api-query",
                "review.serializers.QuerySerializer",
                _api_queries,
                "Queries with their message threads.",
            ),
        ),
    ),
}
