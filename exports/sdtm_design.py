"""SDTM trial design datasets (TS, TA, TE, TV, TI) from the study as configured.

Pure: the caller passes the study file's facts (studies/*.toml as loaded: the study, its dose
levels, its visit schedule, the eligibility criteria and the protocol's age limits) and gets
the records, keyed by the SDTMIG 3.4 variable names. The design is the protocol's: a 3+3
dose escalation, open label, not randomised; one arm per dose level, each with the same
three elements (screening, treatment at that dose level, follow-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SCREENING_ELEMENT = ("SCRN", "Screening")
FOLLOW_UP_ELEMENT = ("FU", "Follow-up")


@dataclass(frozen=True)
class Arm:
    code: str  # ARMCD: the dose level code (DL1)
    label: str  # ARM: as in DM ("DL1 25 ug IL-22BP/LNP")


@dataclass(frozen=True)
class PlannedVisit:
    number: int  # VISITNUM (the schedule's order, as in SV)
    name: str
    kind: str  # trial.models.VisitKind value
    anchor: str  # first_dose | last_dose
    offset_days: int = 0
    offset_months: int = 0
    window_before_days: int = 0
    window_after_days: int = 0


@dataclass(frozen=True)
class Criterion:
    code: str  # IN1, EX10
    title: str  # IETEST, as in IE
    text: str  # the protocol's wording (TIRL)


@dataclass(frozen=True)
class StudyFacts:
    studyid: str
    title: str
    phase: str  # "I"
    product: str
    sponsor: str
    planned_subjects: int
    max_cycles: int
    cycle_length_days: int
    route: str  # ROUTE submission value
    arms: tuple[Arm, ...]
    visits: tuple[PlannedVisit, ...]
    criteria: tuple[Criterion, ...]
    age_min_years: int | None = None
    age_max_years: int | None = None
    indication: str = ""
    study_start: date | None = None  # first informed consent
    sdtm_version: str = "2.0"
    sdtmig_version: str = "3.4"


def treatment_element(arm: Arm) -> tuple[str, str]:
    return (f"TRT{arm.code}"[:8], f"{arm.label}"[:200])


def _base(domain: str, studyid: str) -> dict:
    return {"STUDYID": studyid, "DOMAIN": domain}


def ts_records(facts: StudyFacts) -> list[dict]:
    """Trial summary: one record per parameter (TSPARMCD, codelist TSPARMCD C66738)."""
    phase = {"I": "PHASE I TRIAL", "II": "PHASE II TRIAL", "III": "PHASE III TRIAL"}
    parameters = [
        ("TITLE", "Trial Title", facts.title),
        ("TPHASE", "Trial Phase Classification", phase.get(facts.phase, facts.phase)),
        ("STYPE", "Study Type", "INTERVENTIONAL"),
        ("TTYPE", "Trial Type", "SAFETY"),
        ("SPONSOR", "Clinical Study Sponsor", facts.sponsor),
        ("TRT", "Investigational Therapy or Treatment", facts.product),
        ("ROUTE", "Route of Administration", facts.route),
        ("INDIC", "Trial Disease/Condition Indication", facts.indication),
        ("TBLIND", "Trial Blinding Schema", "OPEN LABEL"),
        ("RANDOM", "Trial is Randomized", "N"),
        ("TCNTRL", "Control Type", "NONE"),
        ("ADDON", "Added on to Existing Treatments", "N"),
        ("HLTSUBJI", "Healthy Subject Indicator", "N"),
        ("SEXPOP", "Sex of Participants", "BOTH"),
        ("PLANSUB", "Planned Number of Subjects", str(facts.planned_subjects)),
        ("NARMS", "Planned Number of Arms", str(len(facts.arms))),
        ("SDTMVER", "SDTM Version", facts.sdtm_version),
        ("SDTIGVER", "SDTM IG Version", facts.sdtmig_version),
    ]
    if facts.age_min_years is not None:
        parameters.append(("AGEMIN", "Planned Minimum Age of Subjects", f"P{facts.age_min_years}Y"))
    if facts.age_max_years is not None:
        parameters.append(("AGEMAX", "Planned Maximum Age of Subjects", f"P{facts.age_max_years}Y"))
    if facts.study_start is not None:
        parameters.append(("SSTDTC", "Study Start Date", facts.study_start.isoformat()))
    return [
        _base("TS", facts.studyid)
        | {
            "TSSEQ": 1,  # one value per parameter
            "TSPARMCD": code,
            "TSPARM": name,
            "TSVAL": value[:200],
            "TSVALNF": "",
            "TSVALCD": "",
            "TSVCDREF": "",
            "TSVCDVER": "",
        }
        for code, name, value in parameters
        if value
    ]


def te_records(facts: StudyFacts) -> list[dict]:
    """Trial elements: screening, the treatment at each dose level, follow-up."""
    cycles = facts.max_cycles
    rows = [
        (
            *SCREENING_ELEMENT,
            "Informed consent",
            "First dose of study treatment, or screen failure",
            "",
        ),
        *(
            (
                *treatment_element(arm),
                f"First dose of {facts.product} at {arm.code}",
                f"End of treatment (after at most {cycles} cycles of "
                f"{facts.cycle_length_days} days)",
                "",
            )
            for arm in facts.arms
        ),
        (*FOLLOW_UP_ELEMENT, "End of treatment", "End of study participation", ""),
    ]
    return [
        _base("TE", facts.studyid)
        | {"ETCD": etcd, "ELEMENT": element, "TESTRL": start, "TEENRL": end, "TEDUR": duration}
        for etcd, element, start, end, duration in rows
    ]


def ta_records(facts: StudyFacts) -> list[dict]:
    """Trial arms: each dose level goes screening -> treatment -> follow-up."""
    records = []
    for arm in facts.arms:
        elements = [
            (SCREENING_ELEMENT, "SCREENING", "Eligible and enrolled at this dose level"),
            (treatment_element(arm), "TREATMENT", ""),
            (FOLLOW_UP_ELEMENT, "FOLLOW-UP", ""),
        ]
        for order, ((etcd, element), epoch, branch) in enumerate(elements, start=1):
            records.append(
                _base("TA", facts.studyid)
                | {
                    "ARMCD": arm.code,
                    "ARM": arm.label,
                    "TAETORD": order,
                    "ETCD": etcd,
                    "ELEMENT": element,
                    "TABRANCH": branch,
                    "TATRANS": "",
                    "EPOCH": epoch,
                }
            )
    return records


def _visit_day(visit: PlannedVisit) -> int | None:
    """Planned study day of a visit timed from the first dose (day 1, no day 0)."""
    if visit.anchor != "first_dose" or visit.offset_months:
        return None
    return visit.offset_days + 1 if visit.offset_days >= 0 else visit.offset_days


def _visit_rule(visit: PlannedVisit) -> str:
    if visit.anchor == "first_dose":
        day = _visit_day(visit)
        if visit.kind == "screening":
            start = f"Day {day} to day {day + visit.window_after_days} before the first dose"
            return f"{start} (screening window)"
        reference = f"Day {day} (first dose is day 1)"
    elif visit.offset_months:
        reference = f"{visit.offset_months} month(s) after the last dose"
    else:
        reference = f"{visit.offset_days} days after the last dose"
    if visit.window_before_days or visit.window_after_days:
        reference += f", window -{visit.window_before_days}/+{visit.window_after_days} days"
    return reference


def tv_records(facts: StudyFacts) -> list[dict]:
    """Trial visits: the schedule, the same for every arm (ARMCD null)."""
    return [
        _base("TV", facts.studyid)
        | {
            "VISITNUM": visit.number,
            "VISIT": visit.name,
            "VISITDY": _visit_day(visit),
            "ARMCD": "",
            "ARM": "",
            "TVSTRL": _visit_rule(visit)[:200],
            "TVENRL": "",
        }
        for visit in sorted(facts.visits, key=lambda v: v.number)
    ]


def ti_records(facts: StudyFacts, testcd) -> list[dict]:
    """Trial inclusion/exclusion criteria, with the IETESTCD and IETEST used in IE."""
    return [
        _base("TI", facts.studyid)
        | {
            "IETESTCD": testcd(criterion.code),
            "IETEST": criterion.title[:200],
            "IECAT": "INCLUSION" if criterion.code.upper().startswith("IN") else "EXCLUSION",
            "TIRL": criterion.text[:200],
        }
        for criterion in facts.criteria
    ]


def design_records(facts: StudyFacts, testcd) -> dict[str, list[dict]]:
    return {
        "TS": ts_records(facts),
        "TA": ta_records(facts),
        "TE": te_records(facts),
        "TV": tv_records(facts),
        "TI": ti_records(facts, testcd),
    }
