"""SDTM LB: the local lab results, declared on their kind (labs.crf), and their rows.

`lb_record` is a pure function of plain values (SDTMIG 3.4 LB); `lb_records` reads the live
(not voided) results of the export's subjects for exports.sdtm_export. What the record
carries was computed when the result was saved (labs.services): the value in the test's
standard unit (labs.units), the site's normal range in force on its date for the subject's
sex and age (labs.ranges), LOW/NORMAL/HIGH and the CTCAE v5.0 grade (labs.grading). A
categorical result (a urine dipstick) is its category in LBORRES and LBSTRESC, without unit
or numeric result, NORMAL or ABNORMAL against the test's normal categories.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from review import sdtm
from review.sdtm import variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("LBSEQ", "Sequence Number", sdtm.INTEGER),
    ("LBTESTCD", "Lab Test or Examination Short Name"),
    ("LBTEST", "Lab Test or Examination Name"),
    ("LBCAT", "Category for Lab Test"),
    ("LBORRES", "Result or Finding in Original Units"),
    ("LBORRESU", "Original Units"),
    ("LBORNRLO", "Reference Range Lower Limit in Orig Unit"),
    ("LBORNRHI", "Reference Range Upper Limit in Orig Unit"),
    ("LBSTRESC", "Character Result/Finding in Std Format"),
    ("LBSTRESN", "Numeric Result/Finding in Standard Units", sdtm.FLOAT),
    ("LBSTRESU", "Standard Units"),
    ("LBSTNRLO", "Reference Range Lower Limit-Std Units", sdtm.FLOAT),
    ("LBSTNRHI", "Reference Range Upper Limit-Std Units", sdtm.FLOAT),
    ("LBNRIND", "Reference Range Indicator"),
    ("LBNAM", "Vendor Name"),
    ("LBSPEC", "Specimen Type"),
    ("LBMETHOD", "Method of Test or Examination"),
    ("LBLOBXFL", "Last Observation Before Exposure Flag"),
    ("LBTOX", "Toxicity"),
    ("LBTOXGR", "Standard Toxicity Grade"),
    ("VISITNUM", "Visit Number", sdtm.INTEGER),
    ("VISIT", "Visit Name"),
    ("LBDTC", "Date/Time of Specimen Collection"),
    ("LBDY", "Study Day of Specimen Collection", sdtm.INTEGER),
)
# The CRF's panels as LBCAT.
CATEGORIES = {
    "haematology": "HEMATOLOGY",
    "chemistry": "CHEMISTRY",
    "coagulation": "COAGULATION",
    "urinalysis": "URINALYSIS",
}


@dataclass(frozen=True)
class LabFacts:
    test: str  # LBTESTCD (labs.units.TESTS)
    test_name: str  # LBTEST
    panel: str  # labs.models.Panel value
    collected_on: date
    collected_time: time | None
    value: Decimal | None  # as reported; None for a categorical result
    unit: str  # as reported
    standard_value: Decimal | None
    standard_unit: str
    # The site's range in force, in the standard unit; and as the laboratory gave it.
    normal_low: Decimal | None = None
    normal_high: Decimal | None = None
    range_low: Decimal | None = None
    range_high: Decimal | None = None
    range_unit: str = ""
    laboratory: str = ""
    range_indicator: str = ""  # LOW, NORMAL, HIGH; "" without a range
    grade: int | None = None  # None: not graded (no range in force)
    ctcae_term: str = ""
    visit_number: int | None = None
    visit_name: str = ""
    last_before_exposure: bool = False
    category: str = ""  # a categorical result (dipstick) as reported
    specimen: str = ""  # LBSPEC: URINE for the urinalysis
    method: str = ""  # LBMETHOD: DIPSTICK


def unit_text(unit: str) -> str:
    """A unit in ASCII, as CDISC's UNIT codelist writes it (µmol/L -> umol/L, /mm³ -> /mm3)."""
    return unit.strip().replace("µ", "u").replace("μ", "u").replace("³", "3")


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def lb_record(key: sdtm.SubjectKey, seq: int, lab: LabFacts) -> dict:
    """One result. The range in original units only where the laboratory gave it in the
    result's own unit (otherwise it is in the standard one, LBSTNRLO/LBSTNRHI). LBTOXGR is
    the grade a value alone gives (labs.grading; "0" within the grade 1 limit), null where no
    range was in force to grade it against. A categorical result is its category, in original
    and standard format alike, with no unit and no numeric result."""
    same_unit = lab.range_unit.strip() == lab.unit.strip()
    graded = lab.grade is not None
    return sdtm.record(
        VARIABLES,
        "LB",
        key,
        LBSEQ=seq,
        LBTESTCD=lab.test,
        LBTEST=lab.test_name,
        LBCAT=CATEGORIES.get(lab.panel, lab.panel.upper()),
        LBORRES=lab.category or sdtm.decimal_text(lab.value),
        LBORRESU=unit_text(lab.unit),
        LBORNRLO=sdtm.decimal_text(lab.range_low) if same_unit else "",
        LBORNRHI=sdtm.decimal_text(lab.range_high) if same_unit else "",
        LBSTRESC=lab.category or sdtm.decimal_text(lab.standard_value),
        LBSTRESN=_float(lab.standard_value),
        LBSTRESU=unit_text(lab.standard_unit),
        LBSTNRLO=_float(lab.normal_low),
        LBSTNRHI=_float(lab.normal_high),
        LBNRIND=lab.range_indicator,
        LBNAM=lab.laboratory,
        LBSPEC=lab.specimen,
        LBMETHOD=lab.method,
        LBLOBXFL=sdtm.YES if lab.last_before_exposure else "",
        LBTOX=lab.ctcae_term if graded else "",
        LBTOXGR=str(lab.grade) if graded else "",
        VISITNUM=lab.visit_number,
        VISIT=lab.visit_name,
        LBDTC=sdtm.iso_date_time(lab.collected_on, lab.collected_time),
        LBDY=sdtm.study_day(lab.collected_on, key.rfstdtc),
    )


