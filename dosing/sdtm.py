"""SDTM EX (the doses given) and VS (the vital signs taken before and after each dose),
declared on the dosing kind (dosing.crf).

`ex_record` and `vs_record` are pure functions of plain values (dates in the site's local
time); `read_ex` and `read_vs` read the export's subjects' live dosing CRFs for
exports.sdtm_export. `read_ex` also reads their target lesions from the tumours app
(trial.hooks "target_lesions_of", as dosing may not import it) to link the injection site
the CRF names. The choices made where the CRF is coarser than SDTM are in docs/exports.md
("SDTM mapping").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal

from review import sdtm
from review.sdtm import (
    FLOAT,
    INTEGER,
    Codelist,
    SubjectKey,
    decimal_text,
    iso_date_time,
    last_before_exposure,
    location_terms,
    record,
    study_day,
    unit_term,
    variables,
)
from review.sdtm_reading import Keys, first_dose_on, grouped, in_scope, reference_start, subjid
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


# --- VS -------------------------------------------------------------------------------------

VS_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("VSSEQ", "Sequence Number", INTEGER),
    ("VSTESTCD", "Vital Signs Test Short Name"),
    ("VSTEST", "Vital Signs Test Name"),
    ("VSORRES", "Result or Finding in Original Units"),
    ("VSORRESU", "Original Units"),
    ("VSSTRESC", "Character Result/Finding in Std Format"),
    ("VSSTRESN", "Numeric Result/Finding in Standard Units", FLOAT),
    ("VSSTRESU", "Standard Units"),
    ("VSLOBXFL", "Last Observation Before Exposure Flag"),
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("VSDTC", "Date/Time of Measurements"),
    ("VSDY", "Study Day of Vital Signs", INTEGER),
    ("VSTPT", "Planned Time Point Name"),
    ("VSTPTNUM", "Planned Time Point Number", INTEGER),
    ("VSTPTREF", "Time Point Reference"),
    ("VSRFTDTC", "Date/Time of Reference Time Point"),
)


@dataclass(frozen=True)
class VitalSignTest:
    testcd: str  # codelist VSTESTCD (C66741)
    name: str  # codelist VSTEST (C67153)
    unit: str  # codelist UNIT (C71620): the unit the CRF records the value in


# The CRF's vital signs (dosing.models.VITAL_FIELDS), in its order.
VITAL_TESTS = {
    "temperature_c": VitalSignTest("TEMP", "Temperature", "C"),
    "pulse_bpm": VitalSignTest("PULSE", "Pulse Rate", "beats/min"),
    "systolic_mmhg": VitalSignTest("SYSBP", "Systolic Blood Pressure", "mmHg"),
    "diastolic_mmhg": VitalSignTest("DIABP", "Diastolic Blood Pressure", "mmHg"),
    "respiratory_rate": VitalSignTest("RESP", "Respiratory Rate", "breaths/min"),
    "spo2_pct": VitalSignTest("OXYSAT", "Oxygen Saturation", "%"),
}
# The CRF's two sets of vital signs, by field prefix: (VSTPTNUM, VSTPT).
TIME_POINTS = {"pre": (1, "PRE-DOSE"), "post": (2, "POST-DOSE")}
VITAL_COLUMNS = tuple(f"{when}_{name}" for when in TIME_POINTS for name in VITAL_TESTS)
DOSE_REFERENCE = "DOSE"


@dataclass(frozen=True)
class VitalSignFacts:
    field: str  # a key of VITAL_TESTS
    time_point: str  # a key of TIME_POINTS
    value: Decimal
    taken_on: date | None  # the dose's date; the visit's for a dose skipped
    visit_number: int | None = None
    visit_name: str = ""
    # The dose the time point is relative to (None: not given).
    dose_on: date | None = None
    dose_time: time | None = None
    last_before_exposure: bool = False


def vital_signs_of(crf: Mapping, **facts) -> list[VitalSignFacts]:
    """The readings of one dosing CRF (its fields by name, `pre_pulse_bpm` ...), time point
    by time point in the CRF's order; an empty field is no reading. `facts`: the other
    VitalSignFacts fields, the same for every reading."""
    return [
        VitalSignFacts(field=name, time_point=when, value=crf[f"{when}_{name}"], **facts)
        for when in TIME_POINTS
        for name in VITAL_TESTS
        if crf.get(f"{when}_{name}") is not None
    ]


def after_dose(sign: VitalSignFacts) -> bool:
    """Taken after a dose given that day: no baseline even on the first dose day."""
    return sign.time_point == "post" and sign.dose_on is not None


def vs_record(key: SubjectKey, seq: int, sign: VitalSignFacts) -> dict:
    """One reading. The CRF records each test in its standard unit, so the standard result
    is the original one. VSDTC is the date alone: the CRF holds no time for a reading, only
    the dose's start (VSRFTDTC, the time point's reference)."""
    test = VITAL_TESTS[sign.field]
    number, name = TIME_POINTS[sign.time_point]
    return record(
        VS_VARIABLES,
        "VS",
        key,
        VSSEQ=seq,
        VSTESTCD=test.testcd,
        VSTEST=test.name,
        VSORRES=decimal_text(sign.value),
        VSORRESU=test.unit,
        VSSTRESC=decimal_text(sign.value),
        VSSTRESN=float(sign.value),
        VSSTRESU=test.unit,
        VSLOBXFL=sdtm.YES if sign.last_before_exposure else "",
        VISITNUM=sign.visit_number,
        VISIT=sign.visit_name,
        VSDTC=iso_date_time(sign.taken_on, None),
        VSDY=study_day(sign.taken_on, key.rfstdtc),
        VSTPT=name,
        VSTPTNUM=number,
        VSTPTREF=DOSE_REFERENCE,
        VSRFTDTC=iso_date_time(sign.dose_on, sign.dose_time),
    )


def read_vs(study, subjects) -> Iterator[dict]:
    """The vital signs of the export's subjects' live dosing CRFs, by USUBJID and date; a
    dose skipped keeps the readings taken at its visit, dated by the visit."""
    from django.db.models.functions import Coalesce

    keys = Keys(study.protocol_number)
    rows = (
        _live(subjects)
        .annotate(
            subjid=subjid(),
            rfst=reference_start(),
            rfx=first_dose_on(),
            taken_on=Coalesce("administered_on", "visit__completed_on"),
        )
        .order_by("subjid", "taken_on", "visit__order", "id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "taken_on",
            "visit__name",
            "visit__order",
            "administered_on",
            "start_time",
            *VITAL_COLUMNS,
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        crfs = list(group)
        signs = [
            (crf, sign)
            for crf in crfs
            for sign in vital_signs_of(
                crf,
                taken_on=crf["taken_on"],
                visit_number=crf["visit__order"],
                visit_name=crf["visit__name"],
                dose_on=crf["administered_on"],  # none for a dose skipped
                dose_time=crf["start_time"],
            )
        ]
        baseline = last_before_exposure(
            ((s.field, s.taken_on, after_dose(s)) for _crf, s in signs), crfs[0]["rfx"]
        )
        for index, (crf, sign) in enumerate(signs):
            yield vs_record(
                keys(crf), index + 1, replace(sign, last_before_exposure=index in baseline)
            )


VS = sdtm.SdtmDomain(
    domain="VS",
    label="Vital Signs",
    variables=VS_VARIABLES,
    keys=("STUDYID", "USUBJID", "VSSEQ"),
    class_name="FINDINGS",
    structure="One record per vital sign measurement per time point per visit per subject",
    records=read_vs,
    position=67,
    count=lambda subjects: _live(subjects).count() * len(VITAL_COLUMNS),
    derivations={
        "VSSTRESC": "VSORRES: the CRF records each test in its standard unit.",
        "VSSTRESN": "VSORRES as a number: the CRF records each test in its standard unit.",
        "VSLOBXFL": (
            "Y on each test's last reading on or before the first dose day, a post-dose "
            "reading of that day excluded."
        ),
        "VSRFTDTC": "The dose's start (EXSTDTC); null for a dose not given.",
    },
    assigned=frozenset(
        {"VSTEST", "VSORRESU", "VSSTRESU", "VISITNUM", "VISIT", "VSTPT", "VSTPTNUM", "VSTPTREF"}
    ),
    required=frozenset({"VSSEQ", "VSTESTCD", "VSTEST"}),
    codelists={
        "VSTESTCD": Codelist("CL.VSTESTCD", "Vital Signs Test Code", "C66741"),
        "VSTEST": Codelist("CL.VSTEST", "Vital Signs Test Name", "C67153"),
        "VSORRESU": sdtm.UNIT,
        "VSSTRESU": sdtm.UNIT,
        "VSLOBXFL": sdtm.NY,
    },
    value_level=("VSTESTCD", ("VSORRES", "VSSTRESC", "VSSTRESN"), False),
)
