"""SDTM VS: every vital sign of the study, declared on the vital signs kind (vitals.crf).

Two CRFs record vital signs and VS is one domain, so it is read here from both:
- the vital signs CRF (vitals.models.VitalSigns), one set at a visit without a dose
  (screening, safety visits, end of treatment, follow-up): a single measurement at its
  visit, so no planned time point (SDTMIG 3.4 VS: VSTPT, VSTPTNUM and VSTPTREF null);
- the dosing CRF (dosing.models.DosingRecord), before and after each dose: VSTPT PRE-DOSE or
  POST-DOSE relative to the dose's start (VSTPTREF "DOSE", VSRFTDTC its EXSTDTC).

A subject's readings are in time order (date, then visit, then the CRF's order); VSLOBXFL
marks each test's last reading on or before the first dose day, a post-dose reading of that
day excluded (review.sdtm.last_before_exposure): the screening set when the C1D1 pre-dose
reading of a test is missing, else the C1D1 pre-dose one. `vs_record` is a pure function of
plain values; `read_vs` reads the export's subjects' live rows of both CRFs.
"""

from __future__ import annotations

import heapq
import itertools
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
    record,
    study_day,
    variables,
)
from review.sdtm_reading import Keys, first_dose_on, in_scope, reference_start, subjid
from trial.vital_signs import VITAL_SIGNS
from vitals.rules import TimePoint

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
    unit: str  # codelist UNIT (C71620): the unit the CRFs record the value in


# The CRFs' vital signs (trial.vital_signs.VITAL_SIGNS), in their order.
VITAL_TESTS = {
    "temperature_c": VitalSignTest("TEMP", "Temperature", "C"),
    "pulse_bpm": VitalSignTest("PULSE", "Pulse Rate", "beats/min"),
    "systolic_mmhg": VitalSignTest("SYSBP", "Systolic Blood Pressure", "mmHg"),
    "diastolic_mmhg": VitalSignTest("DIABP", "Diastolic Blood Pressure", "mmHg"),
    "respiratory_rate": VitalSignTest("RESP", "Respiratory Rate", "breaths/min"),
    "spo2_pct": VitalSignTest("OXYSAT", "Oxygen Saturation", "%"),
}
# The dosing CRF's two sets of vital signs, by field prefix: (VSTPTNUM, VSTPT). A set of the
# vital signs CRF (time point TimePoint.VISIT) has none.
TIME_POINTS = {"pre": (1, "PRE-DOSE"), "post": (2, "POST-DOSE")}
DOSING_COLUMNS = tuple(f"{when}_{name}" for when in TIME_POINTS for name in VITAL_TESTS)
DOSE_REFERENCE = "DOSE"


@dataclass(frozen=True)
class VitalSignFacts:
    field: str  # a key of VITAL_TESTS
    time_point: str  # a key of TIME_POINTS, or TimePoint.VISIT
    value: Decimal
    taken_on: date | None  # the dose's date; the visit's for a dose skipped
    visit_number: int | None = None
    visit_name: str = ""
    # The dose the time point is relative to (None: not given, or no dose at the visit).
    dose_on: date | None = None
    dose_time: time | None = None
    last_before_exposure: bool = False
    taken_time: time | None = None  # the vital signs CRF's; the dosing CRF records none


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


def visit_vital_signs_of(crf: Mapping, **facts) -> list[VitalSignFacts]:
    """The readings of one set of the vital signs CRF (its fields by name), in its order."""
    return [
        VitalSignFacts(field=name, time_point=TimePoint.VISIT, value=crf[name], **facts)
        for name in VITAL_TESTS
        if crf.get(name) is not None
    ]


def after_dose(sign: VitalSignFacts) -> bool:
    """Taken after a dose given that day: no baseline even on the first dose day."""
    return sign.time_point == "post" and sign.dose_on is not None


def vs_record(key: SubjectKey, seq: int, sign: VitalSignFacts) -> dict:
    """One reading. The CRFs record each test in its standard unit, so the standard result
    is the original one. VSDTC has the time where the CRF records one (the vital signs
    CRF); the dosing CRF's is the date alone, its reference the dose's start (VSRFTDTC)."""
    test = VITAL_TESTS[sign.field]
    number, name = TIME_POINTS.get(sign.time_point, (None, ""))
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
        VSDTC=iso_date_time(sign.taken_on, sign.taken_time),
        VSDY=study_day(sign.taken_on, key.rfstdtc),
        VSTPT=name,
        VSTPTNUM=number,
        VSTPTREF=DOSE_REFERENCE if name else "",
        VSRFTDTC=iso_date_time(sign.dose_on, sign.dose_time) if name else "",
    )


