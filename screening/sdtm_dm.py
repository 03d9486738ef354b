"""SDTM DM: one record per subject registered, declared on the consent kind (screening.crf),
since the demographics are entered at registration and consent (screening.forms).

`dm_record` is a pure function of plain facts (dates in the site's local time); `read_dm`
reads the export's subjects in one streamed query. The reference dates come from the doses
given and the dispositions, which screening may not import (dosing is a sibling,
dispositions a floor above): their apps give the annotations through trial.hooks
("exposure_times", dosing.sdtm; "participation_end", dispositions.sdtm). Choices made where
the CRF is coarser than SDTM are in docs/exports.md ("SDTM mapping").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F

from review import sdtm
from review.sdtm import INTEGER, NY, YES, Codelist, iso, record, study_day, subject_key
from review.sdtm_reading import combine, local, subjid
from trial import hooks

VARIABLES = sdtm.variables(
    *sdtm.IDENTIFIERS,
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
)

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


def age_in_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def demographic_term(code: str, terms: tuple[str, ...]) -> str:
    """The CRF's race or ethnicity code as its submission value ("not_reported" ->
    "NOT REPORTED"); "" when not collected."""
    term = code.replace("_", " ").upper()
    return term if term in terms else ""


def arm_label(product: str, code: str, amount, unit: str) -> str:
    """ARM (DM, TA): the dose level and its dose, "DL1 25 ug IL-22BP/LNP"."""
    amount = format(amount.normalize(), "f") if amount is not None else ""
    unit = sdtm.unit_term(unit or "")
    return f"{code} {amount} {unit} {product}".replace("  ", " ").strip()


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
    return record(
        VARIABLES,
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


def read_dm(study, subjects) -> Iterator[dict]:
    """The export's subjects, by USUBJID. The dates are the subject's stored ones; the times
    those of the doses given on them."""
    rows = (
        subjects.annotate(
            subjid=subjid(""),
            first_on=F("first_dose_on"),
            last_on=F("last_dose_on"),
            **hooks.call("exposure_times"),
            **hooks.call("participation_end"),
        )
        .order_by("subjid")
        .values(
            "subjid",
            "site__code",
            "site__country",
            "sex",
            "date_of_birth",
            "race",
            "ethnicity",
            "created_at",
            "status",
            "consent__signed_at",
            "enrolled_at",
            "eligibility__screen_failed_at",
            "dose_level__code",
            "dose_level__dose_amount",
            "dose_level__dose_unit",
            "first_on",
            "first_time",
            "last_on",
            "last_time",
            "death_on",
            "ended_on",
        )
    )
    for row in rows.iterator(2000):
        level = row["dose_level__code"] or ""
        label = ""
        if level:
            label = arm_label(
                study.product, level, row["dose_level__dose_amount"], row["dose_level__dose_unit"]
            )
        ended = row["ended_on"]
        if ended is None and row["eligibility__screen_failed_at"]:
            ended = local(row["eligibility__screen_failed_at"]).date()
        yield dm_record(
            SubjectFacts(
                studyid=study.protocol_number,
                subjid=row["subjid"],
                site_code=row["site__code"],
                country=row["site__country"] or "",
                sex=row["sex"],
                birth_date=row["date_of_birth"],
                registered_on=local(row["created_at"]).date(),
                status=row["status"],
                consent_at=local(row["consent__signed_at"]),
                dose_level_code=level,
                dose_level_label=label,
                first_dose_at=combine(row["first_on"], row["first_time"]),
                last_dose_at=combine(row["last_on"], row["last_time"]),
                enrolled_at=local(row["enrolled_at"]),
                end_of_participation=ended,
                death_date=row["death_on"],
                race=demographic_term(row["race"], RACE_TERMS),
                ethnicity=demographic_term(row["ethnicity"], ETHNIC_TERMS),
            )
        )


DM = sdtm.SdtmDomain(
    domain="DM",
    label="Demographics",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID"),
    class_name="SPECIAL PURPOSE",
    structure="One record per subject",
    records=read_dm,
    position=10,
    derivations={
        "RFSTDTC": (
            "Date/time of the first dose given (EX); for a subject assigned a dose level and "
            "not (yet) treated, the enrolment."
        ),
        "RFXSTDTC": "Date/time of the first dose given (EX).",
        "RFENDTC": (
            "Date/time of the last dose given (EX); for a subject assigned a dose level and "
            "not (yet) treated, the end of participation (RFPENDTC), else the enrolment."
        ),
        "RFXENDTC": "Date/time of the last dose given (EX).",
        "RFICDTC": "Date/time the informed consent was signed (consent form).",
        "RFPENDTC": (
            "Date of the last disposition ending participation (end of study, withdrawal, "
            "lost to follow-up, death), else of the screen failure."
        ),
        "DTHDTC": "Date of the death disposition.",
        "DTHFL": "Y when a death disposition is recorded.",
        "AGE": "Whole years from BRTHDTC to the date of informed consent.",
        "ACTARMCD": "The planned arm when at least one dose was given, else null.",
        "ACTARM": "The planned arm when at least one dose was given, else null.",
        "ARMNRS": (
            "SCREEN FAILURE for a screen failure, NOT ASSIGNED before a dose level is "
            "assigned, ASSIGNED, NOT TREATED when no dose was given."
        ),
        "COUNTRY": "The site's country as ISO 3166-1 alpha-3.",
        "DMDTC": "Date the subject was registered for screening.",
    },
    assigned=frozenset({"SUBJID", "SITEID", "ARMCD", "ARM", "ACTARMUD", "AGEU"}),
    required=frozenset({"SUBJID", "SITEID", "SEX", "COUNTRY"}),
    codelists={
        "DTHFL": NY,
        "SEX": Codelist("CL.SEX", "Sex", "C66731"),
        "AGEU": Codelist("CL.AGEU", "Age Unit", "C66781"),
        "RACE": Codelist("CL.RACE", "Race", "C74457"),
        "ETHNIC": Codelist("CL.ETHNIC", "Ethnic Group", "C66790"),
        "COUNTRY": Codelist("CL.COUNTRY", "Country", dictionary="ISO 3166", version="2020"),
        "ARMNRS": Codelist("CL.ARMNULRS", "Arm Null Reason", "C142179"),
    },
    repeating=False,
)
