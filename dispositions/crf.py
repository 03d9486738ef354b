"""The CRF kind of the dispositions app, registered from DispositionsConfig.ready()
(review.records)."""

from django.urls import reverse
from django.utils import timezone

from dispositions.forms import DispositionForm
from dispositions.sdtm import DS
from review.export_spec import Dataset, ExportSpec, Odm, subject_dataset
from review.records import CrfKind, site_scoped
from review.selectors import subject_lock
from trial.access import can
from trial.capabilities import Capability
from trial.lifecycle import records_dispositions


def _dispositions(context) -> tuple[Dataset, ...]:
    return (
        subject_dataset(
            "dispositions.disposition",
            "dispositions",
            "End of treatment, end of study, withdrawal, death",
            "DS",
            order_by=("event_date", "id"),
            odm=Odm("log", repeat_key="kind"),
        ),
    )


def disposition_subject_section(subject, user) -> dict:
    """The subject's dispositions, and for the site staff of an unlocked subject whose study
    goes on, the form to record the next one (`form`: bound when a post was refused)."""
    can_edit = (
        subject.voided_at is None
        and subject_lock(subject) is None
        and can(user, Capability.ENTER_DATA, subject)
    )
    return {
        "subject": subject,
        "dispositions": subject.dispositions.filter(voided_at__isnull=True),
        "can_edit": can_edit,  # correct or void a recorded one (its own page)
        "can_record": can_edit and records_dispositions(subject.status),
        "form": DispositionForm(initial={"event_date": timezone.localdate()}),
    }


KINDS = (
    CrfKind(
        "dispositions.disposition",
        "Disposition",
        entered_fields=("event_date", "reason"),
        url=lambda record: reverse("disposition_detail", args=[record.pk]),
        title=lambda record: record.get_kind_display(),
        void_hashed_when_voided=True,
        history_scope=site_scoped("dispositions.disposition"),
        subject_section=disposition_subject_section,
        subject_template="dispositions/_subject_section.html",
        export=ExportSpec(90, _dispositions, sdtm=(DS,)),
    ),
)
