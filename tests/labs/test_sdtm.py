"""SDTM LB (labs.sdtm): the pure row builder, and the rows read from saved results."""

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest

from labs.sdtm import LB, LabFacts, lb_record, unit_text
from labs.services import lab_result_void
from review.sdtm import subject_key
from tests.labs.factories import C1D8, RECORDED_AT, dipstick, record_result
from tests.screening.factories import PLANNED_C1D1
from trial.models import Subject

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))
# Creatinine typed in mg/dL, read in umol/L; the site gives its range in umol/L.
CREATININE = LabFacts(
    test="CREAT",
    test_name="Creatinine",
    panel="chemistry",
    collected_on=date(2026, 11, 28),
    collected_time=time(8, 30),
    value=Decimal("2.0000"),
    unit="mg/dL",
    standard_value=Decimal("176.8000"),
    standard_unit="umol/L",
    normal_low=Decimal("62.0000"),
    normal_high=Decimal("106.0000"),
    range_low=Decimal("62.0000"),
    range_high=Decimal("106.0000"),
    range_unit="umol/L",
    laboratory="FR01 hospital laboratory",
    range_indicator="HIGH",
    grade=1,
    ctcae_term="Creatinine increased",
    visit_number=4,
    visit_name="Cycle 1 Day 8 (safety)",
)


def test_the_result_as_reported_and_in_the_standard_unit():
    row = lb_record(KEY, 3, CREATININE)
    assert list(row) == [v.name for v in LB.variables]
    assert (row["LBTESTCD"], row["LBTEST"], row["LBCAT"]) == ("CREAT", "Creatinine", "CHEMISTRY")
    assert (row["LBORRES"], row["LBORRESU"]) == ("2", "mg/dL")
    assert (row["LBSTRESC"], row["LBSTRESN"], row["LBSTRESU"]) == ("176.8", 176.8, "umol/L")
    assert (row["LBSTNRLO"], row["LBSTNRHI"], row["LBNRIND"]) == (62.0, 106.0, "HIGH")
    assert (row["LBTOX"], row["LBTOXGR"]) == ("Creatinine increased", "1")
    assert (row["LBSEQ"], row["VISITNUM"], row["VISIT"]) == (3, 4, "Cycle 1 Day 8 (safety)")
    assert (row["LBDTC"], row["LBDY"]) == ("2026-11-28T08:30", 8)
    assert row["LBNAM"] == "FR01 hospital laboratory"


# A urine dipstick: its category, no unit, no numeric result, no range.
DIPSTICK_PROTEIN = replace(
    CREATININE,
    test="PROT",
    test_name="Protein",
    panel="urinalysis",
    value=None,
    unit="",
    category="1+",
    standard_value=None,
    standard_unit="",
    normal_low=None,
    normal_high=None,
    range_low=None,
    range_high=None,
    range_unit="",
    laboratory="",
    range_indicator="ABNORMAL",
    grade=1,
    ctcae_term="Proteinuria",
    specimen="URINE",
    method="DIPSTICK",
)


def test_a_dipstick_is_its_category_in_urine_by_dipstick():
    row = lb_record(KEY, 2, DIPSTICK_PROTEIN)
    assert (row["LBTESTCD"], row["LBTEST"], row["LBCAT"]) == ("PROT", "Protein", "URINALYSIS")
    assert (row["LBSPEC"], row["LBMETHOD"]) == ("URINE", "DIPSTICK")
    assert (row["LBORRES"], row["LBORRESU"]) == ("1+", "")
    assert (row["LBSTRESC"], row["LBSTRESN"], row["LBSTRESU"]) == ("1+", None, "")
    assert (row["LBSTNRLO"], row["LBSTNRHI"], row["LBORNRLO"], row["LBORNRHI"]) == (
        None, None, "", ""
    )  # fmt: skip
    assert (row["LBNRIND"], row["LBTOX"], row["LBTOXGR"]) == ("ABNORMAL", "Proteinuria", "1")


def test_a_dipstick_ctcae_does_not_grade_has_no_toxicity():
    blood = replace(DIPSTICK_PROTEIN, test="OCCBLD", grade=None, ctcae_term="")
    row = lb_record(KEY, 1, blood)
    assert (row["LBTOX"], row["LBTOXGR"], row["LBORRES"]) == ("", "", "1+")


def test_a_blood_test_has_no_specimen_or_method_written():
    row = lb_record(KEY, 1, CREATININE)
    assert (row["LBSPEC"], row["LBMETHOD"]) == ("", "")


