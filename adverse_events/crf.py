"""The CRF kinds of the adverse-events app, registered from AdverseEventsConfig.ready()."""

from django.urls import reverse

from adverse_events.sdtm import AE
from adverse_events.selectors import adverse_events_for, saes_for
from review import checks
from review.export_spec import ApiEndpoint, Dataset, ExportSpec, Odm, subject_dataset
from review.models import SignatureMeaning
from review.records import CrfKind, QueueTask
from trial.study import product_name


def ae_edit_checks(record, now) -> list[checks.Failure]:
    """Inconsistencies between grade, seriousness, causality and the SAE clock."""
    return checks.ae_inconsistencies(
        checks.AeReview(
            sequence=record.sequence,
            grade=record.grade,
            serious=record.serious,
            relationship=record.relationship,
            aware_at=record.aware_at,
            voided=record.voided_at is not None,
        ),
        now=now,
    )


def ae_sign_blocker(record) -> str:
    if not record.relationship:
        title = f"AE{record.sequence} {record.display_term}"
        return f"Assess the causality of {title} before signing it."
    return ""


def ae_history_scope(user):
    """SAE readers (sponsor safety included) may read the history of the SAEs they see."""
    return saes_for(user) | adverse_events_for(user)


def _adverse_events(context) -> tuple[Dataset, ...]:
    from adverse_events.models import CtcaeTerm

    return (
        subject_dataset(
            "adverse_events.adverseevent",
            "adverse_events",
            "Adverse events (CTCAE v5.0)",
            "AE",
            order_by=("sequence",),
            # The coded term: its CTCAE term, MedDRA code and system organ class.
            related={CtcaeTerm: (("", "term"), ("_meddra_code", "meddra_code"), ("_soc", "soc"))},
            odm=Odm("log", repeat_key="sequence"),
        ),
    )


def _api_adverse_events(user):
    """Sponsor safety reads the serious ones only; voided ones are left out."""
    from adverse_events.selectors import adverse_events_for, saes_for

    readable = adverse_events_for(user) | saes_for(user)
    return (
        readable.filter(voided_at__isnull=True, subject__voided_at__isnull=True)
        .select_related(
            "term", "recorded_by", "relationship_by", "sae_reported_by", "dlt_decided_by"
        )
        .order_by("subject", "sequence")
    )


def ae_subject_section(subject, user) -> dict:
    """The subject's AEs this user may read (sponsor safety: the serious ones only)."""
    readable = adverse_events_for(user) | saes_for(user)
    events = (
        readable.filter(subject=subject, voided_at__isnull=True)
        .select_related("term")
        .order_by("sequence")
    )
    return {"events": events, "subject": subject}


def _live_events(subjects):
    from adverse_events.models import AdverseEvent

    return AdverseEvent.objects.filter(subject__in=subjects, voided_at__isnull=True)


def _unreported_saes(subjects):
    return _live_events(subjects).filter(serious=True, sae_reported_at__isnull=True)


def ae_other_tasks(subjects, limit: int | None = None) -> list[QueueTask]:
    """SAEs awaiting the report's sign-off (from awareness); AEs awaiting causality (from
    entry): the first `limit` of each in queue order, by their keys."""
    saes = _unreported_saes(subjects).order_by("aware_at", "subject_id", "pk")
    unassessed = _live_events(subjects).filter(relationship="")
    unassessed = unassessed.order_by("recorded_at", "subject_id", "pk")
    saes = saes.values_list("pk", "subject_id", "aware_at")[:limit]
    unassessed = unassessed.values_list("pk", "subject_id", "recorded_at")[:limit]
    detail = "serious: 24-hour report to the sponsor"
    tasks = [QueueTask("Sign the SAE report", detail, *row) for row in saes]
    rows = list(unassessed)
    if rows:
        detail = f"relationship to {product_name()} not assessed"
        tasks += [QueueTask("Assess causality", detail, *row) for row in rows]
    return tasks


def ae_other_task_count(subjects) -> int:
    unassessed = _live_events(subjects).filter(relationship="").count()
    return _unreported_saes(subjects).count() + unassessed


KINDS = (
    CrfKind(
        "adverse_events.adverseevent",
        "Adverse event",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="adverse_events.services.AE_FIELDS",
        url=lambda record: reverse("ae_detail", args=[record.pk]),
        title=lambda record: f"AE{record.sequence} {record.display_term}",
        title_related=("term",),
        stamps=frozenset(
            {
                "relationship_by",
                "relationship_at",
                "dlt_decided_by",
                "dlt_decided_at",
                "sae_reported_by",
                "sae_reported_at",
            }
        ),
        sign_blocker=ae_sign_blocker,
        edit_checks=ae_edit_checks,
        history_scope=ae_history_scope,
        export=ExportSpec(
            80,
            _adverse_events,
            api=(
                ApiEndpoint(
                    "adverse-events",
                    "api-adverse-event",
                    "adverse_events.serializers.AdverseEventSerializer",
                    _api_adverse_events,
                    "Adverse events (sponsor safety: serious ones only), voided ones left out.",
                ),
            ),
            sdtm=(AE,),
        ),
        subject_section=ae_subject_section,
        subject_template="adverse_events/_subject_section.html",
        # --- review kernel ---
        to_sign=lambda subjects: _live_events(subjects).exclude(relationship=""),
        sign_task="Sign the AE CRF",
        other_tasks=ae_other_tasks,
        other_task_count=ae_other_task_count,
        to_verify=_live_events,
    ),
)
