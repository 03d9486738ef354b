"""Trial design datasets (screening/sdtm_design.py), without a database."""

from datetime import date

import pytest

from screening import sdtm_design
from screening.sdtm import criterion_testcd

ARMS = (sdtm_design.Arm("DL1", "DL1 25 ug IL-22BP/LNP"), sdtm_design.Arm("DL2", "DL2 50 ug"))
VISITS = (
    sdtm_design.PlannedVisit(1, "Screening", "screening", "first_dose", -28, 0, 0, 27),
    sdtm_design.PlannedVisit(2, "Cycle 1 Day 1", "dosing", "first_dose", 0),
    sdtm_design.PlannedVisit(4, "Cycle 1 Day 8 (safety)", "safety", "first_dose", 7, 0, 1, 1),
    sdtm_design.PlannedVisit(11, "End of Treatment", "end_of_treatment", "last_dose", 30, 0, 30),
    sdtm_design.PlannedVisit(12, "Follow-up 1 month", "follow_up", "last_dose", 0, 1, 14, 14),
)
FACTS = sdtm_design.StudyFacts(
    studyid="IL22BP-LNP-001",
    title="A phase I study",
    phase="I",
    product="IL-22BP/LNP",
    sponsor="Sponsor",
    planned_subjects=24,
    max_cycles=6,
    cycle_length_days=21,
    route="INTRATUMOR",
    arms=ARMS,
    visits=VISITS,
    criteria=(
        sdtm_design.Criterion("IN1", "Age", "aged 18 to 70"),
        sdtm_design.Criterion("EX10", "Allergy", "allergy to the product"),
    ),
    age_min_years=18,
    age_max_years=70,
    study_start=date(2026, 3, 2),
)


def test_ts_carries_the_design_and_the_standard_versions():
    ts = {r["TSPARMCD"]: r for r in sdtm_design.ts_records(FACTS)}
    assert ts["TPHASE"]["TSVAL"] == "PHASE I TRIAL"
    assert ts["SDTIGVER"]["TSVAL"] == "3.4" and ts["SDTMVER"]["TSVAL"] == "2.0"
    assert (ts["AGEMIN"]["TSVAL"], ts["AGEMAX"]["TSVAL"]) == ("P18Y", "P70Y")
    assert ts["NARMS"]["TSVAL"] == "2" and ts["PLANSUB"]["TSVAL"] == "24"
    assert ts["SSTDTC"]["TSVAL"] == "2026-03-02"
    assert all(len(code) <= 8 and len(r["TSPARM"]) <= 40 for code, r in ts.items())
    assert "INDIC" not in ts  # an empty value is no parameter


def test_ta_gives_each_dose_level_screening_treatment_follow_up():
    ta = sdtm_design.ta_records(FACTS)
    dl2 = [(r["TAETORD"], r["ETCD"], r["EPOCH"]) for r in ta if r["ARMCD"] == "DL2"]
    assert dl2 == [(1, "SCRN", "SCREENING"), (2, "TRTDL2", "TREATMENT"), (3, "FU", "FOLLOW-UP")]
    te = {r["ETCD"] for r in sdtm_design.te_records(FACTS)}
    assert {r["ETCD"] for r in ta} == te == {"SCRN", "TRTDL1", "TRTDL2", "FU"}
    assert all(r["TEENRL"] for r in sdtm_design.te_records(FACTS))


@pytest.mark.parametrize(
    ("number", "visitdy", "rule"),
    [
        (1, -28, "Day -28 to day -1 before the first dose"),
        (2, 1, "Day 1 (first dose is day 1)"),
        (4, 8, "Day 8 (first dose is day 1), window -1/+1 days"),
        (11, None, "30 days after the last dose, window -30/+0 days"),
        (12, None, "1 month(s) after the last dose, window -14/+14 days"),
    ],
)
def test_tv_planned_study_day_and_rule(number, visitdy, rule):
    tv = {r["VISITNUM"]: r for r in sdtm_design.tv_records(FACTS)}
    assert tv[number]["VISITDY"] == visitdy
    assert tv[number]["TVSTRL"].startswith(rule)


def test_ti_uses_the_ie_codes_and_names():
    ti = sdtm_design.ti_records(FACTS, criterion_testcd)
    assert [(r["IETESTCD"], r["IETEST"], r["IECAT"]) for r in ti] == [
        ("INCL01", "Age", "INCLUSION"),
        ("EXCL10", "Allergy", "EXCLUSION"),
    ]
