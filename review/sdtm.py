"""What a CRF app declares of its SDTM domains, and the pure helpers its row builders use.

A CRF kind's export specification (`review.export_spec.ExportSpec.sdtm`) lists the SDTM
domains it gives (`SdtmDomain`): the variables in dataset order (the one specification the
SAS transport file, the Dataset-JSON file and define.xml are written from), the keys, the
class and structure, what define.xml says beyond name and type (origins and derivations,
codelists, value-level metadata) and a reader giving the rows. exports.sdtm_export loops over
every registered domain (`review.records.sdtm_domains`), so no code outside a CRF's own app
names it.

The helpers below (dates, study days, the subject's key, CDISC terms shared by several
domains) have no Django and no database: a builder takes plain facts, dates already in the
site's local time, and returns one dict per record keyed by the SDTMIG 3.4 variable names.
Study days (--DY): the day of the first dose (RFSTDTC) is day 1, the day before it is day
-1; there is no day 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from trial.dates import as_partial, read_partial

TEXT, INTEGER, FLOAT = "text", "integer", "float"
SDTM_VERSION = "2.0"
SDTMIG_VERSION = "3.4"


@dataclass(frozen=True)
class Variable:
    """One SDTM variable: its name, label and type (text, integer or float)."""

    name: str
    label: str
    type: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.type != TEXT

    @property
    def temporal(self) -> bool:
        """An ISO 8601 date or date/time held as text (--DTC)."""
        return self.type == TEXT and self.name.endswith("DTC")


def variables(*specs) -> tuple[Variable, ...]:
    """Variables from (name, label[, type]) tuples."""
    return tuple(Variable(*spec) for spec in specs)


IDENTIFIERS = (
    ("STUDYID", "Study Identifier"),
    ("DOMAIN", "Domain Abbreviation"),
    ("USUBJID", "Unique Subject Identifier"),
)

# --- define.xml metadata ------------------------------------------------------------------

ASSIGNED, COLLECTED, DERIVED, PROTOCOL = "Assigned", "Collected", "Derived", "Protocol"


@dataclass(frozen=True)
class Origin:
    type: str
    source: str = ""  # Investigator, Sponsor, Subject, Vendor ("" for Protocol)
    method: str = ""  # how a derived value is computed


@dataclass(frozen=True)
class Codelist:
    oid: str
    name: str
    nci_code: str = ""  # the CDISC codelist's NCI code, where it is one
    dictionary: str = ""  # an external dictionary (ExternalCodeList) instead of values
    version: str = ""


# Codelists several domains use (one OID is one codelist in define.xml).
NY = Codelist("CL.NY", "No Yes Response", "C66742")
UNIT = Codelist("CL.UNIT", "Unit", "C71620")
LOC = Codelist("CL.LOC", "Anatomical Location", "C74456")
LAT = Codelist("CL.LAT", "Laterality", "C99073")
ROUTE = Codelist("CL.ROUTE", "Route of Administration", "C66729")
EPOCH = Codelist("CL.EPOCH", "Epoch")
STENRF = Codelist("CL.STENRF", "Relation to Reference Period")
TOXGR = Codelist("CL.TOXGR", "Toxicity Grade (CTCAE)")
ND = Codelist("CL.ND", "Not Done")
CTCAE = Codelist("CL.CTCAE", "CTCAE", dictionary="CTCAE", version="5.0")
# --METHOD: the tumour assessments' imaging (TU, TR) and the labs' dipstick (LB).
METHOD = Codelist("CL.METHOD", "Method", "C85492")

STUDY_DAY = (
    "Days from RFSTDTC: the date minus RFSTDTC plus 1 on or after RFSTDTC, the date minus "
    "RFSTDTC before it (there is no day 0)."
)
SEQUENCE = "Counts the subject's records from 1 in the dataset's order (USUBJID, date)."
USUBJID = "STUDYID, '-' and the subject number (the screening number before enrollment)."
# One text for EPOCH across the domains (one MethodDef in define.xml).
EPOCH_DERIVATION = (
    "From the dates: TREATMENT for doses; for AEs the CRF's period (pre-treatment "
    "SCREENING, treatment-emergent TREATMENT, post-treatment FOLLOW-UP); for dispositions "
    "the epoch the date falls in (null for protocol milestones)."
)


@dataclass(frozen=True, eq=False)  # holds mappings: compared (and hashed) by identity
class SdtmDomain:
    """One SDTM dataset a CRF app gives: its specification and the reader of its rows.

    `records(study, subjects)` yields one dict per record (the variables in order) for the
    subjects of the export (a queryset), sorted by USUBJID in byte order, --SEQ from 1 per
    subject. Variables not named in `derivations` or `assigned` are collected on the CRF by
    the site (define.xml origin Collected, Investigator); --SEQ and --DY say how they are
    derived without being named, USUBJID too.
    """

    domain: str
    label: str  # the dataset label (at most 40 characters)
    variables: tuple[Variable, ...]
    keys: tuple[str, ...]  # define.xml KeySequence, Dataset-JSON keySequence
    class_name: str  # FINDINGS, EVENTS, INTERVENTIONS, SPECIAL PURPOSE, TRIAL DESIGN
    structure: str  # "One record per ... per subject"
    records: Callable[[Any, Any], Iterator[dict]]
    # Where the dataset stands in the zip, define.xml and the manifest, lowest first.
    position: int
    # Roughly how many records the dataset holds, from the subjects queryset (progress).
    count: Callable[[Any], int] | None = None
    derivations: Mapping[str, str] = field(default_factory=dict)
    assigned: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    codelists: Mapping[str, Codelist] = field(default_factory=dict)
    # Where a test code decides what a result means: (the test code variable, the results
    # it qualifies, whether text results are coded); define.xml value-level metadata.
    value_level: tuple[str, tuple[str, ...], bool] | None = None
    # Value-level origins that differ from the variable's: (variable, test code) -> method.
    value_derivations: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # Trial design (reference) data: origin Protocol, IsReferenceData Yes.
    reference_data: bool = False
    repeating: bool = True  # DM: one record per subject

    def __post_init__(self):
        names = [v.name for v in self.variables]
        named = (
            set(self.derivations)
            | self.assigned
            | self.required
            | set(self.codelists)
            | set(self.keys)
            | {name for name, _testcd in self.value_derivations}
        )
        if self.value_level:
            named |= {self.value_level[0], *self.value_level[1]}
        if unknown := named - set(names):
            raise ValueError(f"{self.domain}: {sorted(unknown)} are not variables of it.")
        if len(self.label) > 40:
            raise ValueError(f"{self.domain}: the dataset label is over 40 characters.")

    def origin(self, name: str) -> Origin:
        if name in ("STUDYID", "DOMAIN"):
            return Origin(ASSIGNED, "Sponsor")
        method = self.derivations.get(name)
        if method is None and name == "USUBJID":
            method = USUBJID
        if method is None and name != "VISITDY":
            if name.endswith("SEQ"):
                method = SEQUENCE
            elif name.endswith("DY"):
                method = STUDY_DAY
        if method is not None:
            return Origin(DERIVED, "Sponsor", method)
        if self.reference_data:
            return Origin(PROTOCOL)
        if name in self.assigned:
            return Origin(ASSIGNED, "Sponsor")
        return Origin(COLLECTED, "Investigator")

    def value_origin(self, name: str, testcd: str) -> Origin:
        method = self.value_derivations.get((name, testcd))
        return Origin(DERIVED, "Sponsor", method) if method else self.origin(name)

    def is_required(self, name: str) -> bool:
        """The SDTMIG's Required variables (never null): STUDYID, DOMAIN, USUBJID always."""
        return name in self.required or name in ("STUDYID", "DOMAIN", "USUBJID")

    def codelist(self, name: str) -> Codelist | None:
        return self.codelists.get(name)


