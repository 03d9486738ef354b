"""SDTM TU, TR and RS: the RECIST 1.1 time points' domains, declared on the tumour kind
(tumours.crf).

`tu_record`, `tr_record`, `tumor_state_record`, `sum_of_diameters_record` and `rs_records`
are pure functions of plain values (dates in the site's local time); `read_tu`, `read_tr`
and `read_rs` read the live (not voided) assessments of the export's subjects for
exports.sdtm_export, and `target_lesions_of` their target lesions for SDTM EX (dosing.sdtm).
The choices made where the CRF is coarser than SDTM are in docs/exports.md ("SDTM mapping").
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from review import sdtm
from review.sdtm import (
    FLOAT,
    INTEGER,
    METHOD_TERMS,
    Codelist,
    SubjectKey,
    before_exposure,
    iso,
    location_terms,
    record,
    study_day,
    variables,
)
from review.sdtm_reading import (
    Keys,
    first_dose_on,
    in_scope,
    reference_start,
    subjid,
    visit_annotations,
    visit_of,
)
from tumours import recist

TU_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("TUSEQ", "Sequence Number", INTEGER),
    ("TULNKID", "Link ID"),
    ("TUTESTCD", "Tumor Identification Short Name"),
    ("TUTEST", "Tumor Identification Test Name"),
    ("TUORRES", "Tumor Identification Result"),
    ("TUSTRESC", "Tumor Identification Result Std. Format"),
    ("TULOC", "Location of the Tumor"),
    ("TULAT", "Laterality"),
    ("TUMETHOD", "Method of Identification"),
    ("TULOBXFL", "Last Observation Before Exposure Flag"),
    ("TUEVAL", "Evaluator"),
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("TUDTC", "Date/Time of Tumor Identification"),
    ("TUDY", "Study Day of Tumor Identification", INTEGER),
)
TR_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("TRSEQ", "Sequence Number", INTEGER),
    ("TRLNKID", "Link ID"),
    ("TRTESTCD", "Tumor Assessment Short Name"),
    ("TRTEST", "Tumor Assessment Test Name"),
    ("TRORRES", "Result or Finding in Original Units"),
    ("TRORRESU", "Original Units"),
    ("TRSTRESC", "Character Result/Finding in Std Format"),
    ("TRSTRESN", "Numeric Result/Finding in Std Units", FLOAT),
    ("TRSTRESU", "Standard Units"),
    ("TRSTAT", "Completion Status"),
    ("TRMETHOD", "Method Used to Identify the Tumor"),
    ("TRLOBXFL", "Last Observation Before Exposure Flag"),
    ("TREVAL", "Evaluator"),
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("TRDTC", "Date/Time of Tumor Measurement"),
    ("TRDY", "Study Day of Tumor Measurement", INTEGER),
)
RS_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("RSSEQ", "Sequence Number", INTEGER),
    ("RSTESTCD", "Response Assessment Short Name"),
    ("RSTEST", "Response Assessment Name"),
    ("RSCAT", "Category for Response Assessment"),
    ("RSORRES", "Response Assessment Original Result"),
    ("RSSTRESC", "Response Assessment Result in Std Format"),
    ("RSEVAL", "Evaluator"),
    ("VISITNUM", "Visit Number", INTEGER),
    ("VISIT", "Visit Name"),
    ("RSDTC", "Date/Time of Response Assessment"),
    ("RSDY", "Study Day of Response Assessment", INTEGER),
)

# TU's identification result (TUORRES/TUSTRESC) of each kind of lesion (SDTMIG 3.4 TU,
# RECIST 1.1): a target or non-target lesion chosen at baseline, a new lesion at a follow-up.
TARGET, NON_TARGET, NEW = "TARGET", "NON-TARGET", "NEW"
RESPONSE_TERMS = {"cr": "CR", "pr": "PR", "sd": "SD", "pd": "PD", "ne": "NE"}
NON_TARGET_TERMS = {"cr": "CR", "non_cr_non_pd": "NON-CR/NON-PD", "pd": "PD", "ne": "NE"}
# TR's tumor state (TRTESTCD TUMSTATE) of a non-target lesion (RECIST 1.1, 4.3.2) and of a
# new lesion (unequivocal or equivocal, 4.3.2 "new lesions"); not evaluated: NOT DONE.
TUMOR_STATES = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
    "not_evaluated": "",
    "unequivocal": "UNEQUIVOCAL",
    "equivocal": "EQUIVOCAL",
}


def _method(method: str) -> str:
    return METHOD_TERMS.get(method.upper(), method.upper())


# --- TU -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLesionFacts:
    """A lesion identified once (TU): a target or non-target lesion at baseline, or a new
    lesion on the scan that first showed it (`role`)."""

    lesion_id: str
    organ: str
    is_lymph_node: bool
    identified_on: date
    method: str = "CT"
    location: str = ""  # free text ("left lobe, segment VI")
    visit_number: int | None = None
    visit_name: str = ""
    role: str = TARGET


def tu_record(key: SubjectKey, seq: int, lesion: TargetLesionFacts) -> dict:
    location, laterality = location_terms(lesion.organ, lesion.location)
    if lesion.is_lymph_node:
        location = "LYMPH NODE"
    return record(
        TU_VARIABLES,
        "TU",
        key,
        TUSEQ=seq,
        TULNKID=lesion.lesion_id,
        TUTESTCD="TUMIDENT",
        TUTEST="Tumor Identification",
        TUORRES=lesion.role,
        TUSTRESC=lesion.role,
        TULOC=location,
        TULAT=laterality,
        TUMETHOD=_method(lesion.method),
        TULOBXFL=before_exposure(lesion.identified_on, key.rfxstdtc),
        TUEVAL="INVESTIGATOR",
        VISITNUM=lesion.visit_number,
        VISIT=lesion.visit_name,
        TUDTC=iso(lesion.identified_on),
        TUDY=study_day(lesion.identified_on, key.rfstdtc),
    )


# --- TR -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementFacts:
    lesion_id: str
    is_lymph_node: bool
    measured_on: date
    diameter_mm: Decimal | None
    method: str = "CT"
    baseline: bool = False
    visit_number: int | None = None
    visit_name: str = ""


def _tr(key: SubjectKey, seq: int, on: date, method: str, baseline: bool, visit, **values):
    return record(
        TR_VARIABLES,
        "TR",
        key,
        TRSEQ=seq,
        TRMETHOD=_method(method),
        TRLOBXFL=before_exposure(on, key.rfxstdtc) if baseline else "",
        TREVAL="INVESTIGATOR",
        VISITNUM=visit[0],
        VISIT=visit[1],
        TRDTC=iso(on),
        TRDY=study_day(on, key.rfstdtc),
        **values,
    )


def _result(value: Decimal | None) -> dict:
    """TRORRES to TRSTAT of a number in mm; none recorded is NOT DONE."""
    shown = "" if value is None else format(value, "f")
    unit = "mm" if value is not None else ""
    return {
        "TRORRES": shown,
        "TRORRESU": unit,
        "TRSTRESC": shown,
        "TRSTRESN": float(value) if value is not None else None,
        "TRSTRESU": unit,
        "TRSTAT": "NOT DONE" if value is None else "",
    }


def tr_record(key: SubjectKey, seq: int, measurement: MeasurementFacts) -> dict:
    """A target lesion's longest diameter (short axis for a node, RECIST 1.1); an empty
    measurement is NOT DONE."""
    node = measurement.is_lymph_node
    return _tr(
        key,
        seq,
        measurement.measured_on,
        measurement.method,
        measurement.baseline,
        (measurement.visit_number, measurement.visit_name),
        TRLNKID=measurement.lesion_id,
        TRTESTCD="SAXIS" if node else "LDIAM",
        TRTEST="Short Axis" if node else "Longest Diameter",
        **_result(measurement.diameter_mm),
    )


@dataclass(frozen=True)
class TumorStateFacts:
    """A non-target or new lesion's state at one time point (the TUMOR_STATES keys)."""

    lesion_id: str
    observed_on: date
    state: str
    method: str = "CT"
    baseline: bool = False
    visit_number: int | None = None
    visit_name: str = ""


