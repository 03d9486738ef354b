"""SDTM datasets still specified in exports (DM, DS): pure mappings.

No Django and no database: the caller reads the CRFs, passes plain facts (the dataclasses
below, dates already in the site's local time) and gets one dict per SDTM record, keyed by
the standard variable names of SDTMIG 3.4 (`SDTMIG_VERSION`) in dataset order. Dates are
ISO 8601; where CDISC controlled terminology exists (NY, NCOMPLT, ARMNULRS) the submission
value is used. Choices this module makes where the CRF is coarser than SDTM are documented
in docs/exports.md ("SDTM mapping"). EX is declared by the dosing app (dosing.sdtm), TU, TR
and RS by the tumours app (tumours.sdtm).

Study days (--DY) follow SDTMIG: the day of the first dose (RFSTDTC) is day 1, the day
before it is day -1; there is no day 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from review.sdtm import (  # noqa: F401 (the helpers, re-exported for the builders here)
    FLOAT,
    IDENTIFIERS,
    INTEGER,
    NO,
    SDTM_VERSION,
    SDTMIG_VERSION,
    TEXT,
    UNIT_TERMS,
    YES,
    SubjectKey,
    Variable,
    iso,
    iso_date_time,
    location_terms,
    record,
    study_day,
    subject_key,
    unit_term,
    variables,
    yes_no,
)

_vars = variables
_IDENTIFIERS = IDENTIFIERS

DATASET_LABELS = {
    "DM": "Demographics",
    "DS": "Disposition",
    "TS": "Trial Summary",
    "TA": "Trial Arms",
    "TE": "Trial Elements",
    "TV": "Trial Visits",
    "TI": "Trial Inclusion/Exclusion Criteria",
}

DOMAINS: dict[str, tuple[Variable, ...]] = {
    "DM": _vars(
        *_IDENTIFIERS,
        ("SUBJID", "Subject Identifier for the Study"),
        ("RFSTDTC", "Subject Reference Start Date/Time"),
        ("RFENDTC", "Subject Reference End Date/Time"),
        ("RFXSTDTC", "Date/Time of First Study Treatment"),
        ("RFXENDTC", "Date/Time of Last Study Treatment"),
        ("RFICDTC", "Date/Time of Informed Consent"),
        ("RFPENDTC", "Date/Time of End of Participation"),
        ("DTHDTC", "Date/Time of Death"),
        ("DTHFL", "Subject Death Flag"),
        ("SITEID", "Study Site Identifier"),
        ("BRTHDTC", "Date/Time of Birth"),
        ("AGE", "Age", INTEGER),
        ("AGEU", "Age Units"),
        ("SEX", "Sex"),
        ("RACE", "Race"),
        ("ETHNIC", "Ethnicity"),
        ("ARMCD", "Planned Arm Code"),
        ("ARM", "Description of Planned Arm"),
        ("ACTARMCD", "Actual Arm Code"),
        ("ACTARM", "Description of Actual Arm"),
        ("ARMNRS", "Reason Arm and/or Actual Arm is Null"),
        ("ACTARMUD", "Description of Unplanned Actual Arm"),
        ("COUNTRY", "Country"),
        ("DMDTC", "Date/Time of Collection"),
        ("DMDY", "Study Day of Collection", INTEGER),
    ),
    "DS": _vars(
        *_IDENTIFIERS,
        ("DSSEQ", "Sequence Number", INTEGER),
        ("DSTERM", "Reported Term for the Disposition Event"),
        ("DSDECOD", "Standardized Disposition Term"),
        ("DSCAT", "Category for Disposition Event"),
        ("EPOCH", "Epoch"),
        ("DSSTDTC", "Start Date/Time of Disposition Event"),
        ("DSSTDY", "Study Day of Start of Disposition Event", INTEGER),
    ),
}

# Trial design datasets (exports.sdtm_design): no subject, so no USUBJID.
DOMAINS |= {
    "TS": _vars(
        ("STUDYID", "Study Identifier"),
        ("DOMAIN", "Domain Abbreviation"),
        ("TSSEQ", "Sequence Number", INTEGER),
        ("TSPARMCD", "Trial Summary Parameter Short Name"),
        ("TSPARM", "Trial Summary Parameter"),
        ("TSVAL", "Parameter Value"),
        ("TSVALNF", "Parameter Null Flavor"),
        ("TSVALCD", "Parameter Value Code"),
        ("TSVCDREF", "Name of the Reference Terminology"),
        ("TSVCDVER", "Version of the Reference Terminology"),
    ),
    "TA": _vars(
        ("STUDYID", "Study Identifier"),
        ("DOMAIN", "Domain Abbreviation"),
        ("ARMCD", "Planned Arm Code"),
        ("ARM", "Description of Planned Arm"),
        ("TAETORD", "Planned Order of Element within Arm", INTEGER),
        ("ETCD", "Element Code"),
        ("ELEMENT", "Description of Element"),
        ("TABRANCH", "Branch"),
        ("TATRANS", "Transition Rule"),
        ("EPOCH", "Epoch"),
    ),
    "TE": _vars(
        ("STUDYID", "Study Identifier"),
        ("DOMAIN", "Domain Abbreviation"),
        ("ETCD", "Element Code"),
        ("ELEMENT", "Description of Element"),
        ("TESTRL", "Rule for Start of Element"),
        ("TEENRL", "Rule for End of Element"),
        ("TEDUR", "Planned Duration of Element"),
    ),
    "TV": _vars(
        ("STUDYID", "Study Identifier"),
        ("DOMAIN", "Domain Abbreviation"),
        ("VISITNUM", "Visit Number", INTEGER),
        ("VISIT", "Visit Name"),
        ("VISITDY", "Planned Study Day of Visit", INTEGER),
        ("ARMCD", "Planned Arm Code"),
        ("ARM", "Description of Planned Arm"),
        ("TVSTRL", "Visit Start Rule"),
        ("TVENRL", "Visit End Rule"),
    ),
    "TI": _vars(
        ("STUDYID", "Study Identifier"),
        ("DOMAIN", "Domain Abbreviation"),
        ("IETESTCD", "Incl/Excl Criterion Short Name"),
        ("IETEST", "Inclusion/Exclusion Criterion"),
        ("IECAT", "Inclusion/Exclusion Category"),
        ("TIRL", "Inclusion/Exclusion Criterion Rule"),
    ),
}

# Key variables of each dataset (define.xml KeySequence, Dataset-JSON keySequence): unique
# for every record. Subject datasets: the subject and --SEQ (SV: the visit; DM: the subject).
DATASET_KEYS: dict[str, tuple[str, ...]] = {
    "DM": ("STUDYID", "USUBJID"),
    "DS": ("STUDYID", "USUBJID", "DSSEQ"),
    "TS": ("STUDYID", "TSPARMCD", "TSSEQ"),
    "TA": ("STUDYID", "ARMCD", "TAETORD"),
    "TE": ("STUDYID", "ETCD"),
    "TV": ("STUDYID", "VISITNUM"),
    "TI": ("STUDYID", "IETESTCD"),
}

# --- controlled terminology (CDISC submission values) ----------------------------------------

# Codelist NCOMPLT (C66727) and the protocol milestone of the DS domain.
DISPOSITION_TERMS = {
    "consent": ("PROTOCOL MILESTONE", "INFORMED CONSENT OBTAINED"),
    "screen_failure": ("DISPOSITION EVENT", "SCREEN FAILURE"),
    "end_of_study": ("DISPOSITION EVENT", "COMPLETED"),
    "withdrawal": ("DISPOSITION EVENT", "WITHDRAWAL BY SUBJECT"),
    "lost_to_follow_up": ("DISPOSITION EVENT", "LOST TO FOLLOW-UP"),
    "death": ("DISPOSITION EVENT", "DEATH"),
}
# ISO 3166-1 alpha-2 (sites) -> alpha-3 (SDTM COUNTRY).
COUNTRIES = {
    "AT": "AUT", "AU": "AUS", "BE": "BEL", "BR": "BRA", "CA": "CAN", "CH": "CHE", "CN": "CHN",
    "CZ": "CZE", "DE": "DEU", "DK": "DNK", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GB": "GBR",
    "GR": "GRC", "HK": "HKG", "HU": "HUN", "IE": "IRL", "IL": "ISR", "IN": "IND", "IT": "ITA",
    "JP": "JPN", "KR": "KOR", "MX": "MEX", "NL": "NLD", "NO": "NOR", "NZ": "NZL", "PL": "POL",
    "PT": "PRT", "RU": "RUS", "SE": "SWE", "SG": "SGP", "TR": "TUR", "TW": "TWN", "US": "USA",
    "ZA": "ZAF",
}  # fmt: skip

# Codelist ARMNULRS (C142179): SDTMIG 3.4 leaves ARMCD/ARM (ACTARMCD/ACTARM) null and says
# why in ARMNRS, instead of the pseudo-arms SCRNFAIL / NOTASSGN / NOTTRT of SDTMIG 3.2.
SCREEN_FAILURE = "SCREEN FAILURE"
NOT_ASSIGNED = "NOT ASSIGNED"
NOT_TREATED = "ASSIGNED, NOT TREATED"
# Codelists RACE (C74457) and ETHNIC (C66790): the CRF stores these submission values.
RACE_TERMS = (
    "AMERICAN INDIAN OR ALASKA NATIVE",
    "ASIAN",
    "BLACK OR AFRICAN AMERICAN",
    "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER",
    "WHITE",
    "MULTIPLE",
    "NOT REPORTED",
    "UNKNOWN",
)
ETHNIC_TERMS = ("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED", "UNKNOWN")


# --- small helpers --------------------------------------------------------------------------


def age_in_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def demographic_term(code: str, terms: tuple[str, ...]) -> str:
    """The CRF's race or ethnicity code as its submission value ("not_reported" ->
    "NOT REPORTED"); "" when not collected."""
    term = code.replace("_", " ").upper()
    return term if term in terms else ""


def _record(domain: str, key: SubjectKey, **values) -> dict:
    return record(DOMAINS[domain], domain, key, **values)


# --- DM -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectFacts:
    studyid: str
    subjid: str
    site_code: str
    country: str  # ISO 3166-1 alpha-2
    sex: str  # "F" / "M"
    birth_date: date | None
    registered_on: date
    status: str  # trial.models.SubjectStatus value
    consent_at: datetime | None = None  # local time
    dose_level_code: str = ""
    dose_level_label: str = ""
    first_dose_at: datetime | date | None = None
    last_dose_at: datetime | date | None = None
    enrolled_at: datetime | None = None  # local time: the dose level's assignment
    end_of_participation: date | None = None
    death_date: date | None = None
    race: str = ""  # RACE submission value; "" not collected (subjects entered before it was)
    ethnicity: str = ""


def dm_record(facts: SubjectFacts) -> dict:
    """One DM record. SDTMIG 3.4: a screen failure or a subject not yet assigned has no
    arm (ARMCD/ARM/ACTARMCD/ACTARM null) and ARMNRS says why; an enrolled subject never
    dosed has a planned arm, no actual arm and ARMNRS "ASSIGNED, NOT TREATED".

    RFSTDTC and RFENDTC are required for every assigned subject (SDTMIG 3.4 DM): the first and
    last dose; for one assigned and not (yet) treated, the enrolment (when the dose level was
    assigned) and the end of participation, or the enrolment again while it goes on. RFXSTDTC
    and RFXENDTC stay the doses only, and study days count from the first dose."""
    key = subject_key(facts.studyid, facts.subjid)
    first = facts.first_dose_at
    start, end = first, facts.last_dose_at
    no_arm = ("", "")
    if facts.status == "screen_failed":
        arm, actual, reason = no_arm, no_arm, SCREEN_FAILURE
    elif not facts.dose_level_code:
        arm, actual, reason = no_arm, no_arm, NOT_ASSIGNED
    else:
        arm = (facts.dose_level_code, facts.dose_level_label or facts.dose_level_code)
        actual, reason = (arm, "") if first is not None else (no_arm, NOT_TREATED)
        if first is None:
            start = facts.enrolled_at
            end = facts.end_of_participation or facts.enrolled_at
    age_on = facts.consent_at.date() if facts.consent_at else facts.registered_on
    return _record(
        "DM",
        key,
        SUBJID=facts.subjid,
        RFSTDTC=iso(start),
        RFENDTC=iso(end),
        RFXSTDTC=iso(first),
        RFXENDTC=iso(facts.last_dose_at),
        RFICDTC=iso(facts.consent_at),
        RFPENDTC=iso(facts.end_of_participation),
        DTHDTC=iso(facts.death_date),
        DTHFL=YES if facts.death_date else "",
        SITEID=facts.site_code,
        BRTHDTC=iso(facts.birth_date),
        AGE=age_in_years(facts.birth_date, age_on) if facts.birth_date else None,
        AGEU="YEARS" if facts.birth_date else "",
        SEX=facts.sex if facts.sex in ("F", "M") else "U",
        RACE=facts.race,
        ETHNIC=facts.ethnicity,
        ARMCD=arm[0],
        ARM=arm[1],
        ACTARMCD=actual[0],
        ACTARM=actual[1],
        ARMNRS=reason,
        ACTARMUD="",
        COUNTRY=COUNTRIES.get(facts.country.upper(), facts.country.upper()),
        DMDTC=iso(facts.registered_on),
        DMDY=study_day(facts.registered_on, start),
    )


# --- DS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionFacts:
    kind: str  # consent, screen_failure, end_of_treatment, end_of_study, withdrawal, ...
    on: date | datetime
    term: str = ""  # the reason as recorded
    all_cycles_given: bool = False  # end of treatment only
    after_end_of_treatment: bool = False


def disposition_terms(facts: DispositionFacts) -> tuple[str, str, str]:
    """(DSCAT, DSDECOD, EPOCH). The CRF's end-of-treatment reason is free text, so a
    treatment ended before the last cycle is coded OTHER with the reason in DSTERM. A
    protocol milestone (informed consent) has no EPOCH."""
    if facts.kind == "end_of_treatment":
        decod = "COMPLETED" if facts.all_cycles_given else "OTHER"
        return "DISPOSITION EVENT", decod, "TREATMENT"
    category, decod = DISPOSITION_TERMS[facts.kind]
    if category == "PROTOCOL MILESTONE":
        epoch = ""  # SDTMIG: EPOCH is null for protocol milestones
    elif facts.kind == "screen_failure":
        epoch = "SCREENING"
    elif facts.kind == "end_of_study" or facts.after_end_of_treatment:
        epoch = "FOLLOW-UP"
    else:
        epoch = "TREATMENT"
    return category, decod, epoch


def ds_records(key: SubjectKey, events: Iterable[DispositionFacts]) -> list[dict]:
    records = []
    for event in sorted(events, key=lambda e: _as_datetime(e.on)):
        category, decod, epoch = disposition_terms(event)
        records.append(
            _record(
                "DS",
                key,
                DSSEQ=len(records) + 1,
                DSTERM=(event.term.strip() or decod)[:200],
                DSDECOD=decod,
                DSCAT=category,
                EPOCH=epoch,
                DSSTDTC=iso(event.on),
                DSSTDY=study_day(event.on, key.rfstdtc),
            )
        )
    return records


def _as_datetime(value: date | datetime) -> datetime:
    return (
        value.replace(tzinfo=None)
        if isinstance(value, datetime)
        else datetime.combine(value, time())
    )
