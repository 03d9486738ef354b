"""SDTM TU, TR and RS (tumours.sdtm) are pure: facts in, records with standard variables
and CDISC terms out."""

from datetime import date
from decimal import Decimal

import pytest

from review.sdtm import subject_key
from tumours import sdtm

KEY = subject_key(
    "IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21), rfxstdtc=date(2026, 11, 21)
)


def test_tr_uses_short_axis_for_nodes_and_not_done_when_not_measured():
    node = sdtm.MeasurementFacts("T2", True, date(2026, 12, 5), Decimal("18.0"))
    missing = sdtm.MeasurementFacts("T1", False, date(2026, 12, 5), None)
    assert sdtm.tr_record(KEY, 1, node)["TRTESTCD"] == "SAXIS"
    assert sdtm.tr_record(KEY, 1, node)["TRSTRESN"] == 18.0
    record = sdtm.tr_record(KEY, 2, missing)
    assert (record["TRTESTCD"], record["TRSTAT"], record["TRSTRESN"]) == ("LDIAM", "NOT DONE", None)


def test_rs_gives_time_point_responses_then_the_best_overall_response():
    responses = [
        sdtm.ResponseFacts(date(2026, 11, 14), "", "non_cr_non_pd"),  # baseline
        sdtm.ResponseFacts(date(2027, 1, 10), "pr", "non_cr_non_pd"),
        sdtm.ResponseFacts(date(2027, 2, 20), "pd", "pd"),
    ]
    records = sdtm.rs_records(KEY, responses, date(2026, 11, 21))
    assert [(r["RSTESTCD"], r["RSORRES"]) for r in records] == [
        ("NTRGRESP", "NON-CR/NON-PD"),
        ("OVRLRESP", "PR"),
        ("NTRGRESP", "PD"),
        ("OVRLRESP", "PD"),
        ("BESTRESP", "PR"),
    ]
    assert [r["RSSEQ"] for r in records] == [1, 2, 3, 4, 5]


def test_tu_location_link_baseline_flag_and_visit():
    lesion = sdtm.TargetLesionFacts(
        "T2", "Lymph nodes", True, date(2026, 11, 14), location="left axilla",
        visit_number=1, visit_name="Screening",
    )  # fmt: skip
    record = sdtm.tu_record(KEY, 1, lesion)
    assert (record["TULNKID"], record["TULOC"], record["TULAT"]) == ("T2", "LYMPH NODE", "LEFT")
    assert record["TULOBXFL"] == "Y"  # identified before the first dose (2026-11-21)
    assert (record["VISITNUM"], record["VISIT"]) == (1, "Screening")
    not_dosed = subject_key("IL22BP-LNP-001", "FR01-002")
    assert sdtm.tu_record(not_dosed, 1, lesion)["TULOBXFL"] == ""
    # Assigned, not dosed yet: study days count from the enrolment (RFSTDTC), but there is no
    # exposure to be before.
    enrolled = subject_key("IL22BP-LNP-001", "FR01-003", rfstdtc=date(2026, 11, 18))
    record = sdtm.tu_record(enrolled, 1, lesion)
    assert (record["TULOBXFL"], record["TUDY"]) == ("", -4)


@pytest.mark.parametrize(
    ("baseline", "on", "flag"),
    [
        (True, date(2026, 11, 21), "Y"),  # on the day of the first dose
        (True, date(2026, 11, 14), "Y"),
        (True, date(2026, 11, 22), ""),  # a "baseline" after the first dose is not before it
        (False, date(2026, 11, 14), ""),
    ],
)
def test_tr_last_observation_before_exposure_flag(baseline, on, flag):
    measurement = sdtm.MeasurementFacts(
        "T1", False, on, Decimal("30"), baseline=baseline, visit_number=6, visit_name="C2D1"
    )
    record = sdtm.tr_record(KEY, 1, measurement)
    assert (record["TRLOBXFL"], record["VISITNUM"]) == (flag, 6)
    total = sdtm.sum_of_diameters_record(KEY, 2, on, Decimal("30"), baseline=baseline)
    assert total["TRLOBXFL"] == flag


def test_rs_carries_the_visit():
    point = sdtm.ResponseFacts(date(2027, 1, 10), "pr", "non_cr_non_pd", 7, "Cycle 3 Day 1")
    records = sdtm.rs_records(KEY, [point], date(2026, 11, 21))
    assert {(r["VISITNUM"], r["VISIT"]) for r in records[:2]} == {(7, "Cycle 3 Day 1")}


@pytest.mark.parametrize(
    ("role", "tustresc"),
    [(sdtm.TARGET, "TARGET"), (sdtm.NON_TARGET, "NON-TARGET"), (sdtm.NEW, "NEW")],
)
def test_tu_names_each_lesion_target_non_target_or_new(role, tustresc):
    lesion = sdtm.TargetLesionFacts("NT1", "Liver", False, date(2026, 11, 14), role=role)
    record = sdtm.tu_record(KEY, 1, lesion)
    assert (record["TUTESTCD"], record["TUORRES"], record["TUSTRESC"]) == (
        "TUMIDENT",
        tustresc,
        tustresc,
    )
    assert record["TULOC"] == "LIVER"


@pytest.mark.parametrize(
    ("state", "result", "stat"),
    [
        ("present", "PRESENT", ""),
        ("absent", "ABSENT", ""),
        ("unequivocal_progression", "UNEQUIVOCAL PROGRESSION", ""),
        ("not_evaluated", "", "NOT DONE"),
        ("unequivocal", "UNEQUIVOCAL", ""),
        ("equivocal", "EQUIVOCAL", ""),
    ],
)
def test_tr_tumor_state_of_non_target_and_new_lesions(state, result, stat):
    facts = sdtm.TumorStateFacts("NT1", date(2026, 12, 5), state)
    record = sdtm.tumor_state_record(KEY, 3, facts)
    assert (record["TRLNKID"], record["TRTESTCD"], record["TRTEST"]) == (
        "NT1",
        "TUMSTATE",
        "Tumor State",
    )
    assert (record["TRORRES"], record["TRSTRESC"], record["TRSTAT"]) == (result, result, stat)
    assert (record["TRORRESU"], record["TRSTRESN"]) == ("", None)


def test_tr_tumor_state_at_baseline_flags_the_last_observation_before_exposure():
    facts = sdtm.TumorStateFacts("NT1", date(2026, 11, 14), "present", baseline=True)
    assert sdtm.tumor_state_record(KEY, 1, facts)["TRLOBXFL"] == "Y"
    later = sdtm.TumorStateFacts("NT1", date(2026, 12, 5), "present")
    assert sdtm.tumor_state_record(KEY, 1, later)["TRLOBXFL"] == ""