def tumor_state_record(key: SubjectKey, seq: int, facts: TumorStateFacts) -> dict:
    result = TUMOR_STATES[facts.state]
    return _tr(
        key,
        seq,
        facts.observed_on,
        facts.method,
        facts.baseline,
        (facts.visit_number, facts.visit_name),
        TRLNKID=facts.lesion_id,
        TRTESTCD="TUMSTATE",
        TRTEST="Tumor State",
        TRORRES=result,
        TRORRESU="",
        TRSTRESC=result,
        TRSTRESN=None,
        TRSTRESU="",
        TRSTAT="" if result else "NOT DONE",
    )


def sum_of_diameters_record(
    key: SubjectKey,
    seq: int,
    measured_on: date,
    sum_mm: Decimal | None,
    method: str = "CT",
    *,
    baseline: bool = False,
    visit_number: int | None = None,
    visit_name: str = "",
) -> dict:
    return _tr(
        key,
        seq,
        measured_on,
        method,
        baseline,
        (visit_number, visit_name),
        TRLNKID="",
        TRTESTCD="SUMDIAM",
        TRTEST="Sum of Diameter",
        **_result(sum_mm),
    )


# --- RS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFacts:
    assessed_on: date
    response: str  # cr, pr, sd, pd, ne ("" at baseline)
    non_target: str  # tumours.models.NonTarget value
    visit_number: int | None = None
    visit_name: str = ""


