"""What the read-only REST API's serializers share (the CRF apps declare their own, beside
their kinds: review.export_spec.ApiEndpoint). People appear by username.

Model fields are deliberately not marked read_only in these serializers: DRF would then drop
their allow_blank, and the OpenAPI schema would no longer admit the empty choices they can
hold."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from trial.models import Visit


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$",
        "description": "Local time at the site, ISO 8601 (hh:mm:ss), no offset",
        "nullable": True,
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without offset. OpenAPI's "time" format (RFC 3339) demands an
    offset that a time of day recorded on a CRF does not have."""


def username(**kwargs):
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = (
            "id",
            "subject",
            "code",
            "name",
            "kind",
            "anchor",
            "cycle",
            "order",
            "target_date",
            "window_opens_on",
            "window_closes_on",
            "completed_on",
            "missed_reason",
            "not_applicable",
        )
