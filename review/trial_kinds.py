"""The CRF kinds of trial's own records (trial sits below review, so review declares them)."""

from django.urls import reverse

from review import checks
from review.export_spec import (
    RECORD_ID,
    ApiEndpoint,
    Dataset,
    ExportSpec,
    Odm,
    api_rows,
    model_columns,
    subject_dataset,
    subject_keys,
)
from review.records import CrfKind, site_scoped
from review.trial_sdtm import SV
from trial.models import Subject, Visit


def visit_edit_checks(record, now) -> list[checks.Failure]:
    """A visit performed outside its window (a dosing visit's CRF carries that check)."""
    if record.kind == "dosing":
        return []
    return checks.visit_out_of_window(
        checks.VisitDate(
            record.code, record.completed_on, record.window_opens_on, record.window_closes_on
        )
    )


def _subjects(context) -> tuple[Dataset, ...]:
    return (
        Dataset(
            "subjects",
            "Registration and demographics",
            "DM",
            Subject,
            "",
            (
                RECORD_ID,
                *subject_keys(""),
                *model_columns(
                    Subject,
                    exclude=(
                        "study",
                        "site",
                        "screening_number",
                        "subject_number",
                        "demographics_changed_at",  # review.current's bookkeeping
                    ),
                ),
            ),
            (),
            odm=Odm("screening", subject_lookup="pgh_obj_id"),
        ),
    )


def _visits(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "trial.visit",
            "visits",
            "Visits (schedule and completion)",
            "SV",
            order_by=("order",),
            odm=Odm("visit"),
        ),
    )


def _api_visits(user):
    return api_rows(Visit.objects.all(), user).order_by("subject", "order")


KINDS = (
    CrfKind(
        "trial.visit",
        "Visit",
        entered_fields=("completed_on", "missed_reason"),
        title=lambda record: f"Visit {record.code}",
        edit_checks=visit_edit_checks,
        history_scope=site_scoped("trial.visit"),
        export=ExportSpec(
            40,
            _visits,
            api=(
                ApiEndpoint(
                    "visits",
                    "api-visit",
                    "trial.serializers.VisitSerializer",
                    _api_visits,
                    "The visit schedule and its completion.",
                ),
            ),
            sdtm=(SV,),
        ),
    ),
    CrfKind(
        "trial.subject",
        "Subject registration",
        entered_fields=("sex", "date_of_birth", "tumour_type", "tumour_type_other"),
        url=lambda record: reverse("subject_detail", args=[record.pk]),
        stamps=frozenset({"demographics_changed_at"}),
        # The subjects endpoint of the API (filters by site and status) is exports.api's own.
        export=ExportSpec(10, _subjects),
    ),
)
