"""The CRF kinds of the screening app, registered from ScreeningConfig.ready()."""

from django.urls import reverse

from review.records import CrfKind, site_scoped


def _screening_page(record) -> str:
    return reverse("screening_subject", args=[record.subject_id])


KINDS = (
    CrfKind(
        "screening.eligibilityassessment",
        "Eligibility",
        signed_elsewhere="Eligibility is signed by confirming it on the screening page.",
        lockable=True,
        entered_fields="screening.services.FACT_FIELDS",
        women_only=("pregnant", "lactating", "childbearing_potential", "pregnancy_test_result"),
        url=_screening_page,
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
        history_scope=site_scoped("screening.eligibilityassessment"),
    ),
    CrfKind(
        "screening.consent",
        "Informed consent",
        entered_fields=("icf_version", "signed_at"),
        url=_screening_page,
        history_scope=site_scoped("screening.consent"),
    ),
)
