"""The CRF kind of the samples app, registered from SamplesConfig.ready() (review.records)."""

from django.urls import reverse

from review.checks import Failure
from review.export_spec import Column, Dataset, ExportSpec, Odm, subject_dataset
from review.models import SignatureMeaning
from review.records import CrfKind, site_scoped
from samples.sdtm import BE

LABEL = "samples.sample"
# Handling stages are logistics recorded beside the sample, not its clinical content: a
# signature stays valid when the sample is later stored or shipped.
STAGE_STAMPS = frozenset({"processed_at", "stored_at", "shipped_at", "shipment_reference"})


def sample_edit_checks(record, now) -> list[Failure]:
    """A sample collected beyond its nominal time's tolerance (samples.timing)."""
    if record.voided_at or not record.beyond_tolerance:
        return []
    return [
        Failure(
            "sample_time_deviation",
            "collected_time",
            f"The {record.sample_type} {record.nominal_label} sample of {record.visit.code} was "
            f"collected {record.deviation_minutes:+d} min from its nominal time (tolerance "
            f"±{record.tolerance_minutes} min; {record.timing_reason}): confirm the time "
            "against the source or record why.",
        )
    ]


def sample_subject_section(subject, user) -> dict | None:
    # Every role of the site reads the subject's samples, as its other visit CRFs.
    samples = subject.samples.filter(voided_at__isnull=True).select_related("visit")
    return {
        "subject": subject,
        "samples": samples.order_by("collected_on", "collected_time"),
        # In schedule order (Visit.Meta): all() reads the visits the subject page prefetched.
        "visits": [visit for visit in subject.visits.all() if visit.kind == "dosing"],
    }


def _samples(context) -> tuple[Dataset, ...]:
    """One row per sample: type, nominal time, identifier, collection, deviation, stages."""
    return (
        subject_dataset(
            LABEL,
            "samples",
            "PK and immunogenicity samples",
            "BS",
            order_by=("collected_on", "collected_time", "id"),
            keys=(Column("visit", "visit__code", "Visit", "text", key=True),),
            exclude=("visit",),
            odm=Odm("log"),
        ),
    )


def _all_planned_collected(visit, records) -> bool:
    """The visit's samples are complete when each sample [samples] plans there is recorded."""
    from samples.services import scheduled_at

    planned = {(s.type_code, s.time_code) for s in scheduled_at(visit)}
    return planned <= {(r.sample_type, r.nominal_time) for r in records}


def _live(subjects):
    from samples.models import Sample

    return Sample.objects.filter(subject__in=subjects, voided_at__isnull=True)


KINDS = (
    CrfKind(
        LABEL,
        "Sample",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="samples.services.SAMPLE_FIELDS",
        url=lambda record: reverse("sample_detail", args=[record.pk]),
        title=lambda record: record.title,
        title_related=("visit",),
        stamps=STAGE_STAMPS,
        edit_checks=sample_edit_checks,
        history_scope=site_scoped(LABEL),
        export=ExportSpec(76, _samples, sdtm=(BE,)),
        subject_section=sample_subject_section,
        subject_template="samples/_subject_section.html",
        # --- review kernel ---
        to_verify=_live,
        # Expected where the schedule of assessments names it (the visits of [samples]),
        # complete once every planned sample of the visit is recorded.
        schedule_by="visit",
        schedule_name="Samples",
        matrix_url=lambda visit: reverse("visit_samples", args=[visit.pk]),
        matrix_reviewed=True,
        matrix_form_complete=_all_planned_collected,
    ),
)
