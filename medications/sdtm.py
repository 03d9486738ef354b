"""SDTM CM: prior and concomitant medications and prior systemic cancer therapy, one domain
declared on the medications kind (medications.crf) and read from both apps.

`cm_record` and `line_cm_records` are pure functions of plain values; `cm_records` reads the
live (not voided) records of the export's subjects for exports.sdtm_export. CMCAT is PRIOR or
CONCOMITANT MEDICATION from the first dose (medications.rules.timing), read when the export
runs, and PRIOR CANCER THERAPY for the history app's systemic lines (SDTMIG 3.4 CM: a category
of the interventions; radiotherapy and surgery are in PR, history.sdtm). Dates at the
precision typed. CM is declared here alone: the history app stands below this one and cannot
read medications, so this app builds the one CM from the history app's builder and reader
(history.sdtm.line_cm_values, systemic_lines).
"""

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from history.sdtm import SystemicLineFacts, line_cm_values, systemic_line_count, systemic_lines
from medications.rules import Timing
from review import sdtm
from review.sdtm import partial_dtc, variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("CMSEQ", "Sequence Number", sdtm.INTEGER),
    ("CMGRPID", "Group ID"),
    ("CMSPID", "Sponsor-Defined Identifier"),
    ("CMTRT", "Reported Name of Drug, Med, or Therapy"),
    ("CMCAT", "Category for Medication"),
    ("CMINDC", "Indication"),
    ("CMDOSE", "Dose per Administration", sdtm.FLOAT),
    ("CMDOSU", "Dose Units"),
    ("CMDOSFRQ", "Dosing Frequency per Interval"),
    ("CMROUTE", "Route of Administration"),
    ("CMRSDISC", "Reason the Intervention Was Discontinued"),
    ("CMSTDTC", "Start Date/Time of Medication"),
    ("CMENDTC", "End Date/Time of Medication"),
    ("CMENRTPT", "End Relative to Reference Time Point"),
    ("CMENTPT", "End Reference Time Point"),
)
CM_VARIABLES = tuple(v.name for v in VARIABLES)
CATEGORIES = {
    Timing.PRIOR: "PRIOR MEDICATION",
    Timing.CONCOMITANT: "CONCOMITANT MEDICATION",
}
# CDISC Route of Administration terms (C66729).
ROUTES = {
    "oral": "ORAL",
    "intravenous": "INTRAVENOUS",
    "subcutaneous": "SUBCUTANEOUS",
    "intramuscular": "INTRAMUSCULAR",
    "topical": "TOPICAL",
    "inhaled": "RESPIRATORY (INHALATION)",
    "other": "",
}


@dataclass(frozen=True)
class MedicationFacts:
    sequence: int
    medication: str
    indication: str  # the free text, or what the linked AE or condition is called
    dose: Decimal | None
    dose_unit: str
    frequency: str
    route: str
    start_date: str
    ongoing: bool
    end_date: str
    timing: Timing | None


def cm_record(studyid: str, usubjid: str, seq: int, facts: MedicationFacts) -> dict:
    """One CM row of a medication, CMSEQ `seq`, CMSPID its number within the subject. A
    dose coded UNK leaves CMDOSE empty (and its unit)."""
    return sdtm.record(
        VARIABLES,
        "CM",
        sdtm.SubjectKey(studyid, usubjid),
        CMSEQ=seq,
        CMSPID=f"CM{facts.sequence}",
        CMTRT=facts.medication,
        CMCAT=CATEGORIES.get(facts.timing, "") if facts.timing else "",
        CMINDC=facts.indication,
        CMDOSE=float(facts.dose) if facts.dose is not None else None,
        CMDOSU=sdtm.unit_term(facts.dose_unit) if facts.dose is not None else "",
        CMDOSFRQ=facts.frequency,
        CMROUTE=ROUTES.get(facts.route, ""),
        CMSTDTC=partial_dtc(facts.start_date),
        CMENDTC="" if facts.ongoing else partial_dtc(facts.end_date),
        CMENRTPT="ONGOING" if facts.ongoing else "",
        CMENTPT="END OF STUDY" if facts.ongoing else "",
    )


def line_cm_records(studyid: str, usubjid: str, first_seq: int, facts: SystemicLineFacts):
    """The CM rows of one prior systemic line (one per agent), CMSEQ from `first_seq`."""
    key = sdtm.SubjectKey(studyid, usubjid)
    return [
        sdtm.record(VARIABLES, "CM", key, CMSEQ=seq, **values)
        for seq, values in enumerate(line_cm_values(facts), start=first_seq)
    ]


