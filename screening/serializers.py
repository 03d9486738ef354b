"""The eligibility CRF as the read-only REST API gives it (screening.crf declares the endpoint)."""

from rest_framework import serializers

from screening.models import EligibilityAssessment
from trial.serializers import username


class EligibilitySerializer(serializers.ModelSerializer):
    saved_by = username()
    confirmed_by = username(allow_null=True)
    screen_failed_by = username(allow_null=True)

    class Meta:
        model = EligibilityAssessment
        fields = "__all__"
