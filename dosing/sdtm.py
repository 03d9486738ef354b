"""SDTM EX (the doses given), declared on the dosing kind (dosing.crf). The vital signs taken
before and after each dose are in VS with the vital signs CRF's (vitals.sdtm: VS is one
domain, read from both CRFs by the app above them).

`ex_record` is a pure function of plain values (dates in the site's local time); `read_ex`
reads the export's subjects' live dosing CRFs for exports.sdtm_export, and their target
lesions from the tumours app (trial.hooks "target_lesions_of", as dosing may not import it)
to link the injection site the CRF names. The choices made where the CRF is coarser than
SDTM are in docs/exports.md ("SDTM mapping").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from review import sdtm
from review.sdtm import (
    FLOAT,
    INTEGER,
    Codelist,
    SubjectKey,
    iso_date_time,
    location_terms,
    record,
    study_day,
    unit_term,
    variables,
)
from review.sdtm_reading import Keys, grouped, in_scope, reference_start, subjid
from trial import hooks

EX_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("EXSEQ", "Sequence Number", INTEGER),
    ("EXTRT", "Name of Treatment"),
    ("EXDOSE", "Dose", FLOAT),
    ("EXDOSU", "Dose Units"),
    ("EXDOSFRM", "Dose Form"),
    ("EXROUTE", "Route of Administration"),
    ("EXLNKID", "Link ID"),
    ("EXLOC", "Location of Dose Administration"),
    ("EXLAT", "Laterality"),
    ("EXLOT", "Lot Number"),
    ("EXADJ", "Reason for Dose Adjustment"),
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("EPOCH", "Epoch"),
    ("EXSTDTC", "Start Date/Time of Treatment"),
    ("EXENDTC", "End Date/Time of Treatment"),
    ("EXSTDY", "Study Day of Start of Treatment", INTEGER),
    ("EXENDY", "Study Day of End of Treatment", INTEGER),
)

# Codelist ROUTE (C66729).
ROUTE_TERMS = {
    "intratumoural": "INTRATUMOR",
    "subcutaneous": "SUBCUTANEOUS",
    "intravenous": "INTRAVENOUS",
}


@dataclass(frozen=True)
class DoseFacts:
    visit_name: str
    visit_number: int
    administered_on: date
    amount: Decimal | None
    unit: str
    route: str
    start_time: time | None = None
    stop_time: time | None = None
    lot: str = ""
    location: str = ""
    dose_change: str = "none"
    dose_change_reason: str = ""
    # The subject's target lesions: lesion id -> (organ, location text).
    lesions: Mapping[str, tuple[str, str]] | None = None


def injection_site(text: str, lesions: Mapping[str, tuple[str, str]]) -> tuple[str, str, str]:
    """(EXLNKID, EXLOC, EXLAT) of the injected lesion(s) as the CRF names them: when the text
    names exactly one of the subject's lesions ("Target lesion T1"), its id and location;
    otherwise the location the text itself names ("Left cervical node"), no link."""
    named = {m.upper() for m in re.findall(r"\b(?:N?T|NEW)\d+\b", text, flags=re.IGNORECASE)}
    known = [lesion_id for lesion_id in lesions if lesion_id.upper() in named]
    if len(known) == 1 and len(named) == 1:
        organ, where = lesions[known[0]]
        return (known[0], *location_terms(organ, where))
    return ("", *location_terms(text))


def ex_record(key: SubjectKey, treatment: str, seq: int, dose: DoseFacts) -> dict:
    """One administration (skipped doses are not exposures and are not passed here)."""
    adjusted = dose.dose_change in ("reduced", "delayed", "stopped")
    link, location, laterality = injection_site(dose.location, dose.lesions or {})
    return record(
        EX_VARIABLES,
        "EX",
        key,
        EXSEQ=seq,
        EXTRT=treatment,
        EXDOSE=float(dose.amount) if dose.amount is not None else None,
        EXDOSU=unit_term(dose.unit),
        EXDOSFRM="INJECTION",
        EXROUTE=ROUTE_TERMS.get(dose.route, dose.route.upper()),
        EXLNKID=link,
        EXLOC=location,
        EXLAT=laterality,
        EXLOT=dose.lot,
        EXADJ=dose.dose_change_reason if adjusted else "",
        VISITNUM=dose.visit_number,
        VISIT=dose.visit_name,
        EPOCH="TREATMENT",
        EXSTDTC=iso_date_time(dose.administered_on, dose.start_time),
        EXENDTC=iso_date_time(dose.administered_on, dose.stop_time or dose.start_time),
        EXSTDY=study_day(dose.administered_on, key.rfstdtc),
        EXENDY=study_day(dose.administered_on, key.rfstdtc),
    )


def _live(subjects):
    from dosing.models import DosingRecord

    return in_scope(DosingRecord.objects.filter(voided_at__isnull=True), subjects)


def exposure_times() -> dict:
    """DM's annotations over the export's subjects (OuterRef "pk"): the start time of the
    first dose given on the stored first dose day, the stop time of the last on the last."""
    from django.db.models import F, OuterRef, Subquery

    from dosing.models import DoseChange, DosingRecord

    given = DosingRecord.objects.filter(
        subject=OuterRef("pk"), administered_on__isnull=False, voided_at__isnull=True
    ).exclude(dose_change=DoseChange.SKIPPED)
    first = given.filter(administered_on=OuterRef("first_dose_on")).order_by("start_time")
    last = given.filter(administered_on=OuterRef("last_dose_on")).order_by(
        F("stop_time").desc(nulls_last=True)
    )
    return {
        "first_time": Subquery(first.values("start_time")[:1]),
        "last_time": Subquery(last.values("stop_time")[:1]),
    }


def read_ex(study, subjects) -> Iterator[dict]:
    """The doses given (not skipped, not voided) of the export's subjects, by USUBJID and
    time."""
    from dosing.models import DoseChange

    keys = Keys(study.protocol_number)
    rows = (
        _live(subjects)
        .filter(administered_on__isnull=False)
        .exclude(dose_change=DoseChange.SKIPPED)
        .annotate(subjid=subjid(), rfst=reference_start())
        .order_by("subjid", "administered_on", "start_time", "id")
        .values(
            "subjid",
            "rfst",
            "visit__name",
            "visit__order",
            "administered_on",
            "start_time",
            "stop_time",
            "dose_amount",
            "dose_unit",
            "route",
            "lot_number",
            "injected_lesions",
            "dose_change",
            "dose_change_reason",
        )
    )
    lesions_of = grouped(hooks.call("target_lesions_of", subjects=subjects))
    for subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        lesions = {r["lesion_id"]: (r["organ"], r["location"]) for r in lesions_of(subject)}
        for seq, row in enumerate(group, start=1):
            yield ex_record(
                keys(row),
                study.product,
                seq,
                DoseFacts(
                    visit_name=row["visit__name"],
                    visit_number=row["visit__order"],
                    administered_on=row["administered_on"],
                    amount=row["dose_amount"],
                    unit=row["dose_unit"],
                    route=row["route"],
                    start_time=row["start_time"],
                    stop_time=row["stop_time"],
                    lot=row["lot_number"],
                    location=row["injected_lesions"],
                    dose_change=row["dose_change"],
                    dose_change_reason=row["dose_change_reason"],
                    lesions=lesions,
                ),
            )


_SITE = "from the named lesion's location, else from the injection site text."

EX = sdtm.SdtmDomain(
    domain="EX",
    label="Exposure",
    variables=EX_VARIABLES,
    keys=("STUDYID", "USUBJID", "EXSEQ"),
    class_name="INTERVENTIONS",
    structure="One record per constant dosing interval per subject",
    records=read_ex,
    position=30,
    count=lambda subjects: _live(subjects).count(),
    derivations={
        "EXLNKID": "The target lesion the injection site text names, when it names exactly one.",
        "EXLOC": f"LOC term read {_SITE}",
        "EXLAT": f"LAT term read {_SITE}",
        "EPOCH": sdtm.EPOCH_DERIVATION,
    },
    assigned=frozenset({"EXTRT", "EXDOSFRM", "VISITNUM", "VISIT"}),
    required=frozenset({"EXSEQ", "EXTRT"}),
    codelists={
        "EXDOSU": sdtm.UNIT,
        "EXDOSFRM": Codelist("CL.FRM", "Pharmaceutical Dosage Form"),
        "EXROUTE": sdtm.ROUTE,
        "EXLOC": sdtm.LOC,
        "EXLAT": sdtm.LAT,
        "EPOCH": sdtm.EPOCH,
    },
)
