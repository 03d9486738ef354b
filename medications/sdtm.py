"""SDTM CM: prior and concomitant medications, declared on their kind (medications.crf).

`cm_record` is a pure function of plain values; `cm_records` reads the live (not voided)
medications of the export's subjects for exports.sdtm_export. CMCAT is PRIOR or CONCOMITANT
from the first dose (medications.rules.timing), read when the export runs; dates at the
precision typed.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from medications.rules import Timing
from review import sdtm
from review.sdtm import partial_dtc, variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("CMSEQ", "Sequence Number", sdtm.INTEGER),
    ("CMTRT", "Reported Name of Drug, Med, or Therapy"),
    ("CMCAT", "Category for Medication"),
    ("CMINDC", "Indication"),
    ("CMDOSE", "Dose per Administration", sdtm.FLOAT),
    ("CMDOSU", "Dose Units"),
    ("CMDOSFRQ", "Dosing Frequency per Interval"),
    ("CMROUTE", "Route of Administration"),
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


def cm_record(studyid: str, usubjid: str, facts: MedicationFacts) -> dict:
    """One CM row. A dose coded UNK leaves CMDOSE empty (and its unit)."""
    return sdtm.record(
        VARIABLES,
        "CM",
        sdtm.SubjectKey(studyid, usubjid),
        CMSEQ=facts.sequence,
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


def _indication(row: dict) -> str:
    """The free text, else the linked AE's or condition's name as the site recorded it."""
    if row["indication"].strip():
        return row["indication"]
    return row["indication_ae__recorded_term"] or row["indication_history__condition"] or ""


def _live(subjects):
    from medications.models import ConcomitantMedication
    from review.sdtm_reading import in_scope

    return in_scope(ConcomitantMedication.objects.filter(voided_at__isnull=True), subjects)


def cm_records(study, subjects) -> Iterator[dict]:
    """The live medications of the export's subjects, by USUBJID then CMSEQ."""
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
    studyid = study.protocol_number
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
        yield cm_record(
            studyid,
            sdtm.subject_key(studyid, row["subjid"]).usubjid,
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


CM = sdtm.SdtmDomain(
    domain="CM",
    label="Concomitant/Prior Medications",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "CMSEQ"),
    class_name="INTERVENTIONS",
    structure="One record per recorded medication occurrence per subject",
    records=cm_records,
    position=64,
    count=lambda subjects: _live(subjects).count(),
    derivations={
        "CMSEQ": "The medication's number within the subject (never reused).",
        "CMCAT": (
            "PRIOR MEDICATION when it ended before the first dose (RFXSTDTC), CONCOMITANT "
            "MEDICATION when taken on or after it; null while it cannot be told."
        ),
        "CMINDC": "The indication typed, else the linked adverse event's or condition's term.",
        "CMENRTPT": "ONGOING when the form says the medication is ongoing.",
        "CMENTPT": "END OF STUDY when the form says the medication is ongoing.",
    },
    required=frozenset({"CMSEQ", "CMTRT"}),
    codelists={"CMDOSU": sdtm.UNIT, "CMROUTE": sdtm.ROUTE, "CMENRTPT": sdtm.STENRF},
)
