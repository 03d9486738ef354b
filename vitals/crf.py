"""The CRF kind of the vitals app, registered from VitalsConfig.ready() (review.records)."""

from django.urls import reverse

from dosing.selectors import clinical_vital_limits
from review import checks
from review.export_spec import (
    ApiEndpoint,
    Column,
    Dataset,
    ExportSpec,
    Odm,
    api_rows,
    subject_dataset,
)
from review.models import SignatureMeaning
from review.records import CrfKind, site_scoped
from trial.vital_signs import VITAL_SIGNS
from vitals.models import VitalsTimePoint
from vitals.sdtm import VS

LABEL = "vitals.vitalsigns"
# One set per visit, its fields unprefixed: the out-of-range queries name no time point.
AT_THE_VISIT = {"": ""}


def vitals_edit_checks(record, now) -> list[checks.Failure]:
    """Vital signs outside the study's clinical range (the dosing CRF's check, on one set).

    None for a voided set (its open automatic queries close)."""
    if record.voided_at is not None:
        return []
    return checks.vitals_out_of_range(
        {name: getattr(record, name) for name in VITAL_SIGNS},
        limits=clinical_vital_limits(subject_id=record.subject_id),
        time_points=AT_THE_VISIT,
    )


RECENT = 10


def vitals_subject_section(subject, user) -> dict | None:
    # The subject page is shown only to those who may read the subject: every role of its
    # site reads its vital signs, as its other visit CRFs.
    sets = subject.vital_signs.filter(voided_at__isnull=True).select_related("visit")
    return {
        "subject": subject,
        "vital_signs": sets.order_by("-measured_on", "-visit__order")[:RECENT],
        # In schedule order (Visit.Meta): all() reads the visits the subject page prefetched.
        "visits": [visit for visit in subject.visits.all() if visit.kind != "dosing"],
    }


def _vital_signs(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            LABEL,
            "vital_signs",
            "Vital signs (visits without a dose)",
            "VS",
            order_by=("measured_on", "visit__order", "time_point", "id"),
            keys=(Column("visit", "visit__code", "Visit", "text", key=True),),
            exclude=("visit",),
            odm=Odm("log"),
        ),
    )


def _api_vital_signs(user):
    from vitals.models import VitalSigns

    return (
        api_rows(VitalSigns.objects.all(), user)
        .select_related("visit", "recorded_by")
        .order_by("subject", "measured_on", "visit__order")
    )


def _live(subjects):
    from vitals.models import VitalSigns

    return VitalSigns.objects.filter(subject__in=subjects, voided_at__isnull=True)


KINDS = (
    CrfKind(
        LABEL,
        "Vital signs",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="vitals.services.VITALS_FIELDS",
        url=lambda record: reverse("vitals_detail", args=[record.pk]),
        title=lambda record: record.title,
        title_related=("visit",),
        edit_checks=vitals_edit_checks,
        history_scope=site_scoped(LABEL),
        export=ExportSpec(
            74,
            _vital_signs,
            api=(
                ApiEndpoint(
                    "vital-signs",
                    "api-vital-signs",
                    "vitals.serializers.VitalSignsSerializer",
                    _api_vital_signs,
                    "Vital signs taken at the visits without a dose (the pre- and post-dose "
                    "ones are on the dosing CRFs).",
                ),
            ),
            sdtm=(VS,),
        ),
        subject_section=vitals_subject_section,
        subject_template="vitals/_subject_section.html",
        # --- review kernel ---
        to_sign=_live,
        sign_task="Sign the vital signs",
        to_verify=_live,
        # One set per visit without a dose: its time point is the visit (vitals.rules).
        schedule_by="visit",
        schedule_panels=((VitalsTimePoint.VISIT, "Vital signs"),),
        schedule_panel_field="time_point",
        matrix_url=lambda visit: reverse("visit_vitals", args=[visit.pk]),
        matrix_reviewed=True,
    ),
)
