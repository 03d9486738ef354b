"""Medication reads scoped by site and role (trial.access), and prior/concomitant on read."""

from datetime import date

from django.db.models import QuerySet

from medications import rules
from medications.models import ConcomitantMedication
from medications.services import CM_FIELDS, facts_for
from trial.access import scope_to_sites
from trial.capabilities import Capability
from trial.models import User


def medications_for(user: User) -> QuerySet[ConcomitantMedication]:
    return scope_to_sites(
        ConcomitantMedication.objects.all(),
        user,
        Capability.READ_BACKGROUND,
        site_field="subject__site",
    ).select_related("subject", "subject__site", "indication_ae", "indication_history")


def timing_of(record: ConcomitantMedication, first_dose: date | None) -> rules.Timing | None:
    """Prior or concomitant, from the subject's first dose (trial.selectors.first_dose_date)."""
    values = {name: getattr(record, name) for name in CM_FIELDS}
    return rules.timing(facts_for(record.subject, values), first_dose)
