"""Medical history as the read-only REST API gives it (history.crf declares the endpoint):
the CTCAE term as recorded, people by username; and prior cancer therapy, one endpoint per
kind."""

from rest_framework import serializers

from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from trial.serializers import username


class MedicalHistorySerializer(serializers.ModelSerializer):
    term = serializers.CharField(source="recorded_term", read_only=True)
    meddra_code = serializers.IntegerField(
        source="term.meddra_code", read_only=True, default=None, allow_null=True
    )
    recorded_by = username()

    class Meta:
        model = MedicalHistory
        exclude = ("version", "recorded_term")


# --- prior cancer therapy: dates as typed (at their precision, or UNK) -------------------------


class SystemicTherapyLineSerializer(serializers.ModelSerializer):
    recorded_by = username()

    class Meta:
        model = SystemicTherapyLine
        exclude = ("version",)


class PriorRadiotherapySerializer(serializers.ModelSerializer):
    recorded_by = username()

    class Meta:
        model = PriorRadiotherapy
        exclude = ("version",)


class PriorSurgerySerializer(serializers.ModelSerializer):
    recorded_by = username()

    class Meta:
        model = PriorSurgery
        exclude = ("version",)