# --- the subject's key and a record -------------------------------------------------------


@dataclass(frozen=True)
class SubjectKey:
    """The identifiers every record of a subject carries, its reference start (RFSTDTC: study
    days count from it) and its first exposure (RFXSTDTC: what --LOBXFL is before)."""

    studyid: str
    usubjid: str
    rfstdtc: date | None = None
    rfxstdtc: date | None = None


def subject_key(
    studyid: str, subjid: str, rfstdtc: date | None = None, rfxstdtc: date | None = None
) -> SubjectKey:
    return SubjectKey(
        studyid=studyid, usubjid=f"{studyid}-{subjid}", rfstdtc=rfstdtc, rfxstdtc=rfxstdtc
    )


def record(specification: tuple[Variable, ...], domain: str, key: SubjectKey, **values) -> dict:
    """A record of `domain` with every variable of its specification, in order: text left
    empty is "", a number left empty None; a name outside the specification is an error."""
    base = {"STUDYID": key.studyid, "DOMAIN": domain, "USUBJID": key.usubjid}
    row = {}
    for variable in specification:
        if variable.name in base:
            row[variable.name] = base[variable.name]
        else:
            value = values.pop(variable.name, None)
            row[variable.name] = ("" if value is None else value) if not variable.numeric else value
    if values:
        raise KeyError(f"not {domain} variables: {sorted(values)}")
    return row


# --- dates ----------------------------------------------------------------------------------


