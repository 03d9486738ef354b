"""SDTM trial design datasets (TS, TA, TE, TV, TI) from the study as configured, declared on
the eligibility kind (screening.crf) beside IE, whose criteria TI lists.

The record builders are pure: the caller passes the study file's facts (studies/*.toml as
loaded: the study, its dose levels, its visit schedule, the eligibility criteria and the
protocol's age limits) and gets the records, keyed by the SDTMIG 3.4 variable names;
`design_facts` reads them. The design is the protocol's: a 3+3 dose escalation, open label,
not randomised; one arm per dose level, each with the same three elements (screening,
treatment at that dose level, follow-up).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from review import sdtm
from review.sdtm import INTEGER, Codelist, SdtmDomain, variables
from review.sdtm_reading import local
from screening.eligibility import CRITERIA
from screening.models import Consent
from screening.sdtm import IE, criterion_testcd
from screening.sdtm_dm import arm_label
from trial.models import DoseLevel, ProtocolThreshold, VisitDefinition

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


def design_facts(study, subjects) -> StudyFacts:
    """The trial design as configured (studies/*.toml, loaded by load_study); the study
    start is the export's first informed consent."""
    thresholds = dict(
        ProtocolThreshold.objects.filter(
            study=study, key__in=("age_min_years", "age_max_years")
        ).values_list("key", "value")
    )
    first_consent = Consent.objects.filter(subject__in=subjects.values("pk")).aggregate(
        first=Min("signed_at")
    )["first"]
    return StudyFacts(
        studyid=study.protocol_number,
        title=study.title,
        phase=study.phase,
        product=study.product,
        sponsor=study.sponsor,
        planned_subjects=study.target_enrollment,
        max_cycles=study.max_cycles,
        cycle_length_days=study.cycle_length_days,
        route="INTRATUMOR",
        arms=tuple(
            Arm(d.code, arm_label(study.product, d.code, d.dose_amount, d.dose_unit))
            for d in DoseLevel.objects.filter(study=study).order_by("order")
        ),
        visits=tuple(
            PlannedVisit(
                number=d.order,
                name=d.name,
                kind=d.kind,
                anchor=d.anchor,
                offset_days=d.offset_days,
                offset_months=d.offset_months,
                window_before_days=d.window_before_days,
                window_after_days=d.window_after_days,
            )
            for d in VisitDefinition.objects.filter(study=study).order_by("order")
        ),
        criteria=tuple(Criterion(c.code, c.title, c.protocol_text) for c in CRITERIA),
        age_min_years=_whole(thresholds.get("age_min_years")),
        age_max_years=_whole(thresholds.get("age_max_years")),
        indication="Refractory advanced malignant solid tumours",
        study_start=local(first_consent).date() if first_consent else None,
        sdtm_version=sdtm.SDTM_VERSION,
        sdtmig_version=sdtm.SDTMIG_VERSION,
    )


def _whole(value) -> int | None:
    return int(value) if value is not None else None


def _reader(domain: str):
    def records(study, subjects) -> Iterator[dict]:
        yield from design_records(design_facts(study, subjects), criterion_testcd)[domain]

    return records


_STUDY = (("STUDYID", "Study Identifier"), ("DOMAIN", "Domain Abbreviation"))
_ARM = (("ARMCD", "Planned Arm Code"), ("ARM", "Description of Planned Arm"))


def _design(domain, label, columns, keys, structure, order, **more) -> SdtmDomain:
    return SdtmDomain(
        domain=domain,
        label=label,
        variables=variables(*_STUDY, *columns),
        keys=keys,
        class_name="TRIAL DESIGN",
        structure=structure,
        records=_reader(domain),
        position=100 + 10 * order,  # after every subject dataset
        reference_data=True,
        **more,
    )


TS = _design(
    "TS",
    "Trial Summary",
    (
        ("TSSEQ", "Sequence Number", INTEGER),
        ("TSPARMCD", "Trial Summary Parameter Short Name"),
        ("TSPARM", "Trial Summary Parameter"),
        ("TSVAL", "Parameter Value"),
        ("TSVALNF", "Parameter Null Flavor"),
        ("TSVALCD", "Parameter Value Code"),
        ("TSVCDREF", "Name of the Reference Terminology"),
        ("TSVCDVER", "Version of the Reference Terminology"),
    ),
    ("STUDYID", "TSPARMCD", "TSSEQ"),
    "One record per trial summary parameter value",
    0,
    derivations={"TSSEQ": "Counts the values of each parameter from 1."},
    required=frozenset({"TSSEQ", "TSPARMCD", "TSPARM"}),
    codelists={"TSPARMCD": Codelist("CL.TSPARMCD", "Trial Summary Parameter Test Code", "C66738")},
    value_level=("TSPARMCD", ("TSVAL",), False),
)
TA = _design(
    "TA",
    "Trial Arms",
    (
        *_ARM,
        ("TAETORD", "Planned Order of Element within Arm", INTEGER),
        ("ETCD", "Element Code"),
        ("ELEMENT", "Description of Element"),
        ("TABRANCH", "Branch"),
        ("TATRANS", "Transition Rule"),
        ("EPOCH", "Epoch"),
    ),
    ("STUDYID", "ARMCD", "TAETORD"),
    "One record per planned Element per Arm",
    1,
    derivations={"EPOCH": sdtm.EPOCH_DERIVATION},
    assigned=frozenset({"ARMCD", "ARM"}),
    required=frozenset({"ARMCD", "ARM", "TAETORD", "ETCD", "ELEMENT", "EPOCH"}),
    codelists={"EPOCH": sdtm.EPOCH},
)
TE = _design(
    "TE",
    "Trial Elements",
    (
        ("ETCD", "Element Code"),
        ("ELEMENT", "Description of Element"),
        ("TESTRL", "Rule for Start of Element"),
        ("TEENRL", "Rule for End of Element"),
        ("TEDUR", "Planned Duration of Element"),
    ),
    ("STUDYID", "ETCD"),
    "One record per planned Element",
    2,
    required=frozenset({"ETCD", "ELEMENT", "TESTRL"}),
)
TV = _design(
    "TV",
    "Trial Visits",
    (
        ("VISITNUM", "Visit Number", INTEGER),
        ("VISIT", "Visit Name"),
        ("VISITDY", "Planned Study Day of Visit", INTEGER),
        *_ARM,
        ("TVSTRL", "Visit Start Rule"),
        ("TVENRL", "Visit End Rule"),
    ),
    ("STUDYID", "VISITNUM"),
    "One record per planned Visit per Arm",
    3,
    assigned=frozenset({"ARMCD", "ARM"}),
    required=frozenset({"VISITNUM"}),
)
TI = _design(
    "TI",
    "Trial Inclusion/Exclusion Criteria",
    (
        ("IETESTCD", "Incl/Excl Criterion Short Name"),
        ("IETEST", "Inclusion/Exclusion Criterion"),
        ("IECAT", "Inclusion/Exclusion Category"),
        ("TIRL", "Inclusion/Exclusion Criterion Rule"),
    ),
    ("STUDYID", "IETESTCD"),
    "One record per I/E criterion",
    4,
    assigned=frozenset({"IETESTCD", "IETEST", "IECAT"}),
    required=frozenset({"IETESTCD", "IETEST", "IECAT"}),
    codelists={name: IE.codelists[name] for name in ("IETESTCD", "IECAT")},  # IE's own
)
DESIGN = (TS, TA, TE, TV, TI)