def _rs(key, seq, testcd, test, result, on, visit: tuple[int | None, str] = (None, "")) -> dict:
    return record(
        RS_VARIABLES,
        "RS",
        key,
        RSSEQ=seq,
        RSTESTCD=testcd,
        RSTEST=test,
        RSCAT="RECIST 1.1",
        RSORRES=result,
        RSSTRESC=result,
        RSEVAL="INVESTIGATOR",
        VISITNUM=visit[0],
        VISIT=visit[1],
        RSDTC=iso(on),
        RSDY=study_day(on, key.rfstdtc),
    )


def rs_records(
    key: SubjectKey, responses: Iterable[ResponseFacts], first_dose: date | None
) -> list[dict]:
    """Per follow-up time point the non-target and overall responses; then the best overall
    response (RECIST 1.1 without confirmation, tumours.recist) when there is one."""
    records: list[dict] = []
    scored = []
    for point in sorted(responses, key=lambda r: r.assessed_on):
        if not point.response:
            continue  # baseline: no response
        non_target = NON_TARGET_TERMS.get(point.non_target)
        visit = (point.visit_number, point.visit_name)
        if non_target:
            records.append(
                _rs(
                    key,
                    len(records) + 1,
                    "NTRGRESP",
                    "Non-target Response",
                    non_target,
                    point.assessed_on,
                    visit,
                )
            )
        overall = RESPONSE_TERMS[point.response]
        records.append(
            _rs(
                key,
                len(records) + 1,
                "OVRLRESP",
                "Overall Response",
                overall,
                point.assessed_on,
                visit,
            )
        )
        scored.append((point.assessed_on, point.response))
    best = recist.best_response_on_treatment(scored, first_dose=first_dose)
    if best is not None:
        records.append(
            _rs(
                key,
                len(records) + 1,
                "BESTRESP",
                "Best Overall Response",
                RESPONSE_TERMS[best.value],
                scored[-1][0],
            )
        )
    return records


# --- readers --------------------------------------------------------------------------------


def _screening_visit(field: str):
    from trial.models import Visit, VisitKind

    return Subquery(
        Visit.objects.filter(subject=OuterRef("subject"), kind=VisitKind.SCREENING).values(field)[
            :1
        ]
    )


