"""The CRF kinds of the dosing app, registered from DosingConfig.ready() (review.records)."""

from django.urls import reverse

from review import checks
from review.models import SignatureMeaning
from review.records import CrfKind, site_scoped

CHECKED_VITALS = tuple(
    prefix + limit.field for prefix in checks.TIMEPOINTS for limit in checks.CLINICAL_LIMITS
)


def dosing_edit_checks(record, now) -> list[checks.Failure]:
    """Vital signs outside their clinical range; a dose given outside its visit's window."""
    visit = record.visit
    return [
        *checks.vitals_out_of_range({name: getattr(record, name) for name in CHECKED_VITALS}),
        *checks.visit_out_of_window(
            checks.VisitDate(
                code=visit.code,
                performed_on=record.administered_on,
                window_opens_on=visit.window_opens_on,
                window_closes_on=visit.window_closes_on,
            ),
            check_code="dose_out_of_window",
            field_name="administered_on",
        ),
    ]


KINDS = (
    CrfKind(
        "dosing.dosingrecord",
        "Dosing",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="dosing.services.DOSING_FIELDS",
        women_only=("pregnancy_test",),
        url=lambda record: reverse("visit_dosing", args=[record.visit_id]),
        title=lambda record: f"Dosing {record.visit.code}",
        title_related=("visit",),
        edit_checks=dosing_edit_checks,
        history_scope=site_scoped("dosing.dosingrecord"),
    ),
)
