"""SDTM BE (Biospecimen Events): the PK, anti-drug antibody and biomarker samples, declared on
their kind (samples.crf), and their rows.

A sample (samples.models.Sample) gives one record per handling event it has had, in order:
collecting, then processing, storing and shipping as each was recorded (samples.services). The
tube's identifier is BEREFID, the sample type (PK, ADA, BIOMARKER of the study's
`[samples]`) BECAT, and its slot in the schedule (type and nominal time code, "PK H0.5")
BESPID. BEDTC, the collection time, is on every record of the sample, as SDTMIG asks.

Not in BE: the nominal time as a planned time point, its deviation and the dose it is read
against. BE has no --TPT/--ELTM; they belong to PC, whose records (the concentrations) come
from the bioanalytical laboratory and are not collected here. They are in the samples CSV.
`be_records` is a pure function of plain values; `read_be` reads the live samples.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from review import sdtm
from review.sdtm import variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("BESEQ", "Sequence Number", sdtm.INTEGER),
    ("BEREFID", "Reference ID"),
    ("BESPID", "Sponsor-Defined Identifier"),
    ("BETERM", "Reported Term for the Biospecimen Event"),
    ("BECAT", "Category for Biospecimen Event"),
    ("VISITNUM", "Visit Number", sdtm.INTEGER),
    ("VISIT", "Visit Name"),
    ("BEDTC", "Date/Time of Specimen Collection"),
    ("BESTDTC", "Start Date/Time of Biospecimen Event"),
    ("BEENDTC", "End Date/Time of Biospecimen Event"),
    ("BESTDY", "Study Day of Start of Biospecimen Event", sdtm.INTEGER),
)

# The handling stages in the order they happen, as BETERM (the activity, as SDTMIG's BE
# examples write it). An event is recorded at the moment it happened: BEENDTC stays null.
COLLECTING, PROCESSING, STORING, SHIPPING = "COLLECTING", "PROCESSING", "STORING", "SHIPPING"


@dataclass(frozen=True)
class SampleFacts:
    sample_id: str
    sample_type: str  # a type code of [samples]
    nominal_time: str  # a time code of [samples]
    collected_at: datetime  # site time, naive
    processed_at: datetime | None = None  # site time, naive; None until it happened
    stored_at: datetime | None = None
    shipped_at: datetime | None = None
    visit_number: int | None = None
    visit_name: str = ""


def be_records(key: sdtm.SubjectKey, first_seq: int, sample: SampleFacts) -> list[dict]:
    """The events of one sample, BESEQ from `first_seq`."""
    events = [
        (COLLECTING, sample.collected_at),
        (PROCESSING, sample.processed_at),
        (STORING, sample.stored_at),
        (SHIPPING, sample.shipped_at),
    ]
    happened = [(term, at) for term, at in events if at is not None]
    return [
        sdtm.record(
            VARIABLES,
            "BE",
            key,
            BESEQ=first_seq + offset,
            BEREFID=sample.sample_id,
            BESPID=f"{sample.sample_type} {sample.nominal_time}",
            BETERM=term,
            BECAT=sample.sample_type,
            VISITNUM=sample.visit_number,
            VISIT=sample.visit_name,
            BEDTC=sdtm.iso(sample.collected_at),
            BESTDTC=sdtm.iso(at),
            BESTDY=sdtm.study_day(at, key.rfstdtc),
        )
        for offset, (term, at) in enumerate(happened)
    ]


def _live(subjects):
    from review.sdtm_reading import in_scope
    from samples.models import Sample

    return in_scope(Sample.objects.filter(voided_at__isnull=True), subjects)


def read_be(study, subjects) -> Iterator[dict]:
    """The live samples of the export's subjects, by USUBJID then collection time."""
    from review.sdtm_reading import Keys, combine, local, reference_start, subjid

    keys = Keys(study.protocol_number)
    rows = (
        _live(subjects)
        .annotate(subjid=subjid(), rfst=reference_start())
        .order_by("subjid", "collected_on", "collected_time", "sample_type", "id")
        .values(
            "subjid",
            "rfst",
            "sample_id",
            "sample_type",
            "nominal_time",
            "collected_on",
            "collected_time",
            "processed_at",
            "stored_at",
            "shipped_at",
            "visit__order",
            "visit__name",
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        seq = 1
        for row in group:
            records = be_records(
                keys(row),
                seq,
                SampleFacts(
                    sample_id=row["sample_id"],
                    sample_type=row["sample_type"],
                    nominal_time=row["nominal_time"],
                    collected_at=combine(row["collected_on"], row["collected_time"]),
                    processed_at=local(row["processed_at"]),
                    stored_at=local(row["stored_at"]),
                    shipped_at=local(row["shipped_at"]),
                    visit_number=row["visit__order"],
                    visit_name=row["visit__name"],
                ),
            )
            seq += len(records)
            yield from records


BE = sdtm.SdtmDomain(
    domain="BE",
    label="Biospecimen Events",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "BESEQ"),
    class_name="EVENTS",
    structure="One record per instance per biospecimen event per biospecimen identifier "
    "per subject",
    records=read_be,
    position=69,
    # A sample is collected and, most often, processed, stored and shipped.
    count=lambda subjects: _live(subjects).count() * 4,
    derivations={
        "BESPID": "The sample's type and nominal time code in the study's schedule.",
        "BETERM": (
            "COLLECTING at collection, then PROCESSING, STORING and SHIPPING as each "
            "handling stage was recorded."
        ),
        "BEDTC": "The sample's collection date and time, on each of its events.",
    },
    assigned=frozenset({"VISITNUM", "VISIT"}),
    required=frozenset({"BESEQ", "BETERM"}),
)