def iso(value: date | datetime | None) -> str:
    """ISO 8601 as SDTM writes it: a date, or a local date and time to the minute."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    return value.isoformat()


def iso_date_time(day: date | None, at: time | None) -> str:
    if day is None:
        return ""
    return iso(datetime.combine(day, at)) if at is not None else day.isoformat()


def partial_dtc(text: str) -> str:
    """An ISO 8601 --DTC of the precision typed (2019, 2019-03); "" for an empty or coded
    date (trial.dates: UNK, NASK ...), as SDTM leaves an unknown date."""
    value = as_partial(read_partial(text))
    return value.iso() if value else ""


def study_day(day: date | datetime | None, reference: date | datetime | None) -> int | None:
    """SDTMIG study day: RFSTDTC is day 1, the day before is -1; no day 0."""
    if day is None or reference is None:
        return None
    if isinstance(day, datetime):
        day = day.date()
    if isinstance(reference, datetime):
        reference = reference.date()
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


def before_exposure(on: date | None, first_dose: date | datetime | None) -> str:
    """--LOBXFL: "Y" on the baseline observation when it precedes the first dose (on or
    before its day); null when there is no dose (no exposure to be before)."""
    if on is None or first_dose is None:
        return ""
    if isinstance(first_dose, datetime):
        first_dose = first_dose.date()
    return YES if on <= first_dose else ""


def decimal_text(value: Decimal | None) -> str:
    """A stored decimal as it was written: 1.5000 -> "1.5", 1500 -> "1500" (--ORRES)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def last_before_exposure(
    observations: Iterable[tuple[str, date | None, bool]], first_dose: date | None
) -> set[int]:
    """--LOBXFL per test: the indexes of each test's last observation before the first dose.
    `observations` are (test, date, taken after that day's dose) in time order: on the first
    dose day an observation is before it unless it is a post-dose time point (a result dated
    that day alone is the baseline collected for it). None without a first dose (SDTMIG:
    --LOBXFL needs an exposure)."""
    last: dict[str, int] = {}
    for index, (test, on, after_dose) in enumerate(observations):
        if before_exposure(on, first_dose) and not (after_dose and on == first_dose):
            last[test] = index
    return set(last.values())


# --- controlled terminology shared by several domains ----------------------------------------

YES, NO = "Y", "N"


def yes_no(flag: bool) -> str:
    return YES if flag else NO


# Codelist UNIT (C71620): SAS transport files are ASCII, and CDISC writes micro as "u".
UNIT_TERMS = {"µg": "ug", "μg": "ug", "mcg": "ug", "mg": "mg", "g": "g", "mL": "mL", "ml": "mL"}


def unit_term(unit: str) -> str:
    return UNIT_TERMS.get(unit.strip(), unit.strip())


METHOD_TERMS = {"CT": "CT SCAN", "MRI": "MRI", "PET-CT": "PET/CT SCAN", "X-RAY": "X-RAY"}

# Codelist LOC (C74456) for the organ or site of a lesion, found by a word of the CRF's free
# text (first match wins: "lymph node of the neck" is LYMPH NODE); laterality, codelist LAT
# (C99073), from "left" / "right" / "bilateral". Text with no known organ gives no --LOC.
LOCATION_WORDS = (
    (("lymph", "node"), "LYMPH NODE"),
    (("liver", "hepatic"), "LIVER"),
    (("lung", "pulmonary"), "LUNG"),
    (("adrenal",), "ADRENAL GLAND"),
    (("soft tissue",), "SOFT TISSUE"),
    (("subcutaneous",), "SUBCUTANEOUS TISSUE"),
    (("skin", "cutaneous"), "SKIN"),
    (("bone",), "BONE"),
    (("brain",), "BRAIN"),
    (("kidney", "renal"), "KIDNEY"),
    (("peritone",), "PERITONEUM"),
    (("pleura",), "PLEURA"),
    (("breast",), "BREAST"),
    (("pancrea",), "PANCREAS"),
    (("spleen", "splenic"), "SPLEEN"),
    (("stomach", "gastric"), "STOMACH"),
    (("colon",), "COLON"),
    (("thyroid",), "THYROID GLAND"),
    (("tongue",), "TONGUE"),
)
LATERALITY_WORDS = (("bilateral", "BILATERAL"), ("left", "LEFT"), ("right", "RIGHT"))


def location_terms(*texts: str) -> tuple[str, str]:
    """(LOC, LAT) submission values read from free text ("Left cervical node" ->
    ("LYMPH NODE", "LEFT")); "" where the text names no known organ or side."""
    words = " ".join(t.lower() for t in texts if t)
    location = next((loc for keys, loc in LOCATION_WORDS if any(k in words for k in keys)), "")
    tokens = set(re.findall(r"[a-z]+", words))
    laterality = next((lat for word, lat in LATERALITY_WORDS if word in tokens), "")
    return location, laterality
