"""The CRF kind of the dispositions app, registered from DispositionsConfig.ready()
(review.records)."""

from review.export_spec import Dataset, ExportSpec, Odm, subject_dataset
from review.records import CrfKind, site_scoped


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


KINDS = (
    CrfKind(
        "dispositions.disposition",
        "Disposition",
        entered_fields=("event_date", "reason"),
        title=lambda record: record.get_kind_display(),
        void_hashed_when_voided=True,
        history_scope=site_scoped("dispositions.disposition"),
        export=ExportSpec(90, _dispositions),
    ),
)