def read_tu(study, subjects) -> Iterator[dict]:
    """Per subject its target and non-target lesions (baseline), then each new lesion once."""
    from tumours.models import NonTargetLesionDefinition, TargetLesionDefinition, TumourAssessment

    keys = Keys(study.protocol_number)
    baseline = TumourAssessment.objects.filter(
        subject=OuterRef("subject"), is_baseline=True, voided_at__isnull=True
    )

    def lesions(model):
        return (
            in_scope(model.objects.filter(voided_at__isnull=True), subjects)
            .annotate(
                subjid=subjid(),
                rfst=reference_start(),
                rfx=first_dose_on(),
                baseline_on=Subquery(baseline.values("assessment_date")[:1]),
                baseline_method=Subquery(baseline.values("method")[:1]),
                screening_num=_screening_visit("order"),
                screening_name=_screening_visit("name"),
            )
            .order_by("subjid", "lesion_id")
            .values(
                "subjid",
                "rfst",
                "rfx",
                "lesion_id",
                "organ",
                "is_lymph_node",
                "location",
                "baseline_on",
                "baseline_method",
                "screening_num",
                "screening_name",
            )
        )

    identified: dict[str, list] = defaultdict(list)
    first_row: dict[str, dict] = {}
    for role, model in ((TARGET, TargetLesionDefinition), (NON_TARGET, NonTargetLesionDefinition)):
        for row in lesions(model).iterator(2000):
            first_row.setdefault(row["subjid"], row)
            identified[row["subjid"]].append(
                TargetLesionFacts(
                    lesion_id=row["lesion_id"],
                    organ=row["organ"],
                    is_lymph_node=row["is_lymph_node"],
                    identified_on=row["baseline_on"],
                    method=row["baseline_method"] or "CT",
                    location=row["location"],
                    visit_number=row["screening_num"],
                    visit_name=row["screening_name"] or "",
                    role=role,
                )
            )
    for row in _first_new_lesions(subjects):
        first_row.setdefault(row["subjid"], row)
        visit = visit_of(row, False)
        identified[row["subjid"]].append(
            TargetLesionFacts(
                lesion_id=row["lesion_id"],
                organ=row["organ"],
                is_lymph_node=False,
                identified_on=row["assessment__assessment_date"],
                method=row["assessment__method"] or "CT",
                location=row["location"],
                visit_number=visit[0],
                visit_name=visit[1],
                role=NEW,
            )
        )
    for subject in sorted(identified):
        for seq, lesion in enumerate(identified[subject], start=1):
            yield tu_record(keys(first_row[subject]), seq, lesion)


def _of_live_assessments(model, subjects):
    """`model`'s rows of the live assessments of the export's subjects, with the keys and
    the visit of their assessment."""
    return in_scope(
        model.objects.filter(assessment__voided_at__isnull=True), subjects, "assessment__subject"
    ).annotate(
        subjid=subjid("assessment__subject__"),
        rfst=reference_start("assessment__subject"),
        rfx=first_dose_on("assessment__subject"),
        **visit_annotations("assessment__subject", "assessment__assessment_date"),
    )


_VISIT_VALUES = ("visit_num", "visit_name", "screening_num", "screening_name")


def _first_new_lesions(subjects) -> list[dict]:
    """Each new lesion once (TU), on the live scan that first showed it."""
    from tumours.models import NewLesion

    rows = (
        _of_live_assessments(NewLesion, subjects)
        .order_by("subjid", "assessment__assessment_date", "lesion_id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "lesion_id",
            "organ",
            "location",
            "assessment__assessment_date",
            "assessment__method",
            *_VISIT_VALUES,
        )
    )
    seen, first = set(), []
    for row in rows:
        if (row["subjid"], row["lesion_id"]) not in seen:
            seen.add((row["subjid"], row["lesion_id"]))
            first.append(row)
    return first