def _indication(row: dict) -> str:
    """The free text, else the linked AE's or condition's name as the site recorded it."""
    if row["indication"].strip():
        return row["indication"]
    return row["indication_ae__recorded_term"] or row["indication_history__condition"] or ""


def _live(subjects):
    from medications.models import ConcomitantMedication
    from review.sdtm_reading import in_scope

    return in_scope(ConcomitantMedication.objects.filter(voided_at__isnull=True), subjects)


def _medications(subjects) -> Iterator[tuple[str, MedicationFacts]]:
    """(subjid, facts) of the live medications, by subjid then sequence."""
    from medications import rules
    from review.sdtm_reading import first_dose_on, subjid

    rows = (
        _live(subjects)
        .annotate(subjid=subjid(), rfst=first_dose_on())
        .order_by("subjid", "sequence")
        .values(
            "subjid",
            "rfst",
            "sequence",
            "medication",
            "indication",
            "indication_ae__recorded_term",
            "indication_history__condition",
            "dose",
            "dose_unit",
            "frequency",
            "route",
            "start_date",
            "ongoing",
            "end_date",
        )
    )
    for row in rows.iterator(2000):
        timing = rules.timing(
            rules.MedicationFacts(
                medication=row["medication"],
                start=row["start_date"],
                ongoing=row["ongoing"],
                end=row["end_date"],
            ),
            row["rfst"],
        )
        yield (
            row["subjid"],
            MedicationFacts(
                sequence=row["sequence"],
                medication=row["medication"],
                indication=_indication(row),
                dose=row["dose"],
                dose_unit=row["dose_unit"],
                frequency=row["frequency"],
                route=row["route"],
                start_date=row["start_date"],
                ongoing=row["ongoing"],
                end_date=row["end_date"],
                timing=timing,
            ),
        )


PRIOR_THERAPY, MEDICATION = 0, 1  # the order of a subject's records


def cm_records(study, subjects) -> Iterator[dict]:
    """Each subject's prior systemic lines (by line number) then medications (by number),
    CMSEQ from 1, by USUBJID: two streamed queries merged."""
    merged = heapq.merge(
        ((subject, PRIOR_THERAPY, facts) for subject, facts in systemic_lines(subjects)),
        ((subject, MEDICATION, facts) for subject, facts in _medications(subjects)),
        key=lambda item: item[:2],
    )
    studyid = study.protocol_number
    for subject, items in itertools.groupby(merged, key=lambda item: item[0]):
        usubjid = sdtm.subject_key(studyid, subject).usubjid
        seq = 1
        for _subject, source, facts in items:
            if source == PRIOR_THERAPY:
                rows = line_cm_records(studyid, usubjid, seq, facts)
            else:
                rows = [cm_record(studyid, usubjid, seq, facts)]
            yield from rows
            seq += len(rows)


def cm_count(subjects) -> int:
    return _live(subjects).count() + systemic_line_count(subjects)


CM = sdtm.SdtmDomain(
    domain="CM",
    label="Concomitant/Prior Medications",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "CMSEQ"),
    class_name="INTERVENTIONS",
    structure="One record per recorded intervention occurrence per subject",
    records=cm_records,
    position=64,
    count=cm_count,
    derivations={
        "CMSEQ": (
            "Counts the subject's records from 1: the prior systemic lines (by line number, "
            "one record per agent), then the medications (by their number)."
        ),
        "CMGRPID": "LINE <n>: the agents of one prior systemic line, its line number.",
        "CMSPID": (
            "The CRF record: CM<n> a medication, PTS<n> a prior systemic line (its number "
            "within the subject, never reused)."
        ),
        "CMCAT": (
            "PRIOR CANCER THERAPY for a prior systemic line; for a medication PRIOR "
            "MEDICATION when it ended before the first dose (RFXSTDTC), CONCOMITANT "
            "MEDICATION when taken on or after it, null while it cannot be told."
        ),
        "CMINDC": "The indication typed, else the linked adverse event's or condition's term.",
        "CMENRTPT": "ONGOING when the form says the medication is ongoing.",
        "CMENTPT": "END OF STUDY when the form says the medication is ongoing.",
    },
    required=frozenset({"CMSEQ", "CMTRT"}),
    codelists={"CMDOSU": sdtm.UNIT, "CMROUTE": sdtm.ROUTE, "CMENRTPT": sdtm.STENRF},
)
