"""The CRF kinds of the dosing app, registered from DosingConfig.ready() (review.records)."""

from django.urls import reverse

from dosing.models import VITAL_FIELDS
from dosing.selectors import clinical_vital_limits
from review import checks
from review.export_spec import (
    RECORD_ID,
    ApiEndpoint,
    Column,
    Dataset,
    ExportSpec,
    Odm,
    api_rows,
    model_columns,
    subject_dataset,
    subject_keys,
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


def _target_lesions(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "dosing.targetlesiondefinition",
            "target_lesions",
            "Target lesions (RECIST 1.1 baseline)",
            "TL",
            order_by=("lesion_id",),
            odm=Odm("log", repeat_key="lesion_id"),
        ),
    )


def _tumour_assessments(context) -> tuple[Dataset, ...]:
    """The time points, and their target lesion measurements (one row per lesion)."""
    from dosing.models import LesionMeasurement

    return (
        subject_dataset(
            "dosing.tumourassessment",
            "tumour_assessments",
            "Tumour assessments (RECIST 1.1 time points)",
            "TU",
            order_by=("assessment_date",),
            odm=Odm("log"),
        ),
        Dataset(
            "lesion_measurements",
            "Target lesion measurements",
            "TR",
            LesionMeasurement,
            "assessment__subject",
            (
                RECORD_ID,
                *subject_keys("assessment__subject__"),
                Column(
                    "assessment_id", "assessment_id", "Tumour assessment id", "integer", key=True
                ),
                Column(
                    "assessment_date",
                    "assessment__assessment_date",
                    "Assessment date",
                    "date",
                    key=True,
                ),
                Column("lesion_id", "lesion__lesion_id", "Lesion id", "text", key=True),
                *model_columns(LesionMeasurement, exclude=("assessment", "lesion")),
            ),
            ("assessment__assessment_date", "lesion__lesion_id"),
            odm=Odm(
                "group",
                subject_lookup="assessment__subject_id",
                repeat_key="lesion_id",
                parent="tumour_assessments",
                parent_key="assessment_id",
                repeat_key_via=("target_lesions", "lesion_id"),
            ),
        ),
    )


def _api_tumour_assessments(user):
    from dosing.models import TumourAssessment

    return (
        api_rows(TumourAssessment.objects.all(), user)
        .select_related("recorded_by")
        .prefetch_related("measurements__lesion")
        .order_by("subject", "assessment_date")
    )


def _dispositions(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "dosing.disposition",
            "dispositions",
            "End of treatment, end of study, withdrawal, death",
            "DS",
            order_by=("event_date", "id"),
            odm=Odm("log", repeat_key="kind"),
        ),
    )


def _doses(subjects):
    from dosing.models import DosingRecord

    return DosingRecord.objects.filter(subject__in=subjects, voided_at__isnull=True)


def _dose_complete(record) -> bool:
    from dosing.selectors import dose_is_complete

    return dose_is_complete(record)


def _live_assessments(subjects):
    from dosing.models import TumourAssessment

    return TumourAssessment.objects.filter(subject__in=subjects, voided_at__isnull=True)


def tumour_title(record) -> str:
    what = "Baseline tumour assessment" if record.is_baseline else "Tumour assessment"
    return f"{what} {record.assessment_date:%Y-%m-%d}"


def tumour_measurements(record) -> list:
    """The lesions measured at this time point (hashed with the assessment): the lesion's
    identity as defined at baseline and its diameter."""
    return sorted(
        [
            m.lesion.lesion_id,
            m.lesion.organ,
            m.lesion.is_lymph_node,
            m.lesion.location,
            m.diameter_mm,
        ]
        for m in record.measurements.all()
    )


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
        ),
        # --- review kernel ---
        to_sign=_doses,
        sign_task="Sign the dosing CRF",
        to_verify=_doses,
        matrix_column="dosing",
        matrix_url=lambda visit: reverse("visit_dosing", args=[visit.pk]),
        matrix_reviewed=True,
        matrix_complete=_dose_complete,
    ),
    CrfKind(
        "dosing.tumourassessment",
        "Tumour assessment",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields=("assessment_date", "method", "non_target", "new_lesions"),
        url=lambda record: reverse("tumour_assessment", args=[record.pk]),
        title=tumour_title,
        history_scope=site_scoped("dosing.tumourassessment"),
        # The target lesions are chosen on the baseline form; every form measures them.
        children=("dosing.lesionmeasurement", "dosing.targetlesiondefinition"),
        history_children=(("dosing.LesionMeasurementEvent", "tumour_assessments"),),
        export=ExportSpec(
            70,
            _tumour_assessments,
            api=(
                ApiEndpoint(
                    "tumour-assessments",
                    "api-tumour-assessment",
                    "dosing.serializers.TumourAssessmentSerializer",
                    _api_tumour_assessments,
                    "RECIST 1.1 time points with their target lesion measurements.",
                ),
            ),
        ),
        # --- review kernel ---
        to_sign=_live_assessments,
        sign_task="Sign the tumour assessment",
        to_verify=_live_assessments,
        child_content=tumour_measurements,
        child_prefetch=("measurements__lesion",),
    ),
    CrfKind(
        "dosing.disposition",
        "Disposition",
        entered_fields=("event_date", "reason"),
        title=lambda record: record.get_kind_display(),
        void_hashed_when_voided=True,
        history_scope=site_scoped("dosing.disposition"),
        export=ExportSpec(90, _dispositions),
    ),
)

# The exports of this app's records that are not CRF kinds (review.records.register_export):
# the target lesions are a child of the baseline tumour assessment, exported on their own.
EXPORT_ONLY = {
    "dosing.targetlesiondefinition": ExportSpec(60, _target_lesions),
}
