"""The CRF kinds of the dosing app, registered from DosingConfig.ready() (review.records)."""

from django.urls import reverse

from dosing.models import VITAL_FIELDS
from dosing.sdtm import EX
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

CHECKED_VITALS = tuple(prefix + name for prefix in checks.TIMEPOINTS for name in VITAL_FIELDS)


def dosing_edit_checks(record, now) -> list[checks.Failure]:
    """Vital signs outside their clinical range; a dose given outside its visit's window.

    None for a voided dose (its open automatic queries close)."""
    if record.voided_at is not None:
        return []
    visit = record.visit
    return [
        *checks.vitals_out_of_range(
            {name: getattr(record, name) for name in CHECKED_VITALS},
            limits=clinical_vital_limits(subject_id=record.subject_id),
        ),
        *checks.visit_out_of_window(
            checks.VisitDate(
                code=visit.code,
                performed_on=record.administered_on,
                window_opens_on=visit.window_opens_on,
                window_closes_on=visit.window_closes_on,
            ),
            check_code="dose_out_of_window",
            field_name="administered_on",
        ),
    ]


def _dosing(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "dosing.dosingrecord",
            "dosing",
            "Dosing visit",
            "EX",
            order_by=("visit__order",),
            keys=(Column("visit", "visit__code", "Visit", "text", key=True),),
            exclude=("visit",),
            odm=Odm("dosing visit"),
        ),
    )


def _api_dosing(user):
    from dosing.models import DosingRecord

    return (
        api_rows(DosingRecord.objects.all(), user)
        .select_related("visit", "dose_level", "recorded_by")
        .order_by("subject", "visit__order")
    )


def _doses(subjects):
    from dosing.models import DosingRecord

    return DosingRecord.objects.filter(subject__in=subjects, voided_at__isnull=True)


def _dose_complete(record) -> bool:
    from dosing.selectors import dose_is_complete

    return dose_is_complete(record)


KINDS = (
    CrfKind(
        "dosing.dosingrecord",
        "Dosing",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="dosing.services.DOSING_FIELDS",
        women_only=("pregnancy_test",),
        url=lambda record: reverse("visit_dosing", args=[record.visit_id]),
        title=lambda record: f"Dosing {record.visit.code}",
        title_related=("visit",),
        void_hashed_when_voided=True,
        edit_checks=dosing_edit_checks,
        history_scope=site_scoped("dosing.dosingrecord"),
        export=ExportSpec(
            50,
            _dosing,
            api=(
                ApiEndpoint(
                    "dosing-records",
                    "api-dosing-record",
                    "dosing.serializers.DosingRecordSerializer",
                    _api_dosing,
                    "Dosing CRFs (one per dosing visit).",
                ),
            ),
            sdtm=(EX,),
        ),
        # --- review kernel ---
        to_sign=_doses,
        sign_task="Sign the dosing CRF",
        to_verify=_doses,
        schedule_by="visit",
        matrix_detail=lambda record: record.get_dose_change_display().lower(),
        matrix_url=lambda visit: reverse("visit_dosing", args=[visit.pk]),
        matrix_action="Record dose",
        matrix_reviewed=True,
        matrix_complete=_dose_complete,
    ),
)
