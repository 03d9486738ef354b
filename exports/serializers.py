"""Representations for the read-only REST API (the viewsets allow GET only). People appear
by username, dose levels by code, CTCAE terms by term, MedDRA code and SOC.

Model fields are deliberately not marked read_only here: DRF would then drop their
allow_blank, and the OpenAPI schema would no longer admit the empty choices they can hold."""

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from adverse_events.models import AdverseEvent
from dosing.models import DosingRecord, LesionMeasurement, TumourAssessment
from review.models import Query, QueryMessage
from screening.models import EligibilityAssessment
from trial.models import Subject, Visit


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


def _username(**kwargs):
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SubjectSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    dose_level = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Subject
        fields = (
            "id",
            "site",
            "screening_number",
            "subject_number",
            "status",
            "sex",
            "date_of_birth",
            "tumour_type",
            "tumour_type_other",
            "dose_level",
            "planned_c1d1",
            "enrolled_at",
            "dlt",
            "dlt_evaluable",
            "created_at",
        )


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


class EligibilitySerializer(serializers.ModelSerializer):
    saved_by = _username()
    confirmed_by = _username(allow_null=True)
    screen_failed_by = _username(allow_null=True)

    class Meta:
        model = EligibilityAssessment
        fields = "__all__"


class DosingRecordSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: LocalTimeField,
    }
    visit_code = serializers.CharField(source="visit.code", read_only=True)
    dose_level = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    recorded_by = _username()

    class Meta:
        model = DosingRecord
        exclude = ("version",)


class LesionMeasurementSerializer(serializers.ModelSerializer):
    lesion_id = serializers.CharField(source="lesion.lesion_id", read_only=True)
    organ = serializers.CharField(source="lesion.organ", read_only=True)
    is_lymph_node = serializers.BooleanField(source="lesion.is_lymph_node", read_only=True)

    class Meta:
        model = LesionMeasurement
        fields = ("lesion_id", "organ", "is_lymph_node", "diameter_mm")


class TumourAssessmentSerializer(serializers.ModelSerializer):
    measurements = LesionMeasurementSerializer(many=True, read_only=True)
    recorded_by = _username()

    class Meta:
        model = TumourAssessment
        exclude = ("version",)


class AdverseEventSerializer(serializers.ModelSerializer):
    term = serializers.CharField(source="recorded_term", read_only=True)
    meddra_code = serializers.IntegerField(source="recorded_meddra_code", read_only=True)
    soc = serializers.CharField(source="recorded_soc", read_only=True)
    recorded_by = _username()
    relationship_by = _username(allow_null=True)
    sae_reported_by = _username(allow_null=True)
    dlt_decided_by = _username(allow_null=True)

    class Meta:
        model = AdverseEvent
        exclude = ("version",)


class QueryMessageSerializer(serializers.ModelSerializer):
    author = _username(allow_null=True)

    class Meta:
        model = QueryMessage
        fields = ("kind", "author", "text", "created_at")


class QuerySerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    raised_by = _username(allow_null=True)
    closed_by = _username(allow_null=True)
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
