"""Eligibility rules of the IL-22BP/LNP phase I protocol (synopsis: 8 inclusion, 12 exclusion).

Pure functions on plain values: no Django, no database, no clock. The caller passes the facts
recorded at screening and the thresholds from the study configuration, and gets one finding
per criterion (met, failed or missing) with a reason a person can read.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"


class Outcome(StrEnum):
    MET = "met"
    FAILED = "failed"
    MISSING = "missing"


class Criterion(NamedTuple):
    code: str
    title: str
    protocol_text: str


# Synopsis wording, word for word, in synopsis order.
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "IN1",
        "Age",
        "Male or female patients: aged ≥ 18 years old and ≤ 70 years old;",
    ),
    Criterion(
        "IN2",
        "Refractory advanced solid tumour",
        "Patients with histopathologically confirmed, refractory to second-line treatment, "
        "advanced recurrent/metastatic malignant solid tumors and without standard clinical "
        "treatment regimens (such as patients with advanced soft tissue sarcoma, advanced head "
        "and neck squamous cell carcinoma, malignant melanoma, etc.);",
    ),
    Criterion(
        "IN3",
        "ECOG performance status",
        "Eastern Cooperative Oncology Group (ECOG) performance status score: 0 - 1;",
    ),
    Criterion("IN4", "Expected survival", "Expected survival time ≥ 3 months;"),
    Criterion(
        "IN5",
        "Washout after chemotherapy, radiotherapy or surgery",
        "More than 28 days since the last chemotherapy/radiotherapy/surgery;",
    ),
    Criterion(
        "IN6",
        "Washout after nitrosoureas or mitomycin C",
        "More than 6 weeks since the last use of nitrosoureas or mitomycin C;",
    ),
    Criterion("IN7", "Organ function", "Main organ functions are in good condition;"),
    Criterion("IN8", "Informed consent", "Sign a written informed consent form."),
    Criterion(
        "EX1",
        "Recent participation in another drug trial",
        "Have participated in other drug clinical trials within 4 weeks;",
    ),
    Criterion(
        "EX2",
        "Tumour near major vessels or trachea",
        "The tumor is located close to major blood vessels or the trachea;",
    ),
    Criterion(
        "EX3",
        "Uncontrolled cardiac disease",
        "Patients with uncontrolled cardiac clinical symptoms or diseases, such as heart failure "
        "of NYHA class II or above, unstable angina pectoris, having had a myocardial infarction "
        "within 1 year, and having clinically significant supraventricular or ventricular "
        "arrhythmias that require treatment or intervention.",
    ),
    Criterion(
        "EX4",
        "Pregnancy or lactation",
        "For female subjects: pregnant or lactating women.",
    ),
    Criterion(
        "EX5",
        "Active infection",
        "Patients have active tuberculosis, bacterial or fungal infections (≥ grade 2 of "
        "NCI-CTCAE 5.0); have active HIV infection, active HBV infection, or HCV infection.",
    ),
    Criterion(
        "EX6",
        "Psychotropic drug abuse or mental disorder",
        "Those with a history of psychotropic drug abuse who are unable to quit or have mental "
        "disorders;",
    ),
    Criterion(
        "EX7",
        "Autoimmune disease",
        "Subjects have any active autoimmune diseases or a history of autoimmune diseases (such "
        "as, but not limited to: uveitis, enteritis, hypophysitis, nephritis, hyperthyroidism, "
        "hypothyroidism; subjects with vitiligo or those whose asthma in childhood has been "
        "completely relieved and who do not require any intervention in adulthood can be "
        "included; subjects with asthma that requires bronchodilators for medical intervention "
        "cannot be included).",
    ),
    Criterion(
        "EX8",
        "Immunosuppressive treatment",
        "Subjects are currently receiving immunosuppressive treatment.",
    ),
    Criterion(
        "EX9",
        "Drug or alcohol abuse",
        "Have a history of drug abuse or known medical, psychological, or social conditions, "
        "such as a history of alcoholism or drug use.",
    ),
    Criterion(
        "EX10",
        "Allergy",
        "Known to be allergic, hypersensitive, or intolerant to the studied IL-22BP/LNP "
        "(including any excipients). Have a severe allergy history to any drugs, foods, or "
        "vaccines in the past, such as anaphylactic shock, allergic laryngeal edema, allergic "
        "dyspnea, allergic purpura, thrombocytopenic purpura, local allergic necrotizing "
        "reaction (Arthus reaction), etc.",
    ),
    Criterion(
        "EX11",
        "Pregnancy plans",
        "From the screening period to 12 months after the completion of drug injection, female "
        "subjects have pregnancy plans or the partners of male subjects have pregnancy plans.",
    ),
    Criterion(
        "EX12",
        "Investigator's judgement",
        "According to the investigator's judgment, there are concomitant diseases that "
        "seriously endanger patient safety or affect the patient's completion of the study.",
    ),
)
_TITLES = {criterion.code: criterion.title for criterion in CRITERIA}

SEXES: tuple[tuple[str, str], ...] = (("F", "Female"), ("M", "Male"))
PREGNANCY_TEST_RESULTS: tuple[tuple[str, str], ...] = (
    ("negative", "Negative"),
    ("positive", "Positive"),
    ("not_done", "Not done"),
)
AUTOIMMUNE_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("vitiligo", "Vitiligo"),
    (
        "childhood_asthma_resolved",
        "Childhood asthma, completely relieved, no intervention in adulthood",
    ),
    ("asthma_bronchodilators", "Asthma requiring bronchodilators"),
    ("uveitis", "Uveitis"),
    ("enteritis", "Enteritis"),
    ("hypophysitis", "Hypophysitis"),
    ("nephritis", "Nephritis"),
    ("hyperthyroidism", "Hyperthyroidism"),
    ("hypothyroidism", "Hypothyroidism"),
    ("other", "Other autoimmune disease"),
)
# Synopsis, exclusion 7: vitiligo and childhood asthma relieved without adult intervention
# "can be included"; asthma needing bronchodilators cannot.
AUTOIMMUNE_EXCEPTIONS: tuple[tuple[str, str], ...] = tuple(
    (code, label)
    for code, label in AUTOIMMUNE_CONDITIONS
    if code in {"vitiligo", "childhood_asthma_resolved"}
)
SEVERE_ALLERGY_KINDS: tuple[tuple[str, str], ...] = (
    ("anaphylactic_shock", "Anaphylactic shock"),
    ("allergic_laryngeal_edema", "Allergic laryngeal edema"),
    ("allergic_dyspnea", "Allergic dyspnea"),
    ("allergic_purpura", "Allergic purpura"),
    ("thrombocytopenic_purpura", "Thrombocytopenic purpura"),
    ("arthus_reaction", "Local allergic necrotizing reaction (Arthus reaction)"),
    ("other_severe", "Other severe allergy"),
)
_AUTOIMMUNE_LABELS = dict(AUTOIMMUNE_CONDITIONS)
_AUTOIMMUNE_EXCEPTION_CODES = frozenset(code for code, _ in AUTOIMMUNE_EXCEPTIONS)
_SEVERE_ALLERGY_LABELS = dict(SEVERE_ALLERGY_KINDS)


@dataclass(frozen=True)
class LabLimit:
    """One organ-function lab from the study configuration; limits are inclusive."""

    code: str
    label: str
    unit: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    relative_to_uln: bool = False
    # The lab panel's test that gives it at screening (labs.units: NEUT, CREAT...); "" none.
    test: str = ""

    def __post_init__(self) -> None:
        if self.minimum is None and self.maximum is None:
            raise ValueError(f"lab limit {self.code!r} needs a minimum or a maximum")


@dataclass(frozen=True)
class EligibilityThresholds:
    """The protocol's numbers, built by the caller from the study configuration."""

    age_min_years: int
    age_max_years: int
    ecog_max: int
    expected_survival_min_months: int
    anticancer_washout_days: int
    nitrosourea_washout_days: int
    other_trial_exclusion_days: int
    mi_exclusion_years: int
    nyha_exclusion_class: int
    infection_exclusion_grade: int
    lab_limits: tuple[LabLimit, ...]

    def __post_init__(self) -> None:
        if self.age_min_years > self.age_max_years:
            raise ValueError("age_min_years is above age_max_years")
        # Inclusion 7 cannot be judged without labs; an empty list is a configuration error,
        # not a subject who passes.
        if not self.lab_limits:
            raise ValueError("inclusion 7 (organ function) needs at least one lab limit")
        codes = [limit.code for limit in self.lab_limits]
        if len(codes) != len(set(codes)):
            raise ValueError("lab limit codes must be unique")


