"""Tumour assessments as the read-only REST API gives them (tumours.crf declares the endpoint):
each time point with its target lesion measurements, its non-target lesions' states and its
new lesions; people by username."""

from rest_framework import serializers

from trial.serializers import username
from tumours.models import LesionMeasurement, NewLesion, NonTargetObservation, TumourAssessment


class LesionMeasurementSerializer(serializers.ModelSerializer):
    lesion_id = serializers.CharField(source="lesion.lesion_id", read_only=True)
    organ = serializers.CharField(source="lesion.organ", read_only=True)
    is_lymph_node = serializers.BooleanField(source="lesion.is_lymph_node", read_only=True)

    class Meta:
        model = LesionMeasurement
        fields = ("lesion_id", "organ", "is_lymph_node", "diameter_mm")


class NonTargetObservationSerializer(serializers.ModelSerializer):
    lesion_id = serializers.CharField(source="lesion.lesion_id", read_only=True)
    organ = serializers.CharField(source="lesion.organ", read_only=True)
    is_lymph_node = serializers.BooleanField(source="lesion.is_lymph_node", read_only=True)
    location = serializers.CharField(source="lesion.location", read_only=True)

    class Meta:
        model = NonTargetObservation
        fields = ("lesion_id", "organ", "is_lymph_node", "location", "state")


class NewLesionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NewLesion
        fields = ("lesion_id", "organ", "location", "equivocal")


class TumourAssessmentSerializer(serializers.ModelSerializer):
    measurements = LesionMeasurementSerializer(many=True, read_only=True)
    non_target_lesions = NonTargetObservationSerializer(
        source="non_target_observations", many=True, read_only=True
    )
    new_lesions_seen = NewLesionSerializer(source="new_lesion_entries", many=True, read_only=True)
    recorded_by = username()

    class Meta:
        model = TumourAssessment
        exclude = ("version",)