def _live(subjects):
    from labs.models import LabResult
    from review.sdtm_reading import in_scope

    return in_scope(LabResult.objects.filter(voided_at__isnull=True), subjects)


def lb_records(study, subjects) -> Iterator[dict]:
    """The live results of the export's subjects, by USUBJID then collection time."""
    from labs.grading import CTCAE_TERMS
    from labs.units import TESTS
    from review.sdtm_reading import Keys, first_dose_on, reference_start, subjid

    keys = Keys(study.protocol_number)
    rows = (
        _live(subjects)
        .annotate(subjid=subjid(), rfst=reference_start(), rfx=first_dose_on())
        .order_by("subjid", "collected_on", "collected_time", "test", "id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "test",
            "panel",
            "collected_on",
            "collected_time",
            "value",
            "unit",
            "category",
            "standard_value",
            "standard_unit",
            "normal_low",
            "normal_high",
            "normal_range__low",
            "normal_range__high",
            "normal_range__unit",
            "normal_range__laboratory",
            "range_indicator",
            "grade",
            "visit__order",
            "visit__name",
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        results = list(group)
        baseline = sdtm.last_before_exposure(
            ((r["test"], r["collected_on"], False) for r in results), results[0]["rfx"]
        )
        for seq, row in enumerate(results, start=1):
            yield lb_record(
                keys(row),
                seq,
                LabFacts(
                    test=row["test"],
                    test_name=TESTS[row["test"]].name,
                    panel=row["panel"],
                    collected_on=row["collected_on"],
                    collected_time=row["collected_time"],
                    value=row["value"],
                    unit=row["unit"],
                    standard_value=row["standard_value"],
                    standard_unit=row["standard_unit"],
                    normal_low=row["normal_low"],
                    normal_high=row["normal_high"],
                    range_low=row["normal_range__low"],
                    range_high=row["normal_range__high"],
                    range_unit=row["normal_range__unit"] or "",
                    laboratory=row["normal_range__laboratory"] or "",
                    range_indicator=row["range_indicator"],
                    grade=row["grade"],
                    ctcae_term=CTCAE_TERMS.get(row["test"], ""),
                    visit_number=row["visit__order"],
                    visit_name=row["visit__name"],
                    last_before_exposure=seq - 1 in baseline,
                    category=row["category"],
                    specimen=TESTS[row["test"]].specimen,
                    method=TESTS[row["test"]].method,
                ),
            )


_STANDARD = (
    "The result converted to the test's standard unit (labs.units), rounded for display; a "
    "categorical result (dipstick) its category in LBSTRESC, LBSTRESN null."
)
_RANGE = (
    "The site laboratory's normal range in force on the collection date for the subject's sex "
    "and age (labs.ranges), in the standard unit."
)
_ORIGINAL_RANGE = "The site laboratory's range in force, where it is given in the result's unit."

LB = sdtm.SdtmDomain(
    domain="LB",
    label="Laboratory Test Results",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "LBSEQ"),
    class_name="FINDINGS",
    structure="One record per lab test per time point per visit per subject",
    records=lb_records,
    position=66,
    count=lambda subjects: _live(subjects).count(),
    derivations={
        "LBSTRESC": _STANDARD,
        "LBSTRESN": _STANDARD,
        "LBSTNRLO": _RANGE,
        "LBSTNRHI": _RANGE,
        "LBORNRLO": _ORIGINAL_RANGE,
        "LBORNRHI": _ORIGINAL_RANGE,
        "LBNAM": "The laboratory of the site's normal range in force.",
        "LBNRIND": (
            "LOW below LBSTNRLO, HIGH above LBSTNRHI, else NORMAL; null without a range. A "
            "dipstick: NORMAL for its normal categories (protein negative or trace; blood and "
            "glucose negative), else ABNORMAL."
        ),
        "LBLOBXFL": "Y on each test's last result collected on or before the first dose day.",
        "LBTOX": "The CTCAE v5.0 term the test is graded by (labs.grading).",
        "LBTOXGR": (
            "CTCAE v5.0 grade from the standard value, the range and, for creatinine, the "
            "baseline (labs.grading); null without a range in force. Proteinuria by dipstick "
            "from its category (1+ grade 1, 2+ and 3+ grade 2, 4+ grade 3)."
        ),
    },
    assigned=frozenset({"LBTEST", "LBCAT", "LBSTRESU", "LBSPEC", "LBMETHOD", "VISITNUM", "VISIT"}),
    required=frozenset({"LBSEQ", "LBTESTCD", "LBTEST"}),
    codelists={
        "LBTESTCD": sdtm.Codelist("CL.LBTESTCD", "Laboratory Test Code", "C65047"),
        "LBTEST": sdtm.Codelist("CL.LBTEST", "Laboratory Test Name", "C67154"),
        "LBORRESU": sdtm.UNIT,
        "LBSTRESU": sdtm.UNIT,
        "LBNRIND": sdtm.Codelist("CL.NRIND", "Reference Range Indicator", "C78736"),
        "LBSPEC": sdtm.Codelist("CL.SPECTYPE", "Specimen Type", "C78734"),
        "LBMETHOD": sdtm.METHOD,
        "LBLOBXFL": sdtm.NY,
        "LBTOX": sdtm.CTCAE,
        "LBTOXGR": sdtm.TOXGR,
    },
    value_level=("LBTESTCD", ("LBORRES", "LBSTRESC", "LBSTRESN"), False),
)