@dataclass(frozen=True)
class LabResult:
    """A lab value; labs limited relative to ULN also need the upper limit of normal."""

    value: Decimal | None
    upper_limit_normal: Decimal | None = None


@dataclass(frozen=True)
class EligibilityFacts:
    """What was recorded at screening; None everywhere means "not answered yet"."""

    assessment_date: date | None = None
    date_of_birth: date | None = None
    sex: str | None = None  # "F" or "M"
    consent_signed_on: date | None = None
    # Inclusion 2
    histology_confirmed: bool | None = None
    refractory_to_second_line: bool | None = None
    no_standard_treatment: bool | None = None
    ecog: int | None = None
    expected_survival_months: int | None = None
    # Prior treatments: had_X answers "ever?", last_X_date is needed when had_X is True.
    had_chemotherapy: bool | None = None
    last_chemotherapy_date: date | None = None
    had_radiotherapy: bool | None = None
    last_radiotherapy_date: date | None = None
    had_surgery: bool | None = None
    last_surgery_date: date | None = None
    had_nitrosourea_or_mitomycin: bool | None = None
    last_nitrosourea_or_mitomycin_date: date | None = None
    had_other_trial_drug: bool | None = None
    last_other_trial_drug_date: date | None = None
    labs: Mapping[str, LabResult] | None = None
    # Exclusion 3
    nyha_class: int | None = None
    unstable_angina: bool | None = None
    had_myocardial_infarction: bool | None = None
    last_myocardial_infarction_date: date | None = None
    arrhythmia_requiring_treatment: bool | None = None
    # Exclusion 4, women only
    pregnant: bool | None = None
    lactating: bool | None = None
    childbearing_potential: bool | None = None
    pregnancy_test_result: str | None = None  # "negative", "positive" or "not_done"
    # Exclusion 5
    active_tuberculosis: bool | None = None
    bacterial_or_fungal_infection_grade: int | None = None  # CTCAE grade, 0 = none
    active_hiv: bool | None = None
    active_hbv: bool | None = None
    hcv_infection: bool | None = None
    # Exclusion 6
    psychotropic_abuse_unable_to_quit: bool | None = None
    mental_disorder: bool | None = None
    autoimmune_conditions: frozenset[str] | None = None  # empty = none
    immunosuppressive_treatment: bool | None = None
    drug_or_alcohol_abuse_history: bool | None = None
    # Exclusion 10
    allergy_to_study_drug: bool | None = None
    severe_allergy_history: frozenset[str] | None = None  # empty = none
    pregnancy_plan_within_window: bool | None = None
    tumour_near_major_vessels_or_trachea: bool | None = None
    investigator_excludes_for_concomitant_disease: bool | None = None


