"""SDTM SV: the visits done, declared on trial's visit kind (review.trial_kinds, since
trial sits below review). `sv_record` is pure; `sv_records` reads the export's subjects."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from review import sdtm
from review.sdtm import INTEGER, YES, SubjectKey, iso, record, study_day, variables
from review.sdtm_reading import Keys, in_scope, reference_start, subjid
from trial.models import Visit

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("SVPRESP", "Pre-specified"),
    ("SVOCCUR", "Occurrence"),
    ("SVSTDTC", "Start Date/Time of Visit"),
    ("SVENDTC", "End Date/Time of Visit"),
    ("SVSTDY", "Study Day of Start of Visit", INTEGER),
    ("SVENDY", "Study Day of End of Visit", INTEGER),
)


@dataclass(frozen=True)
class VisitFacts:
    code: str
    name: str
    number: int
    kind: str
    performed_on: date


def sv_record(key: SubjectKey, visit: VisitFacts) -> dict:
    day = study_day(visit.performed_on, key.rfstdtc)
    return record(
        VARIABLES,
        "SV",
        key,
        VISITNUM=visit.number,
        VISIT=visit.name,
        SVPRESP=YES,  # every visit exported is one of the protocol's schedule
        SVOCCUR=YES,
        SVSTDTC=iso(visit.performed_on),
        SVENDTC=iso(visit.performed_on),
        SVSTDY=day,
        SVENDY=day,
    )


def sv_records(study, subjects) -> Iterator[dict]:
    """The visits done of the export's subjects, by USUBJID then VISITNUM."""
    keys = Keys(study.protocol_number)
    rows = (
        in_scope(Visit.objects.filter(completed_on__isnull=False), subjects)
        .annotate(subjid=subjid(), rfst=reference_start())
        .order_by("subjid", "order")
        .values("subjid", "rfst", "code", "name", "order", "kind", "completed_on")
    )
    for row in rows.iterator(2000):
        yield sv_record(
            keys(row),
            VisitFacts(
                code=row["code"],
                name=row["name"],
                number=row["order"],
                kind=row["kind"],
                performed_on=row["completed_on"],
            ),
        )


def _done(subjects):
    return in_scope(Visit.objects.filter(completed_on__isnull=False), subjects)


SV = sdtm.SdtmDomain(
    domain="SV",
    label="Subject Visits",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "VISITNUM"),
    class_name="SPECIAL PURPOSE",
    structure="One record per actual visit per subject",
    records=sv_records,
    position=60,
    count=lambda subjects: _done(subjects).count(),
    derivations={"SVOCCUR": "Y: only visits done are recorded."},
    assigned=frozenset({"VISITNUM", "VISIT", "SVPRESP"}),
    required=frozenset({"VISITNUM"}),
    codelists={"SVPRESP": sdtm.NY, "SVOCCUR": sdtm.NY},
)
