"""The CRF kind of the labs app, registered from LabsConfig.ready()."""

from django.urls import reverse

from labs.models import Panel
from labs.sdtm import LB
from review.checks import Failure
from review.export_spec import Column, Dataset, ExportSpec, Odm, subject_dataset
from review.models import SignatureMeaning
from review.records import KINDS as REGISTERED
from review.records import CrfKind, site_scoped

# A grade at or above this, after the first dose, is clinically significant enough to need an
# AE of the matching CTCAE term (protocol: AEs are graded by CTCAE v5.0 from the first dose).
SIGNIFICANT_GRADE = 2
_AE_LABEL = "adverse_events.adverseevent"


def lab_edit_checks(record, now) -> list[Failure]:
    """A post-baseline result of grade >= 2 with no live AE of its CTCAE term for the subject.

    The AE model is read through the registry of kinds (labs and adverse_events stand on the
    same floor and do not import each other); without the AE kind registered, no check."""
    from labs.grading import CTCAE_TERMS

    if record.voided_at or record.grade is None or record.grade < SIGNIFICANT_GRADE:
        return []
    first_dose = record.subject.first_dose_on
    if first_dose is None or record.collected_on <= first_dose:
        return []  # a baseline abnormality is medical history, not an AE
    ae_kind = REGISTERED.get(_AE_LABEL)
    if ae_kind is None:
        return []
    term = CTCAE_TERMS[record.test]
    if ae_kind.model.objects.filter(
        subject_id=record.subject_id, recorded_term=term, voided_at__isnull=True
    ).exists():
        return []
    return [
        Failure(
            "lab_grade_without_ae",
            "category" if record.category else "value",
            f"{record.get_test_display()} is CTCAE grade {record.grade} ({term}) on "
            f"{record.collected_on:%Y-%m-%d} but no adverse event '{term}' is recorded: "
            "record the AE or explain why it is not one.",
        )
    ]


def lab_subject_section(subject, user) -> dict | None:
    # The subject page is shown only to those who may read the subject: every role of its
    # site reads its lab results, as its other visit CRFs.
    results = subject.lab_results.filter(voided_at__isnull=True).select_related("visit")
    graded = [r for r in results.order_by("-collected_on", "test") if (r.grade or 0) >= 1]
    # In schedule order (Visit.Meta): all() reads the visits the subject page prefetched.
    visits = subject.visits.all()
    return {"subject": subject, "abnormal": graded[:20], "visits": visits}


def _lab_results(context) -> tuple[Dataset, ...]:
    """A row per result: the value and unit as reported beside the standardised value, the
    normal range read and the grade (computed when saved); the visit by its code."""
    return (
        subject_dataset(
            "labs.labresult",
            "lab_results",
            "Local laboratory results",
            "LB",
            order_by=("collected_on", "collected_time", "test", "id"),
            keys=(Column("visit", "visit__code", "Visit", "text", key=True),),
            exclude=("visit",),
            odm=Odm("log"),
        ),
    )


KINDS = (
    CrfKind(
        "labs.labresult",
        "Lab result",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="labs.services.RESULT_FIELDS",
        url=lambda record: reverse("lab_result_detail", args=[record.pk]),
        title=lambda record: record.title,
        edit_checks=lab_edit_checks,
        history_scope=site_scoped("labs.labresult"),
        export=ExportSpec(87, _lab_results, sdtm=(LB,)),
        subject_section=lab_subject_section,
        subject_template="labs/_subject_section.html",
        # The schedule names a panel: the panel's results at a visit make one form.
        schedule_by="visit",
        schedule_panels=tuple(Panel.choices),
        matrix_url=lambda visit: reverse("visit_labs", args=[visit.pk]),
        matrix_reviewed=True,
    ),
)