@dataclass(frozen=True)
class Finding:
    """The outcome of one criterion and why."""

    code: str
    criterion: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class EligibilityResult:
    status: Status
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == Outcome.FAILED)

    @property
    def missing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == Outcome.MISSING)

    @property
    def met(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.outcome == Outcome.MET)

    def finding(self, code: str) -> Finding:
        """The finding for one criterion code ("IN1".."EX12")."""
        for finding in self.findings:
            if finding.code == code:
                return finding
        raise KeyError(code)


# --- public helpers -------------------------------------------------------------------------


def add_years(d: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February becomes 28 February."""
    year = d.year + years
    if d.month == 2 and d.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return d.replace(year=year)


def age_in_completed_years(born: date, on: date) -> int:
    """Completed years of age on a date.

    Someone born on 29 February completes a year on 1 March in common years: on 28 February
    they have not yet reached their day of birth.
    """
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - before_birthday


# --- building findings ----------------------------------------------------------------------


class _Part(NamedTuple):
    outcome: Outcome
    reason: str


def _met(reason: str) -> _Part:
    return _Part(Outcome.MET, reason)


def _failed(reason: str) -> _Part:
    return _Part(Outcome.FAILED, reason)


def _missing(reason: str) -> _Part:
    return _Part(Outcome.MISSING, reason)


def _finding(code: str, parts: list[_Part]) -> Finding:
    # A criterion with several parts: failed beats missing beats met, and the reason lists
    # every part with the winning outcome.
    for outcome in (Outcome.FAILED, Outcome.MISSING, Outcome.MET):
        reasons = [part.reason for part in parts if part.outcome == outcome]
        if reasons:
            return Finding(code, _TITLES[code], outcome, "; ".join(reasons))
    raise ValueError(f"criterion {code} produced no finding")


def _answer(value: bool | None, *, yes: _Part, no: _Part, unanswered: str) -> _Part:
    if value is None:
        return _missing(unanswered)
    return yes if value else no


def _excluding_flag(value: bool | None, condition: str) -> _Part:
    """A yes/no question where "yes" excludes."""
    return _answer(
        value,
        yes=_failed(condition),
        no=_met(f"no {condition}"),
        unanswered=f"{condition} not recorded",
    )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _days_relative(days: int) -> str:
    if days > 0:
        return f"{_plural(days, 'day')} before"
    if days < 0:
        return f"{_plural(-days, 'day')} after"
    return "on the day of"


def _number(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _roman(n: int) -> str:
    return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(n, str(n))


# --- inclusion criteria ---------------------------------------------------------------------


def _age(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    parts: list[_Part] = []
    if facts.sex is None:
        parts.append(_missing("sex not recorded"))
    elif facts.sex not in dict(SEXES):
        parts.append(_missing(f"sex {facts.sex!r} is not one of F or M"))
    if facts.date_of_birth is None:
        parts.append(_missing("date of birth not recorded"))
    if facts.assessment_date is None:
        parts.append(_missing("assessment date not recorded"))
    if facts.date_of_birth is not None and facts.assessment_date is not None:
        on = facts.assessment_date
        age = age_in_completed_years(facts.date_of_birth, on)
        if age < t.age_min_years:
            parts.append(_failed(f"age {age} on {on} is below the minimum of {t.age_min_years}"))
        elif age > t.age_max_years:
            parts.append(_failed(f"age {age} on {on} is above the maximum of {t.age_max_years}"))
        else:
            parts.append(
                _met(f"age {age} on {on} is within {t.age_min_years} to {t.age_max_years}")
            )
    return _finding("IN1", parts)


def _tumour(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "IN2",
        [
            _answer(
                facts.histology_confirmed,
                yes=_met("tumour histopathologically confirmed"),
                no=_failed("tumour not histopathologically confirmed"),
                unanswered="histopathological confirmation not recorded",
            ),
            _answer(
                facts.refractory_to_second_line,
                yes=_met("refractory to second-line treatment"),
                no=_failed("not refractory to second-line treatment"),
                unanswered="refractoriness to second-line treatment not recorded",
            ),
            _answer(
                facts.no_standard_treatment,
                yes=_met("no standard treatment regimen available"),
                no=_failed("a standard treatment regimen is available"),
                unanswered="availability of a standard treatment regimen not recorded",
            ),
        ],
    )


def _ecog(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    if facts.ecog is None:
        part = _missing("ECOG performance status not recorded")
    elif 0 <= facts.ecog <= t.ecog_max:
        part = _met(f"ECOG {facts.ecog} is within 0 to {t.ecog_max}")
    elif facts.ecog > t.ecog_max:
        part = _failed(f"ECOG {facts.ecog} is above the maximum of {t.ecog_max}")
    else:
        part = _failed(f"ECOG {facts.ecog} is not a valid score")
    return _finding("IN3", [part])


def _survival(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    months = facts.expected_survival_months
    minimum = t.expected_survival_min_months
    if months is None:
        part = _missing("expected survival not recorded")
    elif months >= minimum:
        part = _met(f"expected survival {_plural(months, 'month')} is at least {minimum}")
    else:
        part = _failed(
            f"expected survival {_plural(months, 'month')} is below the minimum of "
            f"{_plural(minimum, 'month')}"
        )
    return _finding("IN4", [part])


class _PriorTreatment(NamedTuple):
    had_field: str
    date_field: str
    name: str  # "chemotherapy" -> "prior chemotherapy", "last chemotherapy"


_CHEMOTHERAPY = _PriorTreatment("had_chemotherapy", "last_chemotherapy_date", "chemotherapy")
_RADIOTHERAPY = _PriorTreatment("had_radiotherapy", "last_radiotherapy_date", "radiotherapy")
_SURGERY = _PriorTreatment("had_surgery", "last_surgery_date", "surgery")
_NITROSOUREA = _PriorTreatment(
    "had_nitrosourea_or_mitomycin",
    "last_nitrosourea_or_mitomycin_date",
    "nitrosourea or mitomycin C",
)
_OTHER_TRIAL = _PriorTreatment(
    "had_other_trial_drug", "last_other_trial_drug_date", "drug in another clinical trial"
)


def _days_since(
    facts: EligibilityFacts, treatment: _PriorTreatment, judge: Callable[[str, int], _Part]
) -> _Part:
    """Days from the last treatment to the assessment, judged by `judge(text, days)`."""
    had = getattr(facts, treatment.had_field)
    last = getattr(facts, treatment.date_field)
    if had is None:
        return _missing(f"whether the subject had prior {treatment.name} not recorded")
    if not had:
        return _met(f"no prior {treatment.name}")
    if last is None:
        return _missing(f"date of last {treatment.name} not recorded")
    if facts.assessment_date is None:
        return _missing("assessment date not recorded")
    days = (facts.assessment_date - last).days
    text = (
        f"last {treatment.name} {last} is {_days_relative(days)} the assessment on "
        f"{facts.assessment_date}"
    )
    return judge(text, days)


def _washout(facts: EligibilityFacts, treatment: _PriorTreatment, minimum_days: int) -> _Part:
    # "More than N days since": the interval must be strictly greater than N.
    def judge(text: str, days: int) -> _Part:
        if days > minimum_days:
            return _met(f"{text}, more than {minimum_days} days")
        return _failed(f"{text}; the protocol needs more than {minimum_days} days")

    return _days_since(facts, treatment, judge)


def _anticancer_washout(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    days = t.anticancer_washout_days
    return _finding(
        "IN5",
        [
            _washout(facts, treatment, days)
            for treatment in (_CHEMOTHERAPY, _RADIOTHERAPY, _SURGERY)
        ],
    )


def _nitrosourea_washout(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding("IN6", [_washout(facts, _NITROSOUREA, t.nitrosourea_washout_days)])


def _lab(limit: LabLimit, labs: Mapping[str, LabResult] | None) -> _Part:
    result = labs.get(limit.code) if labs is not None else None
    if result is None or result.value is None:
        return _missing(f"{limit.label} not recorded")
    if limit.relative_to_uln:
        uln = result.upper_limit_normal
        if uln is None:
            return _missing(f"upper limit of normal for {limit.label} not recorded")
        if uln <= 0:
            return _missing(
                f"upper limit of normal for {limit.label} ({_number(uln)}) is not positive"
            )
        measured = result.value / uln
        detail = f" ({_number(result.value)} with ULN {_number(uln)})"
    else:
        measured = result.value
        detail = ""

    def shown(value: Decimal, bound: Decimal) -> str:
        # Round for reading, but never so far that a value past the limit looks equal to it.
        for places in range(2, 10):
            rounded = round(value, places)
            if (rounded == bound) == (value == bound):
                return _number(rounded)
        return _number(value)

    if limit.minimum is not None and measured < limit.minimum:
        return _failed(
            f"{limit.label} {shown(measured, limit.minimum)} {limit.unit}{detail} is below the "
            f"limit of {_number(limit.minimum)} {limit.unit}"
        )
    if limit.maximum is not None and measured > limit.maximum:
        return _failed(
            f"{limit.label} {shown(measured, limit.maximum)} {limit.unit}{detail} is above the "
            f"limit of {_number(limit.maximum)} {limit.unit}"
        )
    bounds = []
    if limit.minimum is not None:
        bounds.append(f"at least {_number(limit.minimum)}")
    if limit.maximum is not None:
        bounds.append(f"at most {_number(limit.maximum)}")
    value_text = shown(measured, limit.maximum if limit.maximum is not None else limit.minimum)
    return _met(f"{limit.label} {value_text} {limit.unit}{detail} is {' and '.join(bounds)}")


def _organ_function(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding("IN7", [_lab(limit, facts.labs) for limit in t.lab_limits])


def _consent(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    signed, assessed = facts.consent_signed_on, facts.assessment_date
    if signed is None:
        part = _missing("date of written informed consent not recorded")
    elif assessed is None:
        part = _missing("assessment date not recorded")
    elif signed > assessed:
        part = _failed(f"consent signed on {signed}, after the assessment on {assessed}")
    else:
        part = _met(f"consent signed on {signed}, on or before the assessment on {assessed}")
    return _finding("IN8", [part])


# --- exclusion criteria ---------------------------------------------------------------------


def _other_trial(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    window = t.other_trial_exclusion_days

    # "Within 4 weeks": an interval of `window` days or fewer excludes.
    def judge(text: str, days: int) -> _Part:
        if days <= window:
            return _failed(f"{text}; the protocol excludes {window} days or fewer")
        return _met(f"{text}, more than {window}")

    return _finding("EX1", [_days_since(facts, _OTHER_TRIAL, judge)])


def _tumour_location(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX2",
        [
            _excluding_flag(
                facts.tumour_near_major_vessels_or_trachea,
                "tumour close to major blood vessels or the trachea",
            )
        ],
    )


def _myocardial_infarction(facts: EligibilityFacts, years: int) -> _Part:
    if facts.had_myocardial_infarction is None:
        return _missing("history of myocardial infarction not recorded")
    if not facts.had_myocardial_infarction:
        return _met("no myocardial infarction")
    mi = facts.last_myocardial_infarction_date
    if mi is None:
        return _missing("date of last myocardial infarction not recorded")
    if facts.assessment_date is None:
        return _missing("assessment date not recorded")
    # Calendar years, not 365 days: on or after the same day `years` earlier is "within".
    window_start = add_years(facts.assessment_date, -years)
    span = _plural(years, "year")
    if mi >= window_start:
        return _failed(
            f"myocardial infarction on {mi} is within {span} of the assessment "
            f"({facts.assessment_date})"
        )
    return _met(
        f"myocardial infarction on {mi} is more than {span} before the assessment "
        f"({facts.assessment_date})"
    )


def _cardiac(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    limit = t.nyha_exclusion_class
    if facts.nyha_class is None:
        nyha = _missing("NYHA class not recorded")
    elif facts.nyha_class >= limit:
        nyha = _failed(
            f"heart failure of NYHA class {_roman(facts.nyha_class)}; class {_roman(limit)} "
            "or above excludes"
        )
    else:
        nyha = _met(f"NYHA class {_roman(facts.nyha_class)}")
    return _finding(
        "EX3",
        [
            nyha,
            _excluding_flag(facts.unstable_angina, "unstable angina pectoris"),
            _myocardial_infarction(facts, t.mi_exclusion_years),
            _excluding_flag(facts.arrhythmia_requiring_treatment, "arrhythmia requiring treatment"),
        ],
    )


def _pregnancy(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    if facts.sex is None:
        return _finding("EX4", [_missing("sex not recorded")])
    if facts.sex == "M":
        return _finding("EX4", [_met("not applicable to a male subject")])
    if facts.sex != "F":
        return _finding("EX4", [_missing(f"sex {facts.sex!r} is not one of F or M")])
    parts = [
        _excluding_flag(facts.pregnant, "pregnancy"),
        _answer(
            facts.lactating,
            yes=_failed("lactating"),
            no=_met("not lactating"),
            unanswered="lactation not recorded",
        ),
    ]
    test = facts.pregnancy_test_result
    # A positive test excludes whatever else was answered.
    if test == "positive":
        parts.append(_failed("pregnancy test positive"))
    elif facts.childbearing_potential is None:
        parts.append(_missing("child-bearing potential not recorded"))
    elif not facts.childbearing_potential:
        parts.append(_met("not of child-bearing potential"))
    elif test == "negative":
        parts.append(_met("pregnancy test negative"))
    elif test == "not_done":
        parts.append(_missing("pregnancy test not done for a woman of child-bearing potential"))
    else:
        parts.append(_missing("pregnancy test result not recorded"))
    return _finding("EX4", parts)


def _infection(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    grade, limit = facts.bacterial_or_fungal_infection_grade, t.infection_exclusion_grade
    if grade is None:
        infection = _missing("bacterial or fungal infection grade not recorded")
    elif grade >= limit:
        infection = _failed(
            f"bacterial or fungal infection of CTCAE grade {grade}; grade {limit} or above excludes"
        )
    elif grade <= 0:
        infection = _met("no bacterial or fungal infection")
    else:
        infection = _met(
            f"bacterial or fungal infection of CTCAE grade {grade} is below grade {limit}"
        )
    return _finding(
        "EX5",
        [
            _excluding_flag(facts.active_tuberculosis, "active tuberculosis"),
            infection,
            _excluding_flag(facts.active_hiv, "active HIV infection"),
            _excluding_flag(facts.active_hbv, "active HBV infection"),
            _excluding_flag(facts.hcv_infection, "HCV infection"),
        ],
    )


def _psychiatric(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX6",
        [
            _excluding_flag(
                facts.psychotropic_abuse_unable_to_quit,
                "psychotropic drug abuse the subject is unable to quit",
            ),
            _excluding_flag(facts.mental_disorder, "mental disorder"),
        ],
    )


def _autoimmune(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    conditions = facts.autoimmune_conditions
    if conditions is None:
        part = _missing("autoimmune disease history not recorded")
    elif not conditions:
        part = _met("no autoimmune disease")
    else:
        # Unknown codes exclude: only the protocol's named exceptions may be included.
        excluding = sorted(conditions - _AUTOIMMUNE_EXCEPTION_CODES, key=_autoimmune_order)
        allowed = sorted(conditions & _AUTOIMMUNE_EXCEPTION_CODES, key=_autoimmune_order)
        if excluding:
            names = ", ".join(_AUTOIMMUNE_LABELS.get(code, code) for code in excluding)
            part = _failed(f"autoimmune disease: {names}")
        else:
            names = ", ".join(_AUTOIMMUNE_LABELS[code] for code in allowed)
            part = _met(f"{names}, which the protocol allows")
    return _finding("EX7", [part])


def _autoimmune_order(code: str) -> tuple[int, str]:
    codes = [known for known, _ in AUTOIMMUNE_CONDITIONS]
    return (codes.index(code) if code in codes else len(codes), code)


def _immunosuppression(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX8",
        [_excluding_flag(facts.immunosuppressive_treatment, "current immunosuppressive treatment")],
    )


def _substance_abuse(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX9",
        [_excluding_flag(facts.drug_or_alcohol_abuse_history, "history of drug or alcohol abuse")],
    )


def _allergy(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    history = facts.severe_allergy_history
    if history is None:
        severe = _missing("severe allergy history not recorded")
    elif not history:
        severe = _met("no severe allergy history")
    else:
        kinds = [code for code, _ in SEVERE_ALLERGY_KINDS if code in history]
        kinds += sorted(history - set(_SEVERE_ALLERGY_LABELS))
        names = ", ".join(_SEVERE_ALLERGY_LABELS.get(code, code) for code in kinds)
        severe = _failed(f"severe allergy history: {names}")
    return _finding(
        "EX10",
        [
            _answer(
                facts.allergy_to_study_drug,
                yes=_failed(
                    "allergic, hypersensitive or intolerant to IL-22BP/LNP or its excipients"
                ),
                no=_met("no known allergy to IL-22BP/LNP or its excipients"),
                unanswered="allergy to IL-22BP/LNP or its excipients not recorded",
            ),
            severe,
        ],
    )


def _pregnancy_plans(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX11",
        [
            _answer(
                facts.pregnancy_plan_within_window,
                yes=_failed(
                    "subject or partner plans a pregnancy before 12 months after the last injection"
                ),
                no=_met("no pregnancy plans up to 12 months after the last injection"),
                unanswered="pregnancy plans not recorded",
            )
        ],
    )


def _investigator(facts: EligibilityFacts, t: EligibilityThresholds) -> Finding:
    return _finding(
        "EX12",
        [
            _answer(
                facts.investigator_excludes_for_concomitant_disease,
                yes=_failed("the investigator excludes the subject for a concomitant disease"),
                no=_met("no concomitant disease the investigator judges excluding"),
                unanswered="investigator's judgement on concomitant diseases not recorded",
            )
        ],
    )


_CHECKS: tuple[Callable[[EligibilityFacts, EligibilityThresholds], Finding], ...] = (
    _age,
    _tumour,
    _ecog,
    _survival,
    _anticancer_washout,
    _nitrosourea_washout,
    _organ_function,
    _consent,
    _other_trial,
    _tumour_location,
    _cardiac,
    _pregnancy,
    _infection,
    _psychiatric,
    _autoimmune,
    _immunosuppression,
    _substance_abuse,
    _allergy,
    _pregnancy_plans,
    _investigator,
)


def assess_eligibility(
    facts: EligibilityFacts, thresholds: EligibilityThresholds
) -> EligibilityResult:
    """One finding per criterion, IN1..IN8 then EX1..EX12, and the overall status.

    Any failed criterion makes the subject not eligible; otherwise any missing fact makes the
    assessment incomplete. Only a full set of met criteria is eligible.
    """
    findings = tuple(check(facts, thresholds) for check in _CHECKS)
    if any(f.outcome == Outcome.FAILED for f in findings):
        status = Status.NOT_ELIGIBLE
    elif any(f.outcome == Outcome.MISSING for f in findings):
        status = Status.INCOMPLETE
    else:
        status = Status.ELIGIBLE
    return EligibilityResult(status, findings)


# --- impossible input -----------------------------------------------------------------------

_DATE_LABELS = {
    "assessment_date": "assessment date",
    "date_of_birth": "date of birth",
    "consent_signed_on": "date of consent",
    "last_chemotherapy_date": "date of last chemotherapy",
    "last_radiotherapy_date": "date of last radiotherapy",
    "last_surgery_date": "date of last surgery",
    "last_nitrosourea_or_mitomycin_date": "date of last nitrosourea or mitomycin C",
    "last_other_trial_drug_date": "date of last drug in another clinical trial",
    "last_myocardial_infarction_date": "date of last myocardial infarction",
}
_DATE_GIVEN_WITHOUT_HISTORY = (
    *(
        (treatment.had_field, treatment.date_field, f"prior {treatment.name}")
        for treatment in (_CHEMOTHERAPY, _RADIOTHERAPY, _SURGERY, _NITROSOUREA, _OTHER_TRIAL)
    ),
    ("had_myocardial_infarction", "last_myocardial_infarction_date", "myocardial infarction"),
)


def validate_facts(facts: EligibilityFacts, today: date) -> list[tuple[str, str]]:
    """Impossible input as (field name, message) pairs, in field order; empty when plausible.

    Lab errors are keyed "labs.<code>". Missing answers are not errors here: they make the
    assessment incomplete instead.
    """
    errors: list[tuple[str, str]] = []
    assessed, born = facts.assessment_date, facts.date_of_birth
    for name, label in _DATE_LABELS.items():
        value = getattr(facts, name)
        if value is None:
            continue
        if value > today:
            errors.append((name, f"{label} {value} is in the future (today is {today})"))
        if name != "assessment_date" and assessed is not None and value > assessed:
            errors.append((name, f"{label} {value} is after the assessment date {assessed}"))
        if name not in {"date_of_birth", "consent_signed_on"} and born and value < born:
            errors.append((name, f"{label} {value} is before the date of birth {born}"))
    if born is not None and facts.consent_signed_on is not None and born > facts.consent_signed_on:
        errors.append(
            (
                "date_of_birth",
                f"date of birth {born} is after the date of consent {facts.consent_signed_on}",
            )
        )
    for had_field, date_field, history in _DATE_GIVEN_WITHOUT_HISTORY:
        if getattr(facts, had_field) is False and getattr(facts, date_field) is not None:
            errors.append(
                (date_field, f"{_DATE_LABELS[date_field]} given, but {history} is answered no")
            )
    if facts.sex is not None and facts.sex not in dict(SEXES):
        errors.append(("sex", f"sex {facts.sex!r} is not one of F or M"))
    _check_range(errors, "ecog", "ECOG performance status", facts.ecog, 0, 5)
    _check_range(errors, "nyha_class", "NYHA class", facts.nyha_class, 1, 4)
    _check_range(
        errors,
        "bacterial_or_fungal_infection_grade",
        "CTCAE grade of bacterial or fungal infection",
        facts.bacterial_or_fungal_infection_grade,
        0,
        5,
    )
    if facts.expected_survival_months is not None and facts.expected_survival_months < 0:
        errors.append(
            (
                "expected_survival_months",
                f"expected survival {facts.expected_survival_months} months is negative",
            )
        )
    for code, result in (facts.labs or {}).items():
        if result.value is not None and result.value < 0:
            errors.append((f"labs.{code}", f"{code} value {_number(result.value)} is negative"))
        uln = result.upper_limit_normal
        if uln is not None and uln <= 0:
            errors.append(
                (
                    f"labs.{code}",
                    f"upper limit of normal for {code} ({_number(uln)}) must be above 0",
                )
            )
    test = facts.pregnancy_test_result
    if test is not None and test not in dict(PREGNANCY_TEST_RESULTS):
        errors.append(("pregnancy_test_result", f"pregnancy test result {test!r} is not known"))
    conditions = facts.autoimmune_conditions or frozenset()
    for code in sorted(conditions - set(_AUTOIMMUNE_LABELS)):
        errors.append(("autoimmune_conditions", f"autoimmune condition {code!r} is not known"))
    if {"childhood_asthma_resolved", "asthma_bronchodilators"} <= conditions:
        errors.append(
            (
                "autoimmune_conditions",
                "asthma cannot be both resolved since childhood and requiring bronchodilators",
            )
        )
    for code in sorted((facts.severe_allergy_history or frozenset()) - set(_SEVERE_ALLERGY_LABELS)):
        errors.append(("severe_allergy_history", f"severe allergy kind {code!r} is not known"))
    return errors


def _check_range(
    errors: list[tuple[str, str]], name: str, label: str, value: int | None, low: int, high: int
) -> None:
    if value is not None and not low <= value <= high:
        errors.append((name, f"{label} {value} is outside {low} to {high}"))
