"""SDTM CM records of prior and concomitant medications, as pure functions of plain values.

Not yet part of the SDTM export (exports.sdtm does not loop over the CRF registry): these
builders give the CM rows that export is to write, tested here. CMCAT is PRIOR or
CONCOMITANT from the first dose (medications.rules.timing); dates at the precision typed.
"""

from dataclasses import dataclass
from decimal import Decimal

from history.sdtm import partial_dtc
from medications.rules import Timing

CM_VARIABLES = (
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "CMSEQ",
    "CMTRT",
    "CMCAT",
    "CMINDC",
    "CMDOSE",
    "CMDOSU",
    "CMDOSFRQ",
    "CMROUTE",
    "CMSTDTC",
    "CMENDTC",
    "CMENRTPT",
    "CMENTPT",
)
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
    return {
        "STUDYID": studyid,
        "DOMAIN": "CM",
        "USUBJID": usubjid,
        "CMSEQ": facts.sequence,
        "CMTRT": facts.medication,
        "CMCAT": CATEGORIES.get(facts.timing, "") if facts.timing else "",
        "CMINDC": facts.indication,
        "CMDOSE": facts.dose,
        "CMDOSU": facts.dose_unit if facts.dose is not None else "",
        "CMDOSFRQ": facts.frequency,
        "CMROUTE": ROUTES.get(facts.route, ""),
        "CMSTDTC": partial_dtc(facts.start_date),
        "CMENDTC": "" if facts.ongoing else partial_dtc(facts.end_date),
        "CMENRTPT": "ONGOING" if facts.ongoing else "",
        "CMENTPT": "END OF STUDY" if facts.ongoing else "",
    }
