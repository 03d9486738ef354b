"""Reads of screening that more than one page shows: one definition of each count."""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
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


REASON_ONLY = "(reason only)"


def failures_by_criterion(subjects: QuerySet[Subject]) -> list[tuple[str, int]]:
    """The screen failures of `subjects` by failed criterion, sorted by code: each failed
    finding of a standing (not voided) eligibility assessment once, and REASON_ONLY for a
    screen failure with none (a reason only, or its assessment voided). Counted by
    PostgreSQL from the findings' JSON, in one query whatever the number of subjects."""
    failed = subjects.filter(status=SubjectStatus.SCREEN_FAILED).order_by().values("pk")
    try:
        inner, params = failed.query.sql_with_params()
    except EmptyResultSet:  # a scope of no subject (none())
        return []
    table = EligibilityAssessment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH failed(id) AS ({inner}),
            findings AS (
                SELECT failed.id AS subject_id, finding ->> 'code' AS code
                FROM failed
                JOIN {table} AS assessment
                  ON assessment.subject_id = failed.id AND assessment.voided_at IS NULL
                CROSS JOIN LATERAL jsonb_array_elements(assessment.findings) AS finding
                WHERE finding ->> 'outcome' = 'failed'
            )
            SELECT code, COUNT(*) FROM findings GROUP BY code
            UNION ALL
            SELECT %s, COUNT(*) FROM failed
            WHERE failed.id NOT IN (SELECT subject_id FROM findings)
            """,
            [*params, REASON_ONLY],
        )
        counts = [(code, n) for code, n in cursor.fetchall() if n]
    return sorted(counts)


def checked_against_screening_labs(*, subject: Subject) -> list[EligibilityAssessment]:
    """The records whose edit checks read the subject's screening lab results (event
    `checked_against_screening_labs`, called by labs.services): the eligibility CRF, whose
    inclusion 7 answers are compared with them (screening.lab_panel)."""
    return list(EligibilityAssessment.objects.filter(subject=subject))
