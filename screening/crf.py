"""The CRF kinds of the screening app, registered from ScreeningConfig.ready()."""

from django.urls import reverse

from review.export_spec import (
    RECORD_ID,
    SUBJECT,
    ApiEndpoint,
    Column,
    Dataset,
    ExportSpec,
    Odm,
    api_rows,
    model_columns,
    subject_dataset,
)
from review.records import CrfKind, QueueTask, site_scoped
from screening.eligibility import CRITERIA
from screening.sdtm import IE
from screening.sdtm_design import DESIGN
from screening.sdtm_dm import DM


def _screening_page(record) -> str:
    return reverse("screening_subject", args=[record.subject_id])


def _eligibility(context) -> tuple[Dataset, ...]:
    """The assessment, its organ-function labs (one JSON field: a value and a ULN column per
    lab of the study), and its computed findings, one row per criterion."""
    from screening.models import EligibilityAssessment

    labs = []
    for code, label in context.lab_codes:
        labs += [
            Column(f"lab_{code}", f"labs__{code}__value", f"{label} (result)", "text"),
            Column(f"lab_{code}_uln", f"labs__{code}__uln", f"{label} (ULN)", "text"),
        ]
    criteria = tuple((c.code, c.title) for c in CRITERIA)
    return (
        Dataset(
            "eligibility",
            "Eligibility assessment",
            "IE",
            EligibilityAssessment,
            "subject",
            (
                RECORD_ID,
                *SUBJECT,
                *model_columns(EligibilityAssessment, exclude=("subject", "labs", "findings")),
                *labs,
            ),
            (),
            odm=Odm("screening"),
        ),
        Dataset(
            "eligibility_findings",
            "Eligibility findings (one row per criterion, computed)",
            "IEF",
            EligibilityAssessment,
            "subject",
            (
                Column("assessment_id", "id", "Eligibility assessment id", "integer", key=True),
                *SUBJECT,
                Column("code", "findings.code", "Criterion code", "text", criteria),
                Column("criterion", "findings.criterion", "Criterion", "text"),
                Column(
                    "outcome",
                    "findings.outcome",
                    "Outcome",
                    "text",
                    (("met", "Met"), ("failed", "Failed"), ("missing", "Missing")),
                ),
                Column("reason", "findings.reason", "Reason", "text"),
            ),
            (),
            items_from="findings",
            items_per_row=len(CRITERIA),
            odm=Odm("group", repeat_key="code", parent="eligibility"),
        ),
    )


def _api_eligibility(user):
    from screening.models import EligibilityAssessment

    return (
        api_rows(EligibilityAssessment.objects.all(), user)
        .select_related("saved_by", "confirmed_by", "screen_failed_by")
        .order_by("subject", "id")
    )


def _consent(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "screening.consent", "consent", "Informed consent", "IC", odm=Odm("screening")
        ),
    )


def _unconfirmed(subjects):
    """Eligible, still in screening, not confirmed yet: the investigator's to confirm."""
    from screening.models import EligibilityAssessment, EligibilityStatus
    from trial.models import SubjectStatus

    return EligibilityAssessment.objects.filter(
        subject__in=subjects,
        voided_at__isnull=True,
        confirmed_at__isnull=True,
        status=EligibilityStatus.ELIGIBLE,
        subject__status=SubjectStatus.SCREENING,
    )


def _confirmed(subjects):
    from screening.models import EligibilityAssessment

    return EligibilityAssessment.objects.filter(
        subject__in=subjects, voided_at__isnull=True, confirmed_at__isnull=False
    )


def eligibility_other_tasks(subjects, limit: int | None = None) -> list[QueueTask]:
    """Eligible assessments awaiting the investigator's confirmation, the first `limit`."""
    rows = _unconfirmed(subjects).order_by("saved_at", "subject_id", "pk")
    return [
        QueueTask("Confirm eligibility", "eligible, awaiting confirmation", pk, subject_id, saved)
        for pk, subject_id, saved in rows.values_list("pk", "subject_id", "saved_at")[:limit]
    ]


def eligibility_edit_checks(record, now) -> list:
    """Answers of inclusions 2, 5 and 6 that the prior cancer therapy records contradict, and
    of inclusion 7 that the screening lab panel contradicts."""
    from screening import lab_panel, prior_therapy, services

    if record.voided_at:
        return []
    values = services.assessment_values(record)
    return [
        *prior_therapy.disagreements(
            services.prior_therapy_cross_check(subject=record.subject, values=values)
        ),
        *lab_panel.disagreements(
            services.lab_panel_cross_check(subject=record.subject, values=values)
        ),
    ]


def _eligibility_complete(record) -> bool:
    from screening.models import EligibilityStatus

    return record.status != EligibilityStatus.INCOMPLETE


KINDS = (
    CrfKind(
        "screening.eligibilityassessment",
        "Eligibility",
        signed_elsewhere="Eligibility is signed by confirming it on the screening page.",
        lockable=True,
        entered_fields="screening.services.FACT_FIELDS",
        women_only=("pregnant", "lactating", "childbearing_potential", "pregnancy_test_result"),
        url=_screening_page,
        edit_checks=eligibility_edit_checks,
        stamps=frozenset(
            {
                "confirmed_by",
                "confirmed_at",
                # A screen failure ends screening; its stamp is not the assessment's content.
                "screen_failed_by",
                "screen_failed_at",
                "screen_failure_reason",
            }
        ),
        # Age limits and exclusion 4 (women) read the subject's sex and date of birth.
        related_content=("subject.sex", "subject.date_of_birth"),
        related_saved_at="subject__demographics_changed_at",
        void_hashed_when_voided=True,
        history_scope=site_scoped("screening.eligibilityassessment"),
        export=ExportSpec(
            30,
            _eligibility,
            api=(
                ApiEndpoint(
                    "eligibility",
                    "api-eligibility",
                    "screening.serializers.EligibilitySerializer",
                    _api_eligibility,
                    "Eligibility CRFs and their findings.",
                ),
            ),
            sdtm=(IE, *DESIGN),
        ),
        # --- review kernel ---
        # A confirmation is the signature: confirmed ones whose signature an edit
        # invalidated are to confirm again.
        to_sign=_confirmed,
        sign_task="Confirm eligibility",
        saved_at="saved_at",
        hash_related=("subject",),
        other_tasks=eligibility_other_tasks,
        other_task_count=lambda subjects: _unconfirmed(subjects).count(),
        schedule_by="subject",
        matrix_url=lambda subject: reverse("screening_eligibility", args=[subject.pk]),
        matrix_reviewed=True,
        matrix_complete=_eligibility_complete,
    ),
    CrfKind(
        "screening.consent",
        "Informed consent",
        entered_fields=("icf_version", "signed_at"),
        void_hashed_when_voided=True,
        url=_screening_page,
        history_scope=site_scoped("screening.consent"),
        export=ExportSpec(20, _consent, sdtm=(DM,)),
        # --- review kernel ---
        schedule_by="subject",
        matrix_url=lambda subject: reverse("screening_subject", args=[subject.pk]),
    ),
)
