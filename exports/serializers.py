"""Representations of the read-only REST API (the viewsets allow GET only) that belong to no
CRF: the subject and the error answer. Each CRF's serializer sits in its own app, named by its
kind's ApiEndpoint (review.export_spec); the shared fields are in trial.serializers."""

from rest_framework import serializers

from trial.models import Subject


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
