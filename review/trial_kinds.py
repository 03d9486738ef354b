"""The CRF kinds of trial's own records (trial sits below review, so review declares them)."""

from django.urls import reverse

from review import checks
from review.records import CrfKind, site_scoped


def visit_edit_checks(record, now) -> list[checks.Failure]:
    """A visit performed outside its window (a dosing visit's CRF carries that check)."""
    if record.kind == "dosing":
        return []
    return checks.visit_out_of_window(
        checks.VisitDate(
            record.code, record.completed_on, record.window_opens_on, record.window_closes_on
        )
    )


KINDS = (
    CrfKind(
        "trial.visit",
        "Visit",
        entered_fields=("completed_on", "missed_reason"),
        title=lambda record: f"Visit {record.code}",
        edit_checks=visit_edit_checks,
        history_scope=site_scoped("trial.visit"),
    ),
    CrfKind(
        "trial.subject",
        "Subject registration",
        entered_fields=("sex", "date_of_birth", "tumour_type", "tumour_type_other"),
        url=lambda record: reverse("subject_detail", args=[record.pk]),
    ),
)