def test_rows_read_from_saved_dipsticks_and_24_hour_proteins(subject, site_a, coordinator_a, study):
    from labs.services import normal_range_record
    from tests.labs.factories import URINE_PROTEIN_RANGE, range_values

    normal_range_record(
        site=site_a, by=coordinator_a, values=range_values(**URINE_PROTEIN_RANGE), now=RECORDED_AT
    )
    record_result(subject, coordinator_a, **dipstick("4+"))
    record_result(subject, coordinator_a, test="PROTEXR", value=Decimal(400), unit="mg/day")

    rows = list(LB.records(study, Subject.objects.filter(pk=subject.pk)))

    strip, urine = sorted(rows, key=lambda r: r["LBTESTCD"])
    assert (strip["LBTESTCD"], strip["LBORRES"], strip["LBORRESU"], strip["LBSTRESN"]) == (
        "PROT", "4+", "", None
    )  # fmt: skip
    assert (strip["LBSPEC"], strip["LBMETHOD"], strip["LBTOXGR"]) == ("URINE", "DIPSTICK", "3")
    assert (urine["LBTESTCD"], urine["LBTEST"], urine["LBORRES"], urine["LBORRESU"]) == (
        "PROTEXR", "Protein Excretion Rate", "400", "mg/day"
    )  # fmt: skip
    assert (urine["LBSTRESN"], urine["LBSTRESU"], urine["LBSTNRHI"]) == (0.4, "g/day", 0.15)
    assert (urine["LBSPEC"], urine["LBMETHOD"], urine["LBNRIND"], urine["LBTOXGR"]) == (
        "URINE", "", "HIGH", "1"
    )  # fmt: skip


def test_the_range_in_original_units_only_where_the_laboratory_gave_it_in_the_results_unit():
    row = lb_record(KEY, 1, CREATININE)
    assert (row["LBORNRLO"], row["LBORNRHI"]) == ("", "")
    same = replace(CREATININE, value=Decimal("176.8"), unit="umol/L")
    row = lb_record(KEY, 1, same)
    assert (row["LBORNRLO"], row["LBORNRHI"], row["LBORRES"]) == ("62", "106", "176.8")


@pytest.mark.parametrize(
    ("grade", "indicator", "lbtoxgr", "lbtox", "lbnrind"),
    [
        (0, "NORMAL", "0", "Creatinine increased", "NORMAL"),
        (3, "HIGH", "3", "Creatinine increased", "HIGH"),
        (None, "", "", "", ""),  # no range in force: neither graded nor read against a range
    ],
)
def test_grade_and_range_indicator(grade, indicator, lbtoxgr, lbtox, lbnrind):
    row = lb_record(KEY, 1, replace(CREATININE, grade=grade, range_indicator=indicator))
    assert (row["LBTOXGR"], row["LBTOX"], row["LBNRIND"]) == (lbtoxgr, lbtox, lbnrind)


def test_without_a_range_the_reference_limits_are_null():
    limits = dict.fromkeys(("normal_low", "normal_high", "range_low", "range_high", "grade"))
    bare = replace(CREATININE, **limits, range_unit="", laboratory="", range_indicator="")
    row = lb_record(KEY, 1, bare)
    assert (row["LBSTNRLO"], row["LBSTNRHI"], row["LBORNRLO"], row["LBORNRHI"]) == (
        None,
        None,
        "",
        "",
    )


@pytest.mark.parametrize(
    ("unit", "ascii"),
    [("µmol/L", "umol/L"), ("10^3/µL", "10^3/uL"), ("/mm³", "/mm3"), ("g/dL", "g/dL")],
)
def test_units_are_written_in_ascii_as_cdisc_does(unit, ascii):
    assert unit_text(unit) == ascii


def test_rows_read_from_saved_results(subject, coordinator_a, study):
    baseline = record_result(subject, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1,
                             value=Decimal(30))  # fmt: skip
    record_result(subject, coordinator_a, test="NEUT", value=Decimal("1.2"), unit="10^9/L")
    later = record_result(subject, coordinator_a, value=Decimal(130))  # > 3 x ULN 40: grade 2
    voided = record_result(subject, coordinator_a, collected_on=C1D8, value=Decimal(45))
    lab_result_void(
        record=voided, by=coordinator_a, reason="Duplicate", expected_version=1, now=RECORDED_AT
    )

    rows = list(LB.records(study, Subject.objects.filter(pk=subject.pk)))

    assert [(r["LBSEQ"], r["LBTESTCD"], r["LBORRES"]) for r in rows] == [
        (1, "ALT", "30"),
        (2, "ALT", "130"),
        (3, "NEUT", "1.2"),
    ]
    first, alt, neut = rows
    assert (first["LBLOBXFL"], first["LBNRIND"], first["LBTOXGR"], first["LBDY"]) == (
        "Y",
        "NORMAL",
        "0",
        1,
    )
    assert (alt["LBLOBXFL"], alt["LBNRIND"], alt["LBTOXGR"]) == ("", "HIGH", str(later.grade))
    assert (alt["LBSTNRLO"], alt["LBSTNRHI"], alt["LBORNRHI"]) == (7.0, 40.0, "40")
    assert (neut["LBNRIND"], neut["LBTOXGR"], neut["LBSTRESU"]) == ("LOW", "2", "10^9/L")
    assert neut["VISIT"] == subject.visits.get(code="C1D8").name
    assert baseline.grade == 0
    assert LB.count(Subject.objects.filter(pk=subject.pk)) == 3
