"""SDTM DS: the subject's disposition events and protocol milestones, declared on the
disposition kind (dispositions.crf).

`disposition_terms` and `ds_records` are pure functions of plain facts (dates in the site's
local time); `read_ds` reads the export's subjects: the consent and the screen failure
(screening), the dispositions recorded here and the doses given (dosing, for an end of
treatment after every planned cycle). Dispositions stands a floor above the CRF apps it reads
(.importlinter). `participation_end` gives DM (screening.sdtm_dm) the death and the end of
participation through trial.hooks "participation_end_of".
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import OuterRef, Subquery

from dispositions.models import ENDS_PARTICIPATION, Disposition, DispositionKind
from dosing.models import DoseChange, DosingRecord
from review import sdtm
from review.sdtm import EPOCH_DERIVATION, INTEGER, Codelist, SubjectKey, iso, record, study_day
from review.sdtm_reading import Keys, in_scope, local, reference_start, subjid

VARIABLES = sdtm.variables(
    *sdtm.IDENTIFIERS,
    ("DSSEQ", "Sequence Number", INTEGER),
    ("DSTERM", "Reported Term for the Disposition Event"),
    ("DSDECOD", "Standardized Disposition Term"),
    ("DSCAT", "Category for Disposition Event"),
    ("EPOCH", "Epoch"),
    ("DSSTDTC", "Start Date/Time of Disposition Event"),
    ("DSSTDY", "Study Day of Start of Disposition Event", INTEGER),
)

# Codelist NCOMPLT (C66727) and the protocol milestone of the DS domain.
DISPOSITION_TERMS = {
    "consent": ("PROTOCOL MILESTONE", "INFORMED CONSENT OBTAINED"),
    "screen_failure": ("DISPOSITION EVENT", "SCREEN FAILURE"),
    "end_of_study": ("DISPOSITION EVENT", "COMPLETED"),
    "withdrawal": ("DISPOSITION EVENT", "WITHDRAWAL BY SUBJECT"),
    "lost_to_follow_up": ("DISPOSITION EVENT", "LOST TO FOLLOW-UP"),
    "death": ("DISPOSITION EVENT", "DEATH"),
}


@dataclass(frozen=True)
class DispositionFacts:
    kind: str  # consent, screen_failure, end_of_treatment, end_of_study, withdrawal, ...
    on: date | datetime
    term: str = ""  # the reason as recorded
    all_cycles_given: bool = False  # end of treatment only
    after_end_of_treatment: bool = False


def disposition_terms(facts: DispositionFacts) -> tuple[str, str, str]:
    """(DSCAT, DSDECOD, EPOCH). The CRF's end-of-treatment reason is free text, so a
    treatment ended before the last cycle is coded OTHER with the reason in DSTERM. A
    protocol milestone (informed consent) has no EPOCH."""
    if facts.kind == "end_of_treatment":
        decod = "COMPLETED" if facts.all_cycles_given else "OTHER"
        return "DISPOSITION EVENT", decod, "TREATMENT"
    category, decod = DISPOSITION_TERMS[facts.kind]
    if category == "PROTOCOL MILESTONE":
        epoch = ""  # SDTMIG: EPOCH is null for protocol milestones
    elif facts.kind == "screen_failure":
        epoch = "SCREENING"
    elif facts.kind == "end_of_study" or facts.after_end_of_treatment:
        epoch = "FOLLOW-UP"
    else:
        epoch = "TREATMENT"
    return category, decod, epoch


def ds_records(key: SubjectKey, events: Iterable[DispositionFacts]) -> list[dict]:
    records = []
    for event in sorted(events, key=lambda e: _as_datetime(e.on)):
        category, decod, epoch = disposition_terms(event)
        records.append(
            record(
                VARIABLES,
                "DS",
                key,
                DSSEQ=len(records) + 1,
                DSTERM=(event.term.strip() or decod)[:200],
                DSDECOD=decod,
                DSCAT=category,
                EPOCH=epoch,
                DSSTDTC=iso(event.on),
                DSSTDY=study_day(event.on, key.rfstdtc),
            )
        )
    return records


def _as_datetime(value: date | datetime) -> datetime:
    return (
        value.replace(tzinfo=None)
        if isinstance(value, datetime)
        else datetime.combine(value, time())
    )


def read_ds(study, subjects) -> Iterator[dict]:
    """The export's subjects' consent, screen failure and dispositions, by USUBJID: three
    streamed queries merged on USUBJID."""
    keys = Keys(study.protocol_number)
    subject_rows = (
        subjects.annotate(subjid=subjid(""), rfst=reference_start("pk"))
        .order_by("subjid")
        .values(
            "subjid",
            "rfst",
            "consent__signed_at",
            "eligibility__screen_failed_at",
            "eligibility__screen_failure_reason",
        )
        .iterator(2000)
    )
    disposition_rows = (
        in_scope(Disposition.objects.filter(voided_at__isnull=True), subjects)
        .annotate(subjid=subjid())
        .order_by("subjid", "event_date", "id")
        .values("subjid", "kind", "event_date", "reason")
        .iterator(2000)
    )
    dose_counts = (
        in_scope(DosingRecord.objects, subjects)
        .filter(administered_on__isnull=False, voided_at__isnull=True)
        .exclude(dose_change=DoseChange.SKIPPED)
        .annotate(subjid=subjid())
        .order_by("subjid")
        .values("subjid")
        .iterator(2000)
    )
    merged = heapq.merge(
        (("s", r) for r in subject_rows),
        (("d", r) for r in disposition_rows),
        (("x", r) for r in dose_counts),
        key=lambda item: item[1]["subjid"],
    )
    for _subjid, items in itertools.groupby(merged, key=lambda item: item[1]["subjid"]):
        subject, dispositions, doses = None, [], 0
        for tag, row in items:
            if tag == "s":
                subject = row
            elif tag == "d":
                dispositions.append(row)
            else:
                doses += 1
        if subject is None:
            continue
        yield from ds_records(keys(subject), _events(study, subject, dispositions, doses))


def _events(study, subject: dict, dispositions: list[dict], doses: int):
    events = []
    if subject["consent__signed_at"]:
        events.append(DispositionFacts("consent", local(subject["consent__signed_at"])))
    if subject["eligibility__screen_failed_at"]:
        events.append(
            DispositionFacts(
                "screen_failure",
                local(subject["eligibility__screen_failed_at"]).date(),
                subject["eligibility__screen_failure_reason"],
            )
        )
    end_of_treatment = next(
        (d["event_date"] for d in dispositions if d["kind"] == DispositionKind.END_OF_TREATMENT),
        None,
    )
    for row in dispositions:
        events.append(
            DispositionFacts(
                row["kind"],
                row["event_date"],
                row["reason"],
                all_cycles_given=doses >= study.max_cycles,
                after_end_of_treatment=(
                    end_of_treatment is not None and row["event_date"] >= end_of_treatment
                ),
            )
        )
    return events


def participation_end() -> dict:
    """DM's annotations over the export's subjects (OuterRef "pk"): the death's date and the
    date of the last disposition ending participation (live ones: a voided one never was)."""
    of_subject = Disposition.objects.filter(subject=OuterRef("pk"), voided_at__isnull=True)
    return {
        "death_on": Subquery(
            of_subject.filter(kind=DispositionKind.DEATH).values("event_date")[:1]
        ),
        "ended_on": Subquery(
            of_subject.filter(kind__in=ENDS_PARTICIPATION)
            .order_by("-event_date")
            .values("event_date")[:1]
        ),
    }


DS = sdtm.SdtmDomain(
    domain="DS",
    label="Disposition",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "DSSEQ"),
    class_name="EVENTS",
    structure="One record per disposition status or protocol milestone per subject",
    records=read_ds,
    position=50,
    derivations={
        "EPOCH": EPOCH_DERIVATION,
        "DSDECOD": (
            "Consent, screen failure and the disposition's kind as NCOMPLT (or protocol "
            "milestone) term; end of treatment COMPLETED when every planned cycle was given."
        ),
    },
    assigned=frozenset({"DSCAT"}),
    required=frozenset({"DSSEQ", "DSTERM", "DSDECOD"}),
    codelists={
        "EPOCH": sdtm.EPOCH,
        "DSDECOD": Codelist("CL.DSDECOD", "Disposition Event and Protocol Milestone"),
        "DSCAT": Codelist("CL.DSCAT", "Category for Disposition Event"),
    },
)
