"""SDTM VS (vitals.sdtm): the pure record builder, facts in, records with CDISC terms out;
and the rows read from both CRFs that record vital signs, the dosing CRF's before and after
each dose and the vital signs CRF's at the other visits, in time order with one baseline per
test."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from dosing.models import VITAL_FIELDS, DosingRecord
from dosing.services import dose_void
from review.sdtm import subject_key
from tests.dosing.factories import C2D1_TARGET, dosed_subject, record_dose
from tests.screening.factories import CONSENTED, PLANNED_C1D1
from tests.vitals.factories import C1D2, record_vitals
from trial.models import Subject
from vitals import sdtm
from vitals.services import vitals_void

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))

READINGS = dict.fromkeys(sdtm.DOSING_COLUMNS) | {
    "pre_temperature_c": Decimal("36.8"),
    "pre_pulse_bpm": Decimal("72"),
    "post_systolic_mmhg": Decimal("126"),
}
C1D1 = {
    "taken_on": date(2026, 11, 21),
    "visit_number": 2,
    "visit_name": "Cycle 1 Day 1",
    "dose_on": date(2026, 11, 21),
    "dose_time": time(9, 30),
}


def test_the_tests_are_the_crf_s_vital_signs():
    assert tuple(sdtm.VITAL_TESTS) == VITAL_FIELDS


def test_an_empty_field_gives_no_reading():
    signs = sdtm.vital_signs_of(READINGS, **C1D1)
    assert [(s.time_point, s.field, s.value) for s in signs] == [
        ("pre", "temperature_c", Decimal("36.8")),
        ("pre", "pulse_bpm", Decimal("72")),
        ("post", "systolic_mmhg", Decimal("126")),
    ]
    assert sdtm.vital_signs_of(dict.fromkeys(sdtm.DOSING_COLUMNS), **C1D1) == []


@pytest.mark.parametrize(
    ("field", "value", "testcd", "test", "orres", "unit"),
    [
        ("temperature_c", Decimal("36.8"), "TEMP", "Temperature", "36.8", "C"),
        ("temperature_c", Decimal("37.0"), "TEMP", "Temperature", "37", "C"),
        ("pulse_bpm", Decimal("72"), "PULSE", "Pulse Rate", "72", "beats/min"),
        ("systolic_mmhg", Decimal("124"), "SYSBP", "Systolic Blood Pressure", "124", "mmHg"),
        ("diastolic_mmhg", Decimal("78"), "DIABP", "Diastolic Blood Pressure", "78", "mmHg"),
        ("respiratory_rate", Decimal("14"), "RESP", "Respiratory Rate", "14", "breaths/min"),
        ("spo2_pct", Decimal("100"), "OXYSAT", "Oxygen Saturation", "100", "%"),
    ],
)
def test_vs_test_codes_names_and_units_are_cdisc_terms(field, value, testcd, test, orres, unit):
    sign = sdtm.VitalSignFacts(field=field, time_point="pre", value=value, **C1D1)
    row = sdtm.vs_record(KEY, 1, sign)
    assert (row["VSTESTCD"], row["VSTEST"], row["VSORRES"], row["VSORRESU"]) == (
        testcd,
        test,
        orres,
        unit,
    )
    assert (row["VSSTRESC"], row["VSSTRESN"], row["VSSTRESU"]) == (orres, float(value), unit)


@pytest.mark.parametrize(
    ("time_point", "tpt", "tptnum"), [("pre", "PRE-DOSE", 1), ("post", "POST-DOSE", 2)]
)
def test_vs_time_points_refer_to_the_dose_start(time_point, tpt, tptnum):
    sign = sdtm.VitalSignFacts(field="pulse_bpm", time_point=time_point, value=Decimal(72), **C1D1)
    row = sdtm.vs_record(KEY, 3, sign)
    assert list(row) == [v.name for v in sdtm.VS.variables]
    assert (row["VSTPT"], row["VSTPTNUM"], row["VSTPTREF"]) == (tpt, tptnum, "DOSE")
    assert (row["VSRFTDTC"], row["VSDTC"], row["VSDY"]) == ("2026-11-21T09:30", "2026-11-21", 1)
    assert (row["VSSEQ"], row["VISITNUM"], row["VISIT"]) == (3, 2, "Cycle 1 Day 1")


@pytest.mark.parametrize(
    ("taken_on", "vsdy"), [(date(2026, 12, 12), 22), (date(2026, 11, 20), -1), (None, None)]
)
def test_vs_study_day_counts_from_the_reference_start(taken_on, vsdy):
    sign = sdtm.VitalSignFacts("pulse_bpm", "pre", Decimal(72), taken_on)
    row = sdtm.vs_record(KEY, 1, sign)
    assert row["VSDY"] == vsdy
    assert row["VSDTC"] == (taken_on.isoformat() if taken_on else "")


def test_vs_of_a_dose_not_given_has_no_reference_time():
    sign = sdtm.VitalSignFacts("pulse_bpm", "pre", Decimal(72), date(2026, 12, 12))
    assert sdtm.vs_record(KEY, 1, sign)["VSRFTDTC"] == ""


@pytest.mark.parametrize(
    ("time_point", "dose_on", "after"),
    [
        ("pre", date(2026, 11, 21), False),
        ("post", date(2026, 11, 21), True),
        ("post", None, False),  # a dose skipped: nothing to be after
    ],
)
def test_only_a_post_dose_reading_of_a_dose_given_is_after_it(time_point, dose_on, after):
    sign = sdtm.VitalSignFacts("pulse_bpm", time_point, Decimal(72), date(2026, 11, 21),
                               dose_on=dose_on)  # fmt: skip
    assert sdtm.after_dose(sign) is after


def test_vs_flags_the_baseline_it_is_given():
    sign = sdtm.VitalSignFacts("pulse_bpm", "pre", Decimal(72), **C1D1)
    assert sdtm.vs_record(KEY, 1, sign)["VSLOBXFL"] == ""
    assert sdtm.vs_record(KEY, 1, replace(sign, last_before_exposure=True))["VSLOBXFL"] == "Y"


def test_vs_rows_read_from_saved_dosing_crfs_without_the_voided_one(
    study, site_a, coordinator_a, investigator_a
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_dose(subject, "C2D1", coordinator_a, administered_on=C2D1_TARGET, pre_pulse_bpm=None,
                post_temperature_c=Decimal("37.6"))  # fmt: skip
    c3d1 = C2D1_TARGET + timedelta(days=21)
    record_dose(subject, "C3D1", coordinator_a, administered_on=c3d1, pre_pulse_bpm=Decimal(99))
    dose_void(
        record=DosingRecord.objects.get(subject=subject, visit__code="C3D1"),
        by=coordinator_a,
        reason="Entered for the wrong subject",
        now=datetime(2027, 1, 2, 10, tzinfo=UTC),
    )
    subjects = Subject.objects.filter(pk=subject.pk)

    rows = list(sdtm.VS.records(study, subjects))

    assert len(rows) == 12 + 11  # C1D1 in full; C2D1 without its pre-dose pulse; no C3D1
    assert [r["VSSEQ"] for r in rows] == list(range(1, 24))
    assert {r["VISIT"] for r in rows} == {
        subject.visits.get(code="C1D1").name,
        subject.visits.get(code="C2D1").name,
    }
    by_key = {(r["VSDTC"], r["VSTPT"], r["VSTESTCD"]): r for r in rows}
    c1d1, c2d1 = PLANNED_C1D1.isoformat(), C2D1_TARGET.isoformat()
    assert (c2d1, "PRE-DOSE", "PULSE") not in by_key
    assert by_key[(c2d1, "POST-DOSE", "TEMP")]["VSORRES"] == "37.6"
    pre_pulse = by_key[(c1d1, "PRE-DOSE", "PULSE")]
    assert (pre_pulse["VSORRES"], pre_pulse["VSDY"], pre_pulse["VSRFTDTC"]) == (
        "72",
        1,
        f"{c1d1}T09:30",
    )
    # The baseline: each test's pre-dose reading on the first dose day, not the post-dose one.
    flagged = {(r["VSDTC"], r["VSTPT"]) for r in rows if r["VSLOBXFL"] == "Y"}
    assert flagged == {(c1d1, "PRE-DOSE")}
    assert sum(r["VSLOBXFL"] == "Y" for r in rows) == len(VITAL_FIELDS)
    assert by_key[(c2d1, "PRE-DOSE", "TEMP")]["VSDY"] == 22


def test_a_set_at_a_visit_has_no_planned_time_point_and_keeps_its_time():
    sign = sdtm.VitalSignFacts(
        "pulse_bpm", "visit", Decimal(70), date(2026, 11, 22), 3, "Cycle 1 Day 2 (safety)",
        taken_time=time(9, 15),
    )  # fmt: skip
    row = sdtm.vs_record(KEY, 1, sign)
    assert (row["VSTPT"], row["VSTPTNUM"], row["VSTPTREF"], row["VSRFTDTC"]) == ("", None, "", "")
    assert (row["VSDTC"], row["VSDY"], row["VISITNUM"]) == ("2026-11-22T09:15", 2, 3)
    assert not sdtm.after_dose(sign)


def test_an_empty_field_of_a_set_gives_no_reading():
    crf = dict.fromkeys(VITAL_FIELDS) | {"spo2_pct": Decimal(97), "pulse_bpm": Decimal(70)}
    signs = sdtm.visit_vital_signs_of(crf, taken_on=date(2026, 11, 22))
    assert [(s.field, s.time_point) for s in signs] == [
        ("pulse_bpm", "visit"),
        ("spo2_pct", "visit"),
    ]


@pytest.mark.parametrize(
    ("signs", "order"),
    [
        pytest.param([(date(2026, 11, 22), 3), (date(2026, 11, 13), 1)], [1, 0], id="by-date"),
        pytest.param([(date(2026, 11, 22), 4), (date(2026, 11, 22), 3)], [1, 0], id="then-visit"),
        pytest.param([(None, 2), (date(2026, 11, 13), 1)], [1, 0], id="undated-last"),
    ],
)
def test_a_subject_s_readings_are_in_time_order(signs, order):
    facts = [sdtm.VitalSignFacts("pulse_bpm", "visit", Decimal(70), on, n) for on, n in signs]
    assert sorted(facts, key=sdtm.in_time_order) == [facts[i] for i in order]


def test_vs_reads_both_crfs_in_time_order_with_one_baseline_per_test(
    study, site_a, coordinator_a, investigator_a
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_vitals(subject, coordinator_a, "SCR", measured_on=CONSENTED, spo2_pct=None)
    c1d2 = record_vitals(subject, coordinator_a, pulse_bpm=Decimal(81))
    voided = record_vitals(subject, coordinator_a, "C1D8", measured_on=C1D2 + timedelta(days=6),
                           now=datetime(2026, 11, 28, 12, tzinfo=UTC))  # fmt: skip
    vitals_void(record=voided, by=coordinator_a, reason="Wrong subject", expected_version=1,
                now=datetime(2026, 11, 28, 13, tzinfo=UTC))  # fmt: skip
    DosingRecord.objects.filter(subject=subject).update(pre_spo2_pct=None)

    rows = list(sdtm.VS.records(study, Subject.objects.filter(pk=subject.pk)))

    # Screening (5: no SpO2), C1D1 before and after the dose (11: no pre-dose SpO2), C1D2 (6).
    assert [(r["VISIT"], r["VSTPT"]) for r in rows] == (
        [("Screening", "")] * 5
        + [("Cycle 1 Day 1", "PRE-DOSE")] * 5
        + [("Cycle 1 Day 1", "POST-DOSE")] * 6
        + [("Cycle 1 Day 2 (safety)", "")] * 6
    )
    assert [r["VSSEQ"] for r in rows] == list(range(1, 23))
    assert rows[0]["VSDTC"] == f"{CONSENTED.isoformat()}T09:15" and rows[0]["VSDY"] < 0
    baseline = {r["VSTESTCD"]: (r["VISIT"], r["VSTPT"]) for r in rows if r["VSLOBXFL"] == "Y"}
    # C1D1's pre-dose reading, but for SpO2 not taken then: the screening set has none either,
    # so SpO2 has no baseline (the post-dose one of the first dose day is after it).
    assert baseline == {
        test: ("Cycle 1 Day 1", "PRE-DOSE") for test in ("TEMP", "PULSE", "SYSBP", "DIABP", "RESP")
    }
    assert rows[-5]["VSORRES"] == str(c1d2.pulse_bpm)
    assert sdtm.VS.count(Subject.objects.filter(pk=subject.pk)) == 12 + 2 * 6


def test_the_screening_set_is_the_baseline_of_a_test_not_taken_before_the_dose(
    study, site_a, coordinator_a, investigator_a
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_vitals(subject, coordinator_a, "SCR", measured_on=CONSENTED)
    DosingRecord.objects.filter(subject=subject).update(pre_spo2_pct=None)

    rows = list(sdtm.VS.records(study, Subject.objects.filter(pk=subject.pk)))

    flagged = {r["VSTESTCD"]: r["VISIT"] for r in rows if r["VSLOBXFL"] == "Y"}
    assert flagged["OXYSAT"] == "Screening" and flagged["PULSE"] == "Cycle 1 Day 1"


def test_a_subject_with_only_a_set_at_a_visit_has_its_rows_and_no_baseline(
    study, site_a, coordinator_a, investigator_a
):
    from tests.dosing.factories import enrolled_subject

    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    record_vitals(subject, coordinator_a, "SCR", measured_on=CONSENTED)

    rows = list(sdtm.VS.records(study, Subject.objects.filter(pk=subject.pk)))

    assert len(rows) == 6 and {r["VSLOBXFL"] for r in rows} == {""}
