"""Reads of screening that more than one page shows: one definition of each count."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from screening.models import EligibilityAssessment, EligibilityStatus
from trial.models import Subject, SubjectStatus


@dataclass(frozen=True)
class Funnel:
    """The screening counts of a set of subjects, as the screening log and the study
    overview both show them."""

    registered: int  # registered for screening, consented or not
    screened: int  # informed consent signed: screening has begun
    eligible: int  # eligibility computed "eligible" (confirmed or not yet)
    enrolled: int
    screen_failed: int
    in_screening: int


def screening_funnel(subjects: QuerySet[Subject]) -> Funnel:
    counts = subjects.aggregate(
        registered=Count("id"),
        screened=Count("id", filter=Q(consent__isnull=False, consent__voided_at__isnull=True)),
        eligible=Count(
            "id",
            filter=Q(
                eligibility__status=EligibilityStatus.ELIGIBLE,
                eligibility__voided_at__isnull=True,
            ),
        ),
        enrolled=Count("id", filter=Q(enrolled_at__isnull=False)),
        screen_failed=Count("id", filter=Q(status=SubjectStatus.SCREEN_FAILED)),
        in_screening=Count("id", filter=Q(status=SubjectStatus.SCREENING)),
    )
    return Funnel(**counts)


def checked_against_screening_labs(*, subject: Subject) -> list[EligibilityAssessment]:
    """The records whose edit checks read the subject's screening lab results (event
    `checked_against_screening_labs`, called by labs.services): the eligibility CRF, whose
    inclusion 7 answers are compared with them (screening.lab_panel)."""
    return list(EligibilityAssessment.objects.filter(subject=subject))
