"""SDTM of the history app: MH, declared on the medical history's kind (history.crf), PR of
prior radiotherapy and surgery, declared on the radiotherapy kind, and the CM values of the
prior systemic lines, which medications.sdtm puts in the one CM with the medications.

The builders (`mh_record`, `line_cm_values`, `radiotherapy_pr_record`, `surgery_pr_record`)
are pure functions of plain values; the readers stream the live (not voided) records of the
export's subjects for exports.sdtm_export. Partial dates are written at the precision known
(ISO 8601, as SDTM --DTC allows); a date given as a missing-data code is left empty, as SDTM
leaves an unknown date.
"""

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal

from history.prior_therapy import agents_of
from review import sdtm
from review.sdtm import partial_dtc, variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("MHSEQ", "Sequence Number", sdtm.INTEGER),
    ("MHTERM", "Reported Term for the Medical History"),
    ("MHDECOD", "Dictionary-Derived Term"),
    ("MHTOXGR", "Standard Toxicity Grade"),
    ("MHSTDTC", "Start Date/Time of Medical History Event"),
    ("MHENDTC", "End Date/Time of Medical History Event"),
    ("MHENRTPT", "End Relative to Reference Time Point"),
    ("MHENTPT", "End Reference Time Point"),
)
MH_VARIABLES = tuple(v.name for v in VARIABLES)


@dataclass(frozen=True)
class HistoryFacts:
    sequence: int
    condition: str
    recorded_term: str
    start_date: str
    ongoing: bool
    end_date: str
    baseline_grade: int | None
    baseline_grade_code: str


def mh_record(studyid: str, usubjid: str, facts: HistoryFacts) -> dict:
    """One MH row. An ongoing condition: MHENRTPT ONGOING relative to MHENTPT SCREENING.
    No MHCAT: every condition is general medical history, and a category grouping every
    record is one SDTMIG says to leave out (CDISC CORE-000365).

    The baseline grade is MHTOXGR, empty when coded (UNK, ND). MHSTAT/MHREASND say a whole
    record was not done or not asked, which this CRF never records (a condition is entered
    or not), so they are not produced; a field's code stays in the CSV and ODM exports.
    """
    return sdtm.record(
        VARIABLES,
        "MH",
        sdtm.SubjectKey(studyid, usubjid),
        MHSEQ=facts.sequence,
        MHTERM=facts.condition,
        MHDECOD=facts.recorded_term,
        MHTOXGR=str(facts.baseline_grade) if facts.baseline_grade is not None else "",
        MHSTDTC=partial_dtc(facts.start_date),
        MHENDTC="" if facts.ongoing else partial_dtc(facts.end_date),
        MHENRTPT="ONGOING" if facts.ongoing else "",
        MHENTPT="SCREENING" if facts.ongoing else "",
    )


def mh_records(study, subjects) -> Iterator[dict]:
    """The live conditions of the export's subjects, by USUBJID then MHSEQ."""
    from history.models import MedicalHistory
    from review.sdtm_reading import in_scope, subjid

    rows = (
        in_scope(MedicalHistory.objects.filter(voided_at__isnull=True), subjects)
        .annotate(subjid=subjid())
        .order_by("subjid", "sequence")
        .values(
            "subjid",
            "sequence",
            "condition",
            "recorded_term",
            "start_date",
            "ongoing",
            "end_date",
            "baseline_grade",
            "baseline_grade_code",
        )
    )
    studyid = study.protocol_number
    for row in rows.iterator(2000):
        usubjid = sdtm.subject_key(studyid, row.pop("subjid")).usubjid
        yield mh_record(studyid, usubjid, HistoryFacts(**row))


def mh_count(subjects) -> int:
    from history.models import MedicalHistory
    from review.sdtm_reading import in_scope

    return in_scope(MedicalHistory.objects.filter(voided_at__isnull=True), subjects).count()


MH = sdtm.SdtmDomain(
    domain="MH",
    label="Medical History",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "MHSEQ"),
    class_name="EVENTS",
    structure="One record per medical history event per subject",
    records=mh_records,
    position=62,
    count=mh_count,
    derivations={
        "MHSEQ": "The condition's number within the subject (never reused).",
        "MHDECOD": "The CTCAE v5.0 term chosen for the condition on the form, where one fits.",
        "MHENRTPT": "ONGOING when the form says the condition is ongoing.",
        "MHENTPT": "SCREENING when the form says the condition is ongoing.",
    },
    required=frozenset({"MHSEQ", "MHTERM"}),
    codelists={"MHDECOD": sdtm.CTCAE, "MHTOXGR": sdtm.TOXGR, "MHENRTPT": sdtm.STENRF},
)


