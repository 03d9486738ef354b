"""Vital signs reads scoped by site (trial.access): like the other visit CRFs, every role of a
site reads its subjects' vital signs."""

from django.db.models import QuerySet

from trial.access import scope_to_sites
from trial.models import User
from vitals.models import VitalSigns


def vital_signs_for(user: User) -> QuerySet[VitalSigns]:
    return scope_to_sites(
        VitalSigns.objects.all(), user, site_field="subject__site"
    ).select_related("subject", "subject__site", "visit")
