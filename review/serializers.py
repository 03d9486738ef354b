"""Queries as the read-only REST API gives them (review.apps declares the endpoint), with
their message threads; people by username."""

from rest_framework import serializers

from review.models import Query, QueryMessage
from trial.serializers import username


class QueryMessageSerializer(serializers.ModelSerializer):
    author = username(allow_null=True)

    class Meta:
        model = QueryMessage
        fields = ("kind", "author", "text", "created_at")


class QuerySerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    raised_by = username(allow_null=True)
    closed_by = username(allow_null=True)
    messages = QueryMessageSerializer(many=True, read_only=True)

    class Meta:
        model = Query
        fields = (
            "id",
            "subject",
            "record_type",
            "object_id",
            "field_name",
            "text",
            "origin",
            "check_code",
            "status",
            "raised_by",
            "raised_at",
            "closed_by",
            "closed_at",
            "messages",
        )

    def get_record_type(self, query) -> str:
        """The queried record's kind, as "app_label.model"."""
        return f"{query.content_type.app_label}.{query.content_type.model}"