# --- prior cancer therapy (SDTMIG 3.4: systemic therapy in CM, radiotherapy and surgery in PR,
# each with the category PRIOR CANCER THERAPY) ------------------------------------------------

PRIOR_CANCER_THERAPY = "PRIOR CANCER THERAPY"
# CMRSDISC / the CRF's reason stopped; "other" is the reason typed.
REASONS_STOPPED = {"progression": "PROGRESSION", "toxicity": "TOXICITY"}


@dataclass(frozen=True)
class SystemicLineFacts:
    sequence: int
    line_number: int
    regimen: str
    agents: str  # as typed: one per line, or separated by commas
    start_date: str
    end_date: str
    reason_stopped: str
    reason_stopped_other: str = ""


def line_cm_values(facts: SystemicLineFacts) -> list[dict]:
    """The CM values of one prior systemic line, without the identifiers and CMSEQ (the CM
    domain is medications.sdtm's, which numbers them with the medications): one record per
    agent, for coding (WHO Drug names agents, not regimens), tied together by CMGRPID; the
    regimen itself when no agent can be read from the text."""
    agents = agents_of(facts.agents) or [facts.regimen]
    reason = REASONS_STOPPED.get(facts.reason_stopped, facts.reason_stopped_other.strip())
    return [
        {
            "CMGRPID": f"LINE {facts.line_number}",
            "CMSPID": f"PTS{facts.sequence}",
            "CMTRT": agent,
            "CMCAT": PRIOR_CANCER_THERAPY,
            "CMRSDISC": reason or "OTHER",
            "CMSTDTC": partial_dtc(facts.start_date),
            "CMENDTC": partial_dtc(facts.end_date),
        }
        for agent in agents
    ]


def _live_therapy(model, subjects):
    from review.sdtm_reading import in_scope

    return in_scope(model.objects.filter(voided_at__isnull=True), subjects)


def systemic_lines(subjects) -> Iterator[tuple[str, SystemicLineFacts]]:
    """(subjid, facts) of the export's live prior systemic lines, by subjid (byte order, as
    review.sdtm_reading sorts) then line number."""
    from history.models import SystemicTherapyLine
    from review.sdtm_reading import subjid

    rows = (
        _live_therapy(SystemicTherapyLine, subjects)
        .annotate(subjid=subjid())
        .order_by("subjid", "line_number")
        .values("subjid", *(f.name for f in fields(SystemicLineFacts)))
    )
    for row in rows.iterator(2000):
        yield row.pop("subjid"), SystemicLineFacts(**row)


def systemic_line_count(subjects) -> int:
    from history.models import SystemicTherapyLine

    return _live_therapy(SystemicTherapyLine, subjects).count()


PR_VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("PRSEQ", "Sequence Number", sdtm.INTEGER),
    ("PRSPID", "Sponsor-Defined Identifier"),
    ("PRTRT", "Reported Name of Procedure"),
    ("PRCAT", "Category"),
    ("PRSCAT", "Subcategory"),
    ("PRDOSE", "Dose", sdtm.FLOAT),
    ("PRDOSU", "Dose Units"),
    ("PRLOC", "Location of Procedure"),
    ("PRLAT", "Laterality"),
    ("PRSTDTC", "Start Date/Time of Procedure"),
    ("PRENDTC", "End Date/Time of Procedure"),
)
PR_NAMES = tuple(v.name for v in PR_VARIABLES)
RADIOTHERAPY, SURGERY = "RADIOTHERAPY", "SURGERY"


@dataclass(frozen=True)
class RadiotherapyFacts:
    sequence: int
    site: str
    total_dose_gy: Decimal | None  # None when coded (UNK)
    start_date: str
    end_date: str


@dataclass(frozen=True)
class SurgeryFacts:
    sequence: int
    procedure: str
    surgery_date: str