def in_time_order(sign: VitalSignFacts) -> tuple:
    """A subject's readings by date (undated last, as the database sorts them), then visit;
    the readings of one CRF keep its order (the sort is stable)."""
    return (sign.taken_on is None, sign.taken_on or date.min, sign.visit_number or 0)


def _dosing_crfs(subjects) -> Iterator[tuple[dict, list[VitalSignFacts]]]:
    from django.db.models.functions import Coalesce

    from dosing.models import DosingRecord

    rows = (
        in_scope(DosingRecord.objects.filter(voided_at__isnull=True), subjects)
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
            *DOSING_COLUMNS,
        )
    )
    for crf in rows.iterator(2000):
        yield (
            crf,
            vital_signs_of(
                crf,
                taken_on=crf["taken_on"],
                visit_number=crf["visit__order"],
                visit_name=crf["visit__name"],
                dose_on=crf["administered_on"],  # none for a dose skipped
                dose_time=crf["start_time"],
            ),
        )


def _visit_sets(subjects) -> Iterator[tuple[dict, list[VitalSignFacts]]]:
    rows = (
        _live(subjects)
        .annotate(subjid=subjid(), rfst=reference_start(), rfx=first_dose_on())
        .order_by("subjid", "measured_on", "measured_time", "visit__order", "id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "measured_on",
            "measured_time",
            "visit__name",
            "visit__order",
            *VITAL_SIGNS,
        )
    )
    for crf in rows.iterator(2000):
        yield (
            crf,
            visit_vital_signs_of(
                crf,
                taken_on=crf["measured_on"],
                taken_time=crf["measured_time"],
                visit_number=crf["visit__order"],
                visit_name=crf["visit__name"],
            ),
        )


def read_vs(study, subjects) -> Iterator[dict]:
    """The vital signs of the export's subjects' live CRFs, by USUBJID and time; a dose
    skipped keeps the readings taken at its visit, dated by the visit."""
    keys = Keys(study.protocol_number)
    crfs = heapq.merge(_dosing_crfs(subjects), _visit_sets(subjects), key=lambda c: c[0]["subjid"])
    for _subject, group in itertools.groupby(crfs, key=lambda c: c[0]["subjid"]):
        subject_crfs = list(group)
        signs = sorted(
            ((crf, sign) for crf, readings in subject_crfs for sign in readings),
            key=lambda pair: in_time_order(pair[1]),
        )
        baseline = last_before_exposure(
            ((s.field, s.taken_on, after_dose(s)) for _crf, s in signs),
            subject_crfs[0][0]["rfx"],
        )
        for index, (crf, sign) in enumerate(signs):
            yield vs_record(
                keys(crf), index + 1, replace(sign, last_before_exposure=index in baseline)
            )


def _live(subjects):
    from vitals.models import VitalSigns

    return in_scope(VitalSigns.objects.filter(voided_at__isnull=True), subjects)


def _count(subjects) -> int:
    from dosing.models import DosingRecord

    doses = in_scope(DosingRecord.objects.filter(voided_at__isnull=True), subjects)
    return doses.count() * len(DOSING_COLUMNS) + _live(subjects).count() * len(VITAL_TESTS)


VS = sdtm.SdtmDomain(
    domain="VS",
    label="Vital Signs",
    variables=VS_VARIABLES,
    keys=("STUDYID", "USUBJID", "VSSEQ"),
    class_name="FINDINGS",
    structure="One record per vital sign measurement per time point per visit per subject",
    records=read_vs,
    position=67,
    count=_count,
    derivations={
        "VSSTRESC": "VSORRES: the CRF records each test in its standard unit.",
        "VSSTRESN": "VSORRES as a number: the CRF records each test in its standard unit.",
        "VSLOBXFL": (
            "Y on each test's last reading on or before the first dose day, a post-dose "
            "reading of that day excluded."
        ),
        "VSRFTDTC": (
            "The dose's start (EXSTDTC); null for a dose not given and at a visit without a dose."
        ),
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
