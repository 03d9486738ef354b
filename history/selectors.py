"""Medical-history and prior-therapy reads scoped by site and role (trial.access)."""

from django.db.models import QuerySet

from adverse_events.rules import Baseline
from history import prior_therapy, rules, services
from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from screening.prior_therapy import PriorTherapySummary
from trial.access import scope_to_sites
from trial.capabilities import Capability
from trial.models import Subject, User
from trial.selectors import first_dose_date


def medical_history_for(user: User) -> QuerySet[MedicalHistory]:
    """Every entry the user may read, voided ones included (lists filter them out): the
    site's staff, monitors, data managers, administrators (not sponsor safety)."""
    return scope_to_sites(
        MedicalHistory.objects.all(),
        user,
        Capability.READ_BACKGROUND,
        site_field="subject__site",
    ).select_related("subject", "subject__site", "term")


def live_history(subject: Subject) -> QuerySet[MedicalHistory]:
    return MedicalHistory.objects.filter(subject=subject, voided_at__isnull=True).select_related(
        "term"
    )


def baselines_of_term(subject: Subject, term_id: int | None) -> list[Baseline]:
    """The subject's live conditions of this CTCAE term ongoing at the first dose (or now,
    before it): what an AE of the term is compared with (adverse_events.rules)."""
    if term_id is None:
        return []
    first_dose = first_dose_date(subject)
    return [
        Baseline(title=entry.title, grade=entry.baseline_grade)
        for entry in live_history(subject).filter(term_id=term_id)
        if rules.ongoing_at_first_dose(
            rules.ConditionFacts(
                condition=entry.condition,
                start=entry.start_date,
                ongoing=entry.ongoing,
                end=entry.end_date,
                baseline_grade=entry.baseline_grade,
                baseline_grade_code=entry.baseline_grade_code,
            ),
            first_dose,
        )
    ]


# --- prior cancer therapy ----------------------------------------------------------------------


def prior_therapy_for(user: User, model) -> QuerySet:
    """The prior-therapy records of `model` the user may read, voided ones included: the
    readers of histories at their sites (not sponsor safety)."""
    return scope_to_sites(
        model.objects.all(), user, Capability.READ_BACKGROUND, site_field="subject__site"
    ).select_related("subject", "subject__site", "subject__study")


def live_prior_therapy(subject: Subject) -> dict[str, QuerySet]:
    """The subject's live prior-therapy records, by kind, in their order."""
    return {
        "lines": SystemicTherapyLine.objects.filter(
            subject=subject, voided_at__isnull=True
        ).order_by("line_number"),
        "radiotherapies": PriorRadiotherapy.objects.filter(
            subject=subject, voided_at__isnull=True
        ).order_by("sequence"),
        "surgeries": PriorSurgery.objects.filter(subject=subject, voided_at__isnull=True).order_by(
            "sequence"
        ),
    }


def prior_therapy_summary(subject: Subject) -> PriorTherapySummary:
    """What the subject's live records give for inclusions 2, 5 and 6 (the event
    `prior_therapy_of`, read by the eligibility CRF: screening.prior_therapy)."""
    live = live_prior_therapy(subject)

    def facts(rows, fields, build):
        return [(row.title, build({n: getattr(row, n) for n in fields})) for row in rows]

    return prior_therapy.summarise(
        facts(live["lines"], services.LINE_FIELDS, services.line_facts),
        facts(live["radiotherapies"], services.RADIOTHERAPY_FIELDS, services.radiotherapy_facts),
        facts(live["surgeries"], services.SURGERY_FIELDS, services.surgery_facts),
    )


def checked_against_eligibility(subject: Subject) -> list[MedicalHistory]:
    """The records whose edit checks read the subject's eligibility answers (the event
    `eligibility_cross_checked`): re-checked when the eligibility CRF is saved."""
    return list(live_history(subject))
