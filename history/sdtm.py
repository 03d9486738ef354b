"""SDTM MH: the medical history's domain, declared on its kind (history.crf), and its rows.

`mh_record` is a pure function of plain values; `mh_records` reads the live (not voided)
conditions of the export's subjects for exports.sdtm_export. Partial dates are written at
the precision known (ISO 8601, as SDTM --DTC allows); a date given as a missing-data code is
left empty, as SDTM leaves an unknown date.
"""

from collections.abc import Iterator
from dataclasses import dataclass

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
