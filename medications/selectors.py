"""Medication reads scoped by site and role (trial.access), and prior/concomitant on read."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from medications import rules
from medications.models import ConcomitantMedication
from medications.services import CM_FIELDS, facts_for
from trial.access import can, scope_to_sites
from trial.capabilities import Capability
from trial.models import User


def medications_for(user: User) -> QuerySet[ConcomitantMedication]:
    return scope_to_sites(
        ConcomitantMedication.objects.all(),
        user,
        Capability.READ_BACKGROUND,
        site_field="subject__site",
    ).select_related("subject", "subject__site", "indication_ae", "indication_history")


@dataclass(frozen=True)
class AeMedications:
    """What the AE page shows under its treatment given: the medications recorded for the AE,
    each with its page, and where to record one more (None: the user may not)."""

    entries: list[tuple[ConcomitantMedication, str]]
    new_url: str | None


def ae_medications(*, ae, user: User) -> AeMedications | None:
    """The live medications whose indication is this AE; None if the user does not read
    medications at its site (sponsor safety reads AEs, not the subject's background)."""
    if not can(user, Capability.READ_BACKGROUND, ae.subject):
        return None
    records = medications_for(user).filter(indication_ae=ae, voided_at__isnull=True)
    new_url = None
    if not ae.voided_at and can(user, Capability.ENTER_DATA, ae.subject):
        new_url = (
            reverse("medication_new", args=[ae.subject_id])
            + "?"
            + urlencode({"indication_ae": ae.pk})
        )
    return AeMedications(
        entries=[
            (record, reverse("medication_detail", args=[record.pk]))
            for record in records.order_by("sequence")
        ],
        new_url=new_url,
    )


def timing_of(record: ConcomitantMedication, first_dose: date | None) -> rules.Timing | None:
    """Prior or concomitant, from the subject's first dose (trial.selectors.first_dose_date)."""
    values = {name: getattr(record, name) for name in CM_FIELDS}
    return rules.timing(facts_for(record.subject, values), first_dose)