def _location(text: str) -> tuple[str, str]:
    """PRLOC and PRLAT from the free text; no laterality without a location."""
    location, laterality = sdtm.location_terms(text)
    return location, laterality if location else ""


def radiotherapy_pr_record(key: sdtm.SubjectKey, seq: int, facts: RadiotherapyFacts) -> dict:
    """One course of prior radiotherapy: the total dose in Gy (none when coded UNK), the site
    irradiated as PRLOC/PRLAT where its text names a known organ."""
    location, laterality = _location(facts.site)
    dosed = facts.total_dose_gy is not None
    return sdtm.record(
        PR_VARIABLES,
        "PR",
        key,
        PRSEQ=seq,
        PRSPID=f"RT{facts.sequence}",
        PRTRT=RADIOTHERAPY,
        PRCAT=PRIOR_CANCER_THERAPY,
        PRSCAT=RADIOTHERAPY,
        PRDOSE=float(facts.total_dose_gy) if dosed else None,
        PRDOSU="Gy" if dosed else "",
        PRLOC=location,
        PRLAT=laterality,
        PRSTDTC=partial_dtc(facts.start_date),
        PRENDTC=partial_dtc(facts.end_date),
    )


def surgery_pr_record(key: sdtm.SubjectKey, seq: int, facts: SurgeryFacts) -> dict:
    """One prior cancer surgery, the procedure as typed, on one day (PRSTDTC only)."""
    location, laterality = _location(facts.procedure)
    return sdtm.record(
        PR_VARIABLES,
        "PR",
        key,
        PRSEQ=seq,
        PRSPID=f"SURGERY{facts.sequence}",
        PRTRT=facts.procedure,
        PRCAT=PRIOR_CANCER_THERAPY,
        PRSCAT=SURGERY,
        PRLOC=location,
        PRLAT=laterality,
        PRSTDTC=partial_dtc(facts.surgery_date),
    )


def pr_records(study, subjects) -> Iterator[dict]:
    """The live radiotherapy courses then surgeries of each subject, PRSEQ from 1, by
    USUBJID: two streamed queries merged."""
    from history.models import PriorRadiotherapy, PriorSurgery
    from review.sdtm_reading import subjid

    def stream(model, order, facts_type, build):
        rows = (
            _live_therapy(model, subjects)
            .annotate(subjid=subjid())
            .order_by("subjid", "sequence")
            .values("subjid", *(f.name for f in fields(facts_type)))
        )
        for row in rows.iterator(2000):
            yield row.pop("subjid"), order, build, facts_type(**row)

    merged = heapq.merge(
        stream(PriorRadiotherapy, 0, RadiotherapyFacts, radiotherapy_pr_record),
        stream(PriorSurgery, 1, SurgeryFacts, surgery_pr_record),
        key=lambda item: item[:2],
    )
    studyid = study.protocol_number
    for subject, items in itertools.groupby(merged, key=lambda item: item[0]):
        key = sdtm.subject_key(studyid, subject)
        for seq, (_subjid, _order, build, facts) in enumerate(items, start=1):
            yield build(key, seq, facts)


def pr_count(subjects) -> int:
    from history.models import PriorRadiotherapy, PriorSurgery

    return sum(_live_therapy(m, subjects).count() for m in (PriorRadiotherapy, PriorSurgery))


PR = sdtm.SdtmDomain(
    domain="PR",
    label="Procedures",
    variables=PR_VARIABLES,
    keys=("STUDYID", "USUBJID", "PRSEQ"),
    class_name="INTERVENTIONS",
    structure="One record per recorded procedure per occurrence per subject",
    records=pr_records,
    position=65,
    count=pr_count,
    derivations={
        "PRSEQ": "Counts the subject's prior radiotherapy courses then prior cancer surgeries.",
        "PRSPID": "The CRF record: RT<n> a radiotherapy course, SURGERY<n> a surgery (its "
        "number within the subject, never reused).",
        "PRLOC": "The anatomical location named by the site or procedure text, where one is.",
        "PRLAT": "The side named by the site or procedure text, with a location.",
    },
    assigned=frozenset({"PRCAT", "PRSCAT"}),
    required=frozenset({"PRSEQ", "PRTRT"}),
    codelists={"PRDOSU": sdtm.UNIT, "PRLOC": sdtm.LOC, "PRLAT": sdtm.LAT},
)
