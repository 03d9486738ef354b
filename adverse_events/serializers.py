"""Adverse events as the read-only REST API gives them (adverse_events.crf declares the
endpoint): the CTCAE term as recorded (term, MedDRA code, SOC), people by username."""

from rest_framework import serializers

from adverse_events.models import AdverseEvent
from trial.serializers import username


class AdverseEventSerializer(serializers.ModelSerializer):
    term = serializers.CharField(source="recorded_term", read_only=True)
    meddra_code = serializers.IntegerField(source="recorded_meddra_code", read_only=True)
    soc = serializers.CharField(source="recorded_soc", read_only=True)
    recorded_by = username()
    relationship_by = username(allow_null=True)
    sae_reported_by = username(allow_null=True)
    dlt_decided_by = username(allow_null=True)

    class Meta:
        model = AdverseEvent
        exclude = ("version",)
