"""SDTM EX and VS (dosing.sdtm): the pure builders, facts in, records with standard
variables and CDISC terms out (the injection site text links the lesion it names); and the
VS rows read from saved dosing CRFs."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from dosing import sdtm
from dosing.models import VITAL_FIELDS, DosingRecord
from dosing.services import dose_void
from review.sdtm import subject_key
from tests.dosing.factories import C2D1_TARGET, dosed_subject, record_dose
from tests.screening.factories import PLANNED_C1D1
from trial.models import Subject

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))


def test_ex_record_uses_cdisc_route_unit_and_dates():
    dose = sdtm.DoseFacts(
        visit_name="Cycle 1 Day 1",
        visit_number=2,
        administered_on=date(2026, 11, 21),
        amount=Decimal("25.000"),
        unit="µg",
        route="intratumoural",
        start_time=time(9, 30),
        stop_time=time(9, 45),
        lot="LOT-1",
        location="Left cervical node",
    )
    record = sdtm.ex_record(KEY, "IL-22BP/LNP", 1, dose)
    assert (record["EXDOSE"], record["EXDOSU"], record["EXROUTE"]) == (25.0, "ug", "INTRATUMOR")
    assert (record["EXSTDTC"], record["EXENDTC"]) == ("2026-11-21T09:30", "2026-11-21T09:45")
    assert (record["EXSTDY"], record["VISITNUM"], record["EXADJ"]) == (1, 2, "")


def test_reduced_dose_gives_its_reason_for_adjustment():
    dose = sdtm.DoseFacts(
        "Cycle 2 Day 1", 6, date(2026, 12, 12), Decimal(12), "µg", "intratumoural",
        dose_change="reduced", dose_change_reason="Grade 3 fever",
    )  # fmt: skip
    assert sdtm.ex_record(KEY, "IL-22BP/LNP", 2, dose)["EXADJ"] == "Grade 3 fever"


LESIONS = {"T1": ("Liver", "left lobe"), "T2": ("Lymph nodes", "right axilla")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Target lesion T1", ("T1", "LIVER", "LEFT")),
        ("t2", ("T2", "LYMPH NODE", "RIGHT")),
        ("Left cervical node", ("", "LYMPH NODE", "LEFT")),
        ("T1 and T2", ("", "", "")),  # two lesions: no single link
        ("T9", ("", "", "")),  # not one of the subject's lesions
    ],
)
def test_ex_injection_site_links_the_lesion_and_maps_its_location(text, expected):
    assert sdtm.injection_site(text, LESIONS) == expected
    dose = sdtm.DoseFacts(
        "Cycle 1 Day 1", 2, date(2026, 11, 21), Decimal("25"), "µg", "intratumoural",
        location=text, lesions=LESIONS,
    )  # fmt: skip
    record = sdtm.ex_record(KEY, "IL-22BP/LNP", 1, dose)
    assert (record["EXLNKID"], record["EXLOC"], record["EXLAT"]) == expected


# --- VS -------------------------------------------------------------------------------------

READINGS = dict.fromkeys(sdtm.VITAL_COLUMNS) | {
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
    assert sdtm.vital_signs_of(dict.fromkeys(sdtm.VITAL_COLUMNS), **C1D1) == []


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
