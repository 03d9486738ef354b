"""Dosing CRFs and tumour assessments as the read-only REST API gives them (dosing.crf
declares the endpoints). Dose levels appear by code, people by username."""

from django.db import models
from rest_framework import serializers

from dosing.models import DosingRecord, LesionMeasurement, TumourAssessment
from trial.serializers import LocalTimeField, username


class DosingRecordSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: LocalTimeField,
    }
    visit_code = serializers.CharField(source="visit.code", read_only=True)
    dose_level = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    recorded_by = username()

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
    recorded_by = username()

    class Meta:
        model = TumourAssessment
        exclude = ("version",)
