"""The CRF kinds of the medications app, registered from MedicationsConfig.ready()."""

from django.urls import reverse

from medications.sdtm import CM
from review.checks import Failure
from review.export_spec import ApiEndpoint, Dataset, ExportSpec, Odm, api_rows, subject_dataset
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


def _medications(context) -> tuple[Dataset, ...]:
    """Dates as the text typed, at its precision, codes kept; a linked indication by its
    sequence within the subject (AESEQ, MHSEQ)."""
    from adverse_events.models import AdverseEvent
    from history.models import MedicalHistory

    return (
        subject_dataset(
            "medications.concomitantmedication",
            "medications",
            "Prior and concomitant medications",
            "CM",
            order_by=("sequence",),
            related={
                AdverseEvent: (("_sequence", "sequence"),),
                MedicalHistory: (("_sequence", "sequence"),),
            },
            odm=Odm("log", repeat_key="sequence"),
        ),
    )


def _api_medications(user):
    """What the user may read of medications (not sponsor safety); voided entries left out.
    The linked indications are read for prior or concomitant (medications.selectors)."""
    from medications.models import ConcomitantMedication
    from trial.capabilities import Capability

    return (
        api_rows(
            ConcomitantMedication.objects.filter(voided_at__isnull=True),
            user,
            Capability.READ_BACKGROUND,
        )
        .select_related("subject", "indication_ae", "indication_history", "recorded_by")
        .order_by("subject", "sequence")
    )


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
        export=ExportSpec(
            86,
            _medications,
            api=(
                ApiEndpoint(
                    "medications",
                    "api-medication",
                    "medications.serializers.ConcomitantMedicationSerializer",
                    _api_medications,
                    "Prior and concomitant medications, voided ones left out; `timing` is "
                    "derived from the subject's first dose when read.",
                ),
            ),
            sdtm=(CM,),
        ),
        subject_section=medication_subject_section,
        subject_template="medications/_subject_section.html",
    ),
)
