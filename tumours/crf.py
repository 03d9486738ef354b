"""The CRF kind of the tumours app, registered from TumoursConfig.ready() (review.records):
the RECIST 1.1 time points, with the target lesions chosen at baseline and their
measurements as children."""

from django.urls import reverse

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
from review.selectors import subject_lock
from trial.access import can
from trial.capabilities import Capability
from tumours import recist
from tumours.models import LesionMeasurement, NewLesion, NonTargetObservation, TumourAssessment
from tumours.sdtm import RS, TR, TU


def _target_lesions(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "tumours.targetlesiondefinition",
            "target_lesions",
            "Target lesions (RECIST 1.1 baseline)",
            "TL",
            order_by=("lesion_id",),
            odm=Odm("log", repeat_key="lesion_id"),
        ),
    )


def _non_target_lesions(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "tumours.nontargetlesiondefinition",
            "non_target_lesions",
            "Non-target lesions (RECIST 1.1 baseline)",
            "NTL",
            order_by=("lesion_id",),
            odm=Odm("log", repeat_key="lesion_id"),
        ),
    )


def _lesion_rows(name, title, oid, model, lesion_id, *, via=(), exclude=()) -> Dataset:
    """A time point's rows of one kind of lesion (a group of its form, one per lesion)."""
    return Dataset(
        name,
        title,
        oid,
        model,
        "assessment__subject",
        (
            RECORD_ID,
            *subject_keys("assessment__subject__"),
            Column("assessment_id", "assessment_id", "Tumour assessment id", "integer", key=True),
            Column(
                "assessment_date",
                "assessment__assessment_date",
                "Assessment date",
                "date",
                key=True,
            ),
            Column("lesion_id", lesion_id, "Lesion id", "text", key=True),
            *model_columns(model, exclude=("assessment", *exclude)),
        ),
        ("assessment__assessment_date", lesion_id),
        odm=Odm(
            "group",
            subject_lookup="assessment__subject_id",
            repeat_key="lesion_id",
            parent="tumour_assessments",
            parent_key="assessment_id",
            repeat_key_via=via,
        ),
    )


def _tumour_assessments(context) -> tuple[Dataset, ...]:
    """The time points, and per time point its target lesion measurements, its non-target
    lesions' states and its new lesions (one row per lesion)."""
    return (
        subject_dataset(
            "tumours.tumourassessment",
            "tumour_assessments",
            "Tumour assessments (RECIST 1.1 time points)",
            "TU",
            order_by=("assessment_date",),
            odm=Odm("log"),
        ),
        _lesion_rows(
            "lesion_measurements",
            "Target lesion measurements",
            "TR",
            LesionMeasurement,
            "lesion__lesion_id",
            via=("target_lesions", "lesion_id"),
            exclude=("lesion",),
        ),
        _lesion_rows(
            "non_target_observations",
            "Non-target lesion states",
            "NTO",
            NonTargetObservation,
            "lesion__lesion_id",
            via=("non_target_lesions", "lesion_id"),
            exclude=("lesion",),
        ),
        _lesion_rows(
            "new_lesions",
            "New lesions",
            "NEW",
            NewLesion,
            "lesion_id",
            exclude=("lesion_id",),
        ),
    )


def _api_tumour_assessments(user):
    return (
        api_rows(TumourAssessment.objects.all(), user)
        .select_related("recorded_by")
        .prefetch_related(
            "measurements__lesion", "non_target_observations__lesion", "new_lesion_entries"
        )
        .order_by("subject", "assessment_date")
    )


def _live_assessments(subjects):
    return TumourAssessment.objects.filter(subject__in=subjects, voided_at__isnull=True)


def tumour_title(record) -> str:
    what = "Baseline tumour assessment" if record.is_baseline else "Tumour assessment"
    return f"{what} {record.assessment_date:%Y-%m-%d}"


def tumour_measurements(record) -> list:
    """The lesions of this time point (hashed with the assessment): each target lesion's
    identity as defined at baseline and its diameter, then each non-target lesion's state
    and each new lesion. A time point without the last two hashes as it did before they
    were recorded, so its signature stays valid."""
    rows = sorted(
        [
            m.lesion.lesion_id,
            m.lesion.organ,
            m.lesion.is_lymph_node,
            m.lesion.location,
            m.diameter_mm,
        ]
        for m in record.measurements.all()
    )
    rows += sorted(
        ["non-target", o.lesion.lesion_id, o.lesion.organ, o.lesion.location, o.state]
        for o in record.non_target_observations.all()
    )
    rows += sorted(
        ["new", n.lesion_id, n.organ, n.location, n.equivocal]
        for n in record.new_lesion_entries.all()
    )
    return rows


def tumour_subject_section(subject, user) -> dict:
    """The subject's time points (voided ones shown as such), the best overall response, and
    for the site staff of an enrolled, unlocked subject the button to record the next one."""
    # One read of the time points for the list, the baseline and the best response; the
    # subject was read in this request, so its stored first dose date is current.
    assessments = list(subject.tumour_assessments.all())
    live = [a for a in assessments if a.voided_at is None]
    best = recist.best_response_on_treatment(
        ((a.assessment_date, a.response) for a in live if not a.is_baseline),
        first_dose=subject.first_dose_on,
    )
    return {
        "subject": subject,
        "assessments": assessments,
        "has_baseline": any(a.is_baseline for a in live),
        "best_response": best.value if best else None,
        "can_record": subject.enrolled_at is not None
        and subject_lock(subject) is None
        and can(user, Capability.ENTER_DATA, subject),
    }


KINDS = (
    CrfKind(
        "tumours.tumourassessment",
        "Tumour assessment",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields=("assessment_date", "method", "non_target", "new_lesions"),
        url=lambda record: reverse("tumour_assessment", args=[record.pk]),
        title=tumour_title,
        history_scope=site_scoped("tumours.tumourassessment"),
        # The target lesions are chosen on the baseline form; every form measures them.
        children=(
            "tumours.lesionmeasurement",
            "tumours.targetlesiondefinition",
            "tumours.nontargetlesiondefinition",
            "tumours.nontargetobservation",
            "tumours.newlesion",
        ),
        history_children=(
            ("tumours.LesionMeasurementEvent", "tumour_assessments"),
            ("tumours.NonTargetObservationEvent", "tumour_assessments"),
            ("tumours.NewLesionEvent", "tumour_assessments"),
        ),
        subject_section=tumour_subject_section,
        subject_template="tumours/_subject_section.html",
        export=ExportSpec(
            70,
            _tumour_assessments,
            api=(
                ApiEndpoint(
                    "tumour-assessments",
                    "api-tumour-assessment",
                    "tumours.serializers.TumourAssessmentSerializer",
                    _api_tumour_assessments,
                    "RECIST 1.1 time points with their target lesion measurements, non-target "
                    "lesion states and new lesions.",
                ),
            ),
            sdtm=(TU, TR, RS),
        ),
        # --- review kernel ---
        to_sign=_live_assessments,
        sign_task="Sign the tumour assessment",
        to_verify=_live_assessments,
        child_content=tumour_measurements,
        child_prefetch=(
            "measurements__lesion",
            "non_target_observations__lesion",
            "new_lesion_entries",
        ),
    ),
)

# The exports of this app's records that are not CRF kinds (review.records.register_export):
# the target and non-target lesions are children of the baseline tumour assessment, exported
# on their own.
EXPORT_ONLY = {
    "tumours.targetlesiondefinition": ExportSpec(60, _target_lesions),
    "tumours.nontargetlesiondefinition": ExportSpec(61, _non_target_lesions),
}
