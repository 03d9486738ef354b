"""Vital signs as the read-only REST API gives them (vitals.crf declares the endpoint): the
visit by code, people by username."""

from django.db import models
from rest_framework import serializers

from trial.serializers import LocalTimeField, username
from vitals.models import VitalSigns


class VitalSignsSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: LocalTimeField,
    }
    visit_code = serializers.CharField(source="visit.code", read_only=True)
    recorded_by = username()

    class Meta:
        model = VitalSigns
        exclude = ("version",)
