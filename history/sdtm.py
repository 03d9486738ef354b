"""SDTM MH records of the medical history, as pure functions of plain values.

Not yet part of the SDTM export (exports.sdtm builds DM, IE, EX, AE, DS, SV, TU/TR/RS and
does not loop over the CRF registry): these builders give the MH rows that export is to write,
tested here. Partial dates are written at the precision known (ISO 8601, as SDTM --DTC
allows); a date given as a missing-data code is left empty, as SDTM leaves an unknown date.
"""

from dataclasses import dataclass

from trial.dates import as_partial, read_partial

# The variables of MH, in order (SDTMIG 3.4 MH, the ones this CRF collects).
MH_VARIABLES = (
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "MHSEQ",
    "MHTERM",
    "MHDECOD",
    "MHCAT",
    "MHTOXGR",
    "MHSTDTC",
    "MHENDTC",
    "MHENRTPT",
    "MHENTPT",
)
CATEGORY = "GENERAL MEDICAL HISTORY"


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


def partial_dtc(text: str) -> str:
    """An ISO 8601 --DTC of the precision typed; "" for an empty or coded date."""
    value = as_partial(read_partial(text))
    return value.iso() if value else ""


def mh_record(studyid: str, usubjid: str, facts: HistoryFacts) -> dict:
    """One MH row. An ongoing condition: MHENRTPT ONGOING relative to MHENTPT SCREENING.

    The baseline grade is MHTOXGR, empty when coded (UNK, ND). MHSTAT/MHREASND say a whole
    record was not done or not asked, which this CRF never records (a condition is entered
    or not), so they are not produced; a field's code stays in the CSV and ODM exports.
    """
    return {
        "STUDYID": studyid,
        "DOMAIN": "MH",
        "USUBJID": usubjid,
        "MHSEQ": facts.sequence,
        "MHTERM": facts.condition,
        "MHDECOD": facts.recorded_term,
        "MHCAT": CATEGORY,
        "MHTOXGR": str(facts.baseline_grade) if facts.baseline_grade is not None else "",
        "MHSTDTC": partial_dtc(facts.start_date),
        "MHENDTC": "" if facts.ongoing else partial_dtc(facts.end_date),
        "MHENRTPT": "ONGOING" if facts.ongoing else "",
        "MHENTPT": "SCREENING" if facts.ongoing else "",
    }
