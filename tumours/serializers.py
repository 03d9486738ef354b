"""Tumour assessments as the read-only REST API gives them (tumours.crf declares the endpoint):
each time point with its target lesion measurements; people by username."""

from rest_framework import serializers

from trial.serializers import username
from tumours.models import LesionMeasurement, TumourAssessment


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
