"""Medications as the read-only REST API gives them (medications.crf declares the endpoint):
dates as typed (at their precision, or a missing-data code), a linked indication by the id
of its adverse event or condition (their own endpoints), people by username.

Prior or concomitant (`timing`) is not stored: it is derived from the subject's first dose
when read, as on the web and in SDTM CMCAT (medications.rules.timing)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from medications import rules
from medications.models import ConcomitantMedication
from medications.selectors import timing_of
from trial.serializers import username


class ConcomitantMedicationSerializer(serializers.ModelSerializer):
    timing = serializers.SerializerMethodField()
    recorded_by = username()

    class Meta:
        model = ConcomitantMedication
        exclude = ("version",)

    @extend_schema_field(
        serializers.ChoiceField(choices=[t.value for t in rules.Timing], allow_null=True),
    )
    def get_timing(self, medication) -> str | None:
        """Null while it cannot be told (no first dose yet and the medication not stopped)."""
        timing = timing_of(medication, medication.subject.first_dose_on)
        return None if timing is None else timing.value
