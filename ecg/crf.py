"""The CRF kind of the ecg app, registered from EcgConfig.ready() (review.records)."""

from django.urls import reverse

from ecg.models import EcgTimePoint
from ecg.sdtm import EG
from review.checks import Failure
from review.export_spec import Column, Dataset, ExportSpec, Odm, subject_dataset
from review.models import SignatureMeaning
from review.records import KINDS as REGISTERED
from review.records import CrfKind, site_scoped

LABEL = "ecg.electrocardiogram"
# The forms a schedule may name: an ECG at a time point of its visit.
SCHEDULED_AT = (
    (EcgTimePoint.VISIT, "ECG"),
    (EcgTimePoint.PRE_DOSE, "ECG pre-dose"),
    (EcgTimePoint.POST_DOSE, "ECG post-dose"),
)
_AE_LABEL = "adverse_events.adverseevent"


def ecg_edit_checks(record, now) -> list[Failure]:
    """After the first dose: an average QTcF of grade >= 2, or an abnormality judged clinically
    significant, with no matching AE ongoing on the ECG's date (ecg.rules).

    The AE model is read through the registry of kinds (ecg and adverse_events stand on the
    same floor and do not import each other); without the AE kind registered, no check."""
    from ecg import rules, services

    if record.voided_at:
        return []
    ae_kind = REGISTERED.get(_AE_LABEL)
    if ae_kind is None:
        return []
    adverse_events = [
        rules.AdverseEventFact(
            term=row["recorded_term"],
            soc=row["recorded_soc"],
            onset_date=row["onset_date"],
            end_date=None if row["ongoing"] else row["end_date"],
        )
        for row in ae_kind.model.objects.filter(
            subject_id=record.subject_id, voided_at__isnull=True
        ).values("recorded_term", "recorded_soc", "onset_date", "ongoing", "end_date")
    ]
    missing = rules.findings_without_ae(
        performed_on=record.performed_on,
        is_after_first_dose=services.is_after_first_dose(record),
        grade=record.qtc_grade,
        interpretation=record.interpretation,
        adverse_events=adverse_events,
    )
    return [Failure(m.code, m.field, m.message) for m in missing]


def ecg_subject_section(subject, user) -> dict | None:
    # The subject page is shown only to those who may read the subject: every role of its
    # site reads its ECGs, as its other visit CRFs.
    ecgs = subject.ecgs.filter(voided_at__isnull=True).select_related("visit")
    return {
        "subject": subject,
        "ecgs": ecgs.order_by("performed_on", "visit__order", "time_point"),
        # In schedule order (Visit.Meta): all() reads the visits the subject page prefetched.
        "visits": subject.visits.all(),
    }


def _ecgs(context) -> tuple[Dataset, ...]:
    """One row per recording: the triplicate readings as typed, their means and QTcF."""
    return (
        subject_dataset(
            LABEL,
            "ecgs",
            "ECGs (triplicate readings, average QTcF)",
            "EG",
            order_by=("performed_on", "visit__order", "time_point", "id"),
            keys=(Column("visit", "visit__code", "Visit", "text", key=True),),
            exclude=("visit",),
            odm=Odm("log"),
        ),
    )


def _live(subjects):
    from ecg.models import Electrocardiogram

    return Electrocardiogram.objects.filter(subject__in=subjects, voided_at__isnull=True)


KINDS = (
    CrfKind(
        LABEL,
        "ECG",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="ecg.services.ECG_FIELDS",
        url=lambda record: reverse("ecg_detail", args=[record.pk]),
        title=lambda record: record.title,
        title_related=("visit",),
        edit_checks=ecg_edit_checks,
        history_scope=site_scoped(LABEL),
        export=ExportSpec(75, _ecgs, sdtm=(EG,)),
        subject_section=ecg_subject_section,
        subject_template="ecg/_subject_section.html",
        # --- review kernel ---
        to_sign=_live,
        sign_task="Sign the ECG",
        to_verify=_live,
        # The schedule of assessments names an ECG by its time point, each a form of its
        # visit: at the visit (screening, end of treatment) or before and after a dose.
        schedule_by="visit",
        schedule_panels=SCHEDULED_AT,
        schedule_panel_field="time_point",
        matrix_url=lambda visit: reverse("visit_ecgs", args=[visit.pk]),
        matrix_reviewed=True,
    ),
)
