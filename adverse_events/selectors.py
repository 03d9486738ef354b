"""AE reads scoped by site and role (trial.access)."""

from django.db.models import Max, QuerySet

from adverse_events import rules
from adverse_events.models import AdverseEvent
from trial.access import scope_to_sites
from trial.capabilities import Capability
from trial.models import User

RELATED = [r.value for r in rules.Relationship if rules.is_related(r)]


def adverse_events_for(user: User) -> QuerySet[AdverseEvent]:
    """Every AE the user may read, voided ones included (lists filter those out); sponsor
    safety reads SAEs only (`saes_for`)."""
    return scope_to_sites(
        AdverseEvent.objects.all(),
        user,
        Capability.READ_AES,
        site_field="subject__site",
    ).select_related("term", "subject", "subject__site")


def saes_for(user: User) -> QuerySet[AdverseEvent]:
    return scope_to_sites(
        AdverseEvent.objects.filter(serious=True),
        user,
        Capability.READ_SAES,
        site_field="subject__site",
    ).select_related("term", "subject", "subject__site")


def filtered(queryset, data: dict):
    if data.get("grade"):
        queryset = queryset.filter(worst_grade__gte=data["grade"])
    if data.get("serious") == "yes":
        queryset = queryset.filter(serious=True)
    elif data.get("serious") == "no":
        queryset = queryset.filter(serious=False)
    if data.get("related") == "yes":
        queryset = queryset.filter(relationship__in=RELATED)
    elif data.get("related") == "no":
        queryset = queryset.exclude(relationship__in=RELATED).exclude(relationship="")
    elif data.get("related") == "pending":
        queryset = queryset.filter(relationship="")
    if data.get("soc"):
        queryset = queryset.filter(recorded_soc__icontains=data["soc"])
    if data.get("state") == "open":
        queryset = queryset.filter(ongoing=True)
    elif data.get("state") == "closed":
        queryset = queryset.filter(ongoing=False)
    return queryset


def worst_grade_by_subject_and_term(queryset):
    """(subject number, term, worst grade) rows: one per subject per term."""
    return (
        queryset.values(
            "subject__id", "subject__subject_number", "subject__screening_number", "recorded_term"
        )
        .annotate(worst=Max("worst_grade"))
        .order_by("subject__subject_number", "recorded_term")
    )