def read_tr(study, subjects) -> Iterator[dict]:
    """Per live time point each target lesion's diameter and the sum, then the states of
    the non-target and new lesions; subjects without target lesions: their states alone."""
    from tumours.models import LesionMeasurement

    keys = Keys(study.protocol_number)
    states = _tumor_states(subjects)
    rows = (
        _of_live_assessments(LesionMeasurement, subjects)
        .order_by("subjid", "assessment__assessment_date", "assessment_id", "lesion__lesion_id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "assessment_id",
            "assessment__assessment_date",
            "assessment__sum_mm",
            "assessment__method",
            "assessment__is_baseline",
            *_VISIT_VALUES,
            "lesion__lesion_id",
            "lesion__is_lymph_node",
            "diameter_mm",
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        seq = itertools.count(1)
        for _assessment, measurements in itertools.groupby(group, key=lambda r: r["assessment_id"]):
            row = visit = None
            for row in measurements:
                baseline = row["assessment__is_baseline"]
                visit = visit_of(row, baseline)
                yield tr_record(
                    keys(row),
                    next(seq),
                    MeasurementFacts(
                        lesion_id=row["lesion__lesion_id"],
                        is_lymph_node=row["lesion__is_lymph_node"],
                        measured_on=row["assessment__assessment_date"],
                        diameter_mm=row["diameter_mm"],
                        method=row["assessment__method"],
                        baseline=baseline,
                        visit_number=visit[0],
                        visit_name=visit[1],
                    ),
                )
            yield sum_of_diameters_record(
                keys(row),
                next(seq),
                row["assessment__assessment_date"],
                row["assessment__sum_mm"],
                row["assessment__method"],
                baseline=baseline,
                visit_number=visit[0],
                visit_name=visit[1],
            )
            for facts in states.pop(_assessment, (None, []))[1]:
                yield tumor_state_record(keys(row), next(seq), facts)
    # Subjects with no target lesion: the states of their non-target and new lesions alone.
    left = sorted(
        states.values(), key=lambda v: (v[0]["subjid"], v[0]["assessment__assessment_date"])
    )
    for _subject, group in itertools.groupby(left, key=lambda v: v[0]["subjid"]):
        seq = itertools.count(1)
        for row, facts_list in group:
            for facts in facts_list:
                yield tumor_state_record(keys(row), next(seq), facts)


def _tumor_states(subjects) -> dict[int, tuple[dict, list]]:
    """Per live tumour assessment: a row of it (keys, date) and the TR tumor states of its
    non-target lesions, then of its new lesions (unequivocal or equivocal)."""
    from tumours.models import NewLesion, NonTargetObservation

    found: dict[int, tuple[dict, list]] = {}
    common = (
        "subjid",
        "rfst",
        "rfx",
        "assessment_id",
        "assessment__assessment_date",
        "assessment__method",
        "assessment__is_baseline",
        *_VISIT_VALUES,
    )
    for model, lesion_id, extra in (
        (NonTargetObservation, "lesion__lesion_id", "state"),
        (NewLesion, "lesion_id", "equivocal"),
    ):
        rows = _of_live_assessments(model, subjects).order_by(
            "subjid", "assessment__assessment_date", lesion_id
        )
        for row in rows.values(*common, lesion_id, extra).iterator(2000):
            baseline = row["assessment__is_baseline"]
            if "state" in row:
                state = row["state"]
            else:
                state = "equivocal" if row["equivocal"] else "unequivocal"
            visit = visit_of(row, baseline)
            found.setdefault(row["assessment_id"], (row, []))[1].append(
                TumorStateFacts(
                    row[lesion_id],
                    row["assessment__assessment_date"],
                    state,
                    row["assessment__method"],
                    baseline=baseline,
                    visit_number=visit[0],
                    visit_name=visit[1],
                )
            )
    return found


def _live_target_lesions(subjects):
    from tumours.models import TargetLesionDefinition

    return in_scope(TargetLesionDefinition.objects.filter(voided_at__isnull=True), subjects)


def target_lesions_of(*, subjects) -> Iterator[dict]:
    """The export's subjects' live target lesions (subjid, lesion_id, organ, location), by
    USUBJID in byte order then lesion id: SDTM EX (dosing.sdtm, through trial.hooks) links
    an injection site to the lesion it names."""
    return (
        _live_target_lesions(subjects)
        .annotate(subjid=subjid())
        .order_by("subjid", "lesion_id")
        .values("subjid", "lesion_id", "organ", "location")
        .iterator(2000)
    )


def _live_assessments(subjects):
    from tumours.models import TumourAssessment

    return in_scope(TumourAssessment.objects.filter(voided_at__isnull=True), subjects)


def read_rs(study, subjects) -> Iterator[dict]:
    """Per subject the responses of its live time points, then the best overall response."""
    keys = Keys(study.protocol_number)
    rows = (
        _live_assessments(subjects)
        .annotate(
            subjid=subjid(),
            rfst=reference_start(),
            rfx=first_dose_on(),
            **visit_annotations("subject", "assessment_date"),
        )
        .order_by("subjid", "assessment_date")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "assessment_date",
            "is_baseline",
            "response",
            "non_target",
            *_VISIT_VALUES,
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        points = list(group)
        yield from rs_records(
            keys(points[0]),
            [
                ResponseFacts(
                    p["assessment_date"],
                    p["response"],
                    p["non_target"],
                    *visit_of(p, p["is_baseline"]),
                )
                for p in points
            ],
            points[0]["rfx"],
        )


# --- the declarations -----------------------------------------------------------------------

_VISIT = (
    "The screening visit for a baseline assessment, otherwise the subject's latest visit "
    "done on or before the assessment date."
)
_VISITS = {"VISITNUM": _VISIT, "VISIT": _VISIT}
_BEFORE_EXPOSURE = "Y when the observation is dated on or before the first dose (RFXSTDTC)."
_AS_ORIGINAL = "The original result (--ORRES) in standard format."
METHOD = sdtm.METHOD


def _measurements(subjects) -> int:
    from tumours.models import LesionMeasurement

    return in_scope(
        LesionMeasurement.objects.filter(assessment__voided_at__isnull=True),
        subjects,
        "assessment__subject",
    ).count()


TU = sdtm.SdtmDomain(
    domain="TU",
    label="Tumor/Lesion Identification",
    variables=TU_VARIABLES,
    keys=("STUDYID", "USUBJID", "TUSEQ"),
    class_name="FINDINGS",
    structure="One record per identified tumor per subject per assessor",
    records=read_tu,
    position=70,
    count=lambda subjects: _live_target_lesions(subjects).count(),
    derivations={
        "TULOC": "LOC term read from the lesion's organ and location text.",
        "TULAT": "LAT term read from the lesion's location text.",
        "TULOBXFL": _BEFORE_EXPOSURE,
        **_VISITS,
    },
    assigned=frozenset({"TUTESTCD", "TUTEST", "TUORRES", "TUSTRESC", "TUEVAL"}),
    required=frozenset({"TUSEQ", "TUTESTCD", "TUTEST"}),
    codelists={
        "TUTESTCD": Codelist("CL.TUTESTCD", "Tumor Identification Test Code"),
        "TULOC": sdtm.LOC,
        "TULAT": sdtm.LAT,
        "TUMETHOD": METHOD,
        "TULOBXFL": sdtm.NY,
    },
    value_level=("TUTESTCD", ("TUORRES", "TUSTRESC"), True),
)

TR = sdtm.SdtmDomain(
    domain="TR",
    label="Tumor/Lesion Results",
    variables=TR_VARIABLES,
    keys=("STUDYID", "USUBJID", "TRSEQ"),
    class_name="FINDINGS",
    structure="One record per tumor measurement per time point per subject per assessor",
    records=read_tr,
    position=80,
    # The measurements, and a sum of diameters per time point.
    count=lambda subjects: _measurements(subjects) + _live_assessments(subjects).count(),
    derivations={
        "TRSTRESC": _AS_ORIGINAL,
        "TRSTRESN": "TRSTRESC as a number.",
        "TRSTAT": "NOT DONE when no measurement is recorded.",
        "TRLOBXFL": _BEFORE_EXPOSURE,
        **_VISITS,
    },
    assigned=frozenset({"TRTESTCD", "TRTEST", "TRORRESU", "TRSTRESU", "TREVAL"}),
    required=frozenset({"TRSEQ", "TRTESTCD", "TRTEST"}),
    codelists={
        "TRTESTCD": Codelist("CL.TRTESTCD", "Tumor Assessment Test Code"),
        "TRORRESU": sdtm.UNIT,
        "TRSTRESU": sdtm.UNIT,
        "TRSTAT": sdtm.ND,
        "TRMETHOD": METHOD,
        "TRLOBXFL": sdtm.NY,
    },
    value_level=("TRTESTCD", ("TRORRES", "TRSTRESC", "TRSTRESN"), False),
    value_derivations={
        ("TRORRES", "SUMDIAM"): "Sum of the target lesions' diameters (short axis for nodes).",
    },
)

RS = sdtm.SdtmDomain(
    domain="RS",
    label="Disease Response and Clin Classification",
    variables=RS_VARIABLES,
    keys=("STUDYID", "USUBJID", "RSSEQ"),
    class_name="FINDINGS",
    structure="One record per response assessment per time point per subject per assessor",
    records=read_rs,
    position=90,
    # The non-target and overall responses per time point.
    count=lambda subjects: _live_assessments(subjects).count() * 2,
    derivations={"RSSTRESC": _AS_ORIGINAL, **_VISITS},
    assigned=frozenset({"RSTESTCD", "RSTEST", "RSCAT", "RSEVAL"}),
    required=frozenset({"RSSEQ", "RSTESTCD", "RSTEST"}),
    codelists={"RSTESTCD": Codelist("CL.RSTESTCD", "Response Assessment Test Code")},
    value_level=("RSTESTCD", ("RSORRES", "RSSTRESC"), True),
    value_derivations={
        ("RSORRES", "BESTRESP"): (
            "Best overall response of the time points after the first dose (RECIST 1.1, "
            "without confirmation)."
        ),
        ("RSORRES", "OVRLRESP"): "Overall response of the time point (RECIST 1.1 table).",
    },
)
