"""The CRF kinds of the medications app, registered from MedicationsConfig.ready()."""

from django.urls import reverse

from review.checks import Failure
from review.models import SignatureMeaning
from review.records import CrfKind, site_scoped


def medication_edit_checks(record, now) -> list[Failure]:
    """An immunosuppressive treatment or another investigational product after consent."""
    from medications import rules, services

    if record.voided_at:
        return []
    values = {name: getattr(record, name) for name in services.CM_FIELDS}
    return rules.prohibited_after_consent(
        record.sequence,
        services.facts_for(record.subject, values),
        services.consent_date(record.subject),
    )


def medication_subject_section(subject, user) -> dict | None:
    """The subject's live medications, for the roles that read them (not sponsor safety)."""
    from medications.models import ConcomitantMedication
    from trial.access import can
    from trial.capabilities import Capability

    if not can(user, Capability.READ_BACKGROUND, subject):
        return None
    entries = ConcomitantMedication.objects.filter(subject=subject, voided_at__isnull=True)
    return {"entries": entries.order_by("sequence"), "subject": subject}


KINDS = (
    CrfKind(
        "medications.concomitantmedication",
        "Concomitant medication",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="medications.services.CM_FIELDS",
        url=lambda record: reverse("medication_detail", args=[record.pk]),
        title=lambda record: record.title,
        edit_checks=medication_edit_checks,
        history_scope=site_scoped("medications.concomitantmedication"),
        subject_section=medication_subject_section,
        subject_template="medications/_subject_section.html",
    ),
)
