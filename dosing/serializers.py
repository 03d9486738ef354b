"""Dosing CRFs as the read-only REST API gives them (dosing.crf declares the endpoint).
Dose levels appear by code, people by username."""

from django.db import models
from rest_framework import serializers

from dosing.models import DosingRecord
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
