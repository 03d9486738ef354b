"""CTCAE v5.0 lab grading (labs/grading.py): each threshold from both sides, no database.

Thresholds quoted from NCI's "CTCAE v5.0 Clean Copy" (/work/shared/data/ctcae/CTCAE_v5.0.xlsx).
Values are in the standard units of labs.units: 10^9/L, g/L, U/L, µmol/L.
"""

import ast
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from adverse_events.ctcae import read_workbook
from labs import grading
from labs.grading import (
    baseline_is_abnormal,
    category_indicator,
    grade_category,
    grade_lab,
    grade_proteinuria_dipstick,
    range_indicator,
)
from labs.units import DIPSTICK, TESTS
from tests.adverse_events.test_ctcae import OFFICIAL_WORKBOOK

D = Decimal


# "Neutrophil count decreased": <LLN - 1.5; <1.5 - 1.0; <1.0 - 0.5; <0.5 x 10e9/L. LLN 2.0.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("2.0", 0),  # at LLN: normal
        ("1.99", 1),
        ("1.5", 1),  # 1.5 belongs to grade 1 ("<LLN - 1.5")
        ("1.49", 2),
        ("1.0", 2),
        ("0.99", 3),
        ("0.5", 3),
        ("0.49", 4),
        ("0", 4),
    ],
)
def test_neutrophil_count_decreased(value, grade):
    assert grade_lab(test="NEUT", value=D(value), lln=D("2.0"), uln=D("7.5")).grade == grade


# "Platelet count decreased": <LLN - 75.0; <75.0 - 50.0; <50.0 - 25.0; <25.0 x 10e9/L. LLN 150.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("150", 0),
        ("149.9", 1),
        ("75", 1),
        ("74.9", 2),
        ("50", 2),
        ("49.9", 3),
        ("25", 3),
        ("24.9", 4),
    ],
)
def test_platelet_count_decreased(value, grade):
    assert grade_lab(test="PLAT", value=D(value), lln=D(150), uln=D(400)).grade == grade


# "Anemia": Hgb <LLN - 100 g/L; <100 - 80 g/L; <80 g/L. Grade 4 is clinical. LLN 120 g/L.
@pytest.mark.parametrize(
    ("value", "grade"),
    [("120", 0), ("119.9", 1), ("100", 1), ("99.9", 2), ("80", 2), ("79.9", 3), ("30", 3)],
)
def test_anaemia_by_haemoglobin_never_reaches_grade_4_from_a_number(value, grade):
    assert grade_lab(test="HGB", value=D(value), lln=D(120), uln=D(160)).grade == grade


def test_a_fixed_threshold_gives_grade_2_even_when_the_sites_lln_is_below_it():
    # LLN 1.4: 1.45 is within normal for the site but < 1.5 x 10e9/L is grade 2 by CTCAE.
    assert grade_lab(test="NEUT", value=D("1.45"), lln=D("1.4"), uln=D(7)).grade == 2
    assert grade_lab(test="NEUT", value=D("1.5"), lln=D("1.4"), uln=D(7)).grade == 0


ULN_ALT = D(40)


# ALT/AST, baseline normal: >ULN - 3.0 x ULN; >3.0 - 5.0; >5.0 - 20.0; >20.0 x ULN.
@pytest.mark.parametrize("test", ["ALT", "AST"])
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("40", 0),
        ("40.1", 1),
        ("120", 1),  # 3.0 x ULN
        ("120.1", 2),
        ("200", 2),  # 5.0 x ULN
        ("200.1", 3),
        ("800", 3),  # 20.0 x ULN
        ("800.1", 4),
    ],
)
@pytest.mark.parametrize("baseline", [None, D(25), D(40), D(5)])
def test_transaminase_increased_with_a_normal_baseline_reads_multiples_of_uln(
    test, value, grade, baseline
):
    result = grade_lab(test=test, value=D(value), lln=D(7), uln=ULN_ALT, baseline=baseline)
    assert result.grade == grade


# ALT/AST, baseline abnormal (here 80 U/L = 2 x ULN): 1.5 - 3.0 x baseline; >3.0 - 5.0;
# >5.0 - 20.0; >20.0 x baseline.
@pytest.mark.parametrize("test", ["ALT", "AST"])
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("100", 0),  # above ULN but 1.25 x baseline: no worsening
        ("119.9", 0),
        ("120", 1),  # 1.5 x baseline, inclusive ("1.5 - 3.0")
        ("240", 1),
        ("240.1", 2),
        ("400", 2),
        ("400.1", 3),
        ("1600", 3),
        ("1600.1", 4),
    ],
)
def test_transaminase_increased_with_an_abnormal_baseline_reads_multiples_of_baseline(
    test, value, grade
):
    result = grade_lab(test=test, value=D(value), lln=D(7), uln=ULN_ALT, baseline=D(80))
    assert result.grade == grade
    assert "baseline (abnormal)" in result.reason


# Bilirubin, baseline normal: >ULN - 1.5 x ULN; >1.5 - 3.0; >3.0 - 10.0; >10.0 x ULN. ULN 20.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("20", 0),
        ("20.1", 1),
        ("30", 1),
        ("30.1", 2),
        ("60", 2),
        ("60.1", 3),
        ("200", 3),
        ("200.1", 4),
    ],
)
def test_bilirubin_increased_with_a_normal_baseline(value, grade):
    assert grade_lab(test="BILI", value=D(value), lln=D(3), uln=D(20), baseline=D(10)).grade == (
        grade
    )


# Bilirubin, baseline abnormal (30 µmol/L): > 1.0 - 1.5 x baseline; >1.5 - 3.0; >3.0 - 10.0;
# >10.0 x baseline.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("25", 0),
        ("30", 0),  # equal to baseline: grade 1 starts above 1.0 x baseline
        ("30.1", 1),
        ("45", 1),
        ("45.1", 2),
        ("90", 2),
        ("90.1", 3),
        ("300", 3),
        ("300.1", 4),
    ],
)
def test_bilirubin_increased_with_an_abnormal_baseline(value, grade):
    assert grade_lab(test="BILI", value=D(value), lln=D(3), uln=D(20), baseline=D(30)).grade == (
        grade
    )


# "Creatinine increased": G1 >ULN - 1.5 x ULN; G2 >1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN;
# G3 >3.0 x baseline; >3.0 - 6.0 x ULN; G4 >6.0 x ULN. ULN 100 µmol/L.
@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [
        ("100", None, 0),
        ("100.1", None, 1),
        ("150", None, 1),
        ("150.1", None, 2),
        ("300", None, 2),
        ("300.1", None, 3),
        ("600", None, 3),
        ("600.1", None, 4),
        # baseline 70: > 1.5 x baseline is 105; > 3.0 x baseline is 210.
        ("105", "70", 1),
        ("105.1", "70", 2),
        ("210", "70", 2),
        ("210.1", "70", 3),
        # baseline-relative rises below ULN are not "increased" (grade 1 starts above ULN).
        ("95", "40", 0),
        # the ULN reading wins when higher.
        ("650", "300", 4),
    ],
)
def test_creatinine_increased_takes_the_higher_of_uln_and_baseline_readings(value, baseline, grade):
    result = grade_lab(
        test="CREAT",
        value=D(value),
        lln=D(45),
        uln=D(100),
        baseline=None if baseline is None else D(baseline),
    )
    assert result.grade == grade


# "INR increased": >1.2 - 1.5; >1.5 - 2.5; >2.5 (the INR itself; no grade 4). The
# "x baseline if on anticoagulation" rows are not applied (labs.grading).
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("1.0", 0),
        ("1.2", 0),  # 1.2 is the end of normal: grade 1 starts above it
        ("1.21", 1),
        ("1.5", 1),
        ("1.51", 2),
        ("2.5", 2),
        ("2.51", 3),
        ("8", 3),
    ],
)
def test_inr_increased_reads_the_inr_itself(value, grade):
    assert grade_lab(test="INR", value=D(value), lln=D("0.8"), uln=D("1.2")).grade == grade


def test_inr_is_graded_on_its_own_thresholds_whatever_the_sites_range_and_baseline():
    # A site ULN of 1.1 does not make 1.15 grade 1; a baseline of 2.0 (anticoagulated)
    # does not lower the grade of 2.6.
    assert grade_lab(test="INR", value=D("1.15"), lln=None, uln=D("1.1")).grade == 0
    assert grade_lab(test="INR", value=D("2.6"), lln=None, uln=None, baseline=D(2)).grade == 3


# "Activated partial thromboplastin time prolonged": >ULN - 1.5 x ULN; >1.5 - 2.5 x ULN;
# >2.5 x ULN (no grade 4, no baseline rule). ULN 40 s.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("40", 0),  # at ULN
        ("40.1", 1),
        ("60", 1),  # 1.5 x ULN
        ("60.1", 2),
        ("100", 2),  # 2.5 x ULN
        ("100.1", 3),
        ("400", 3),  # never grade 4
    ],
)
@pytest.mark.parametrize("baseline", [None, D(30), D(55)])
def test_aptt_prolonged_reads_multiples_of_uln_whatever_the_baseline(value, grade, baseline):
    result = grade_lab(test="APTT", value=D(value), lln=D(25), uln=D(40), baseline=baseline)
    assert result.grade == grade


@pytest.mark.parametrize(
    ("baseline", "abnormal"), [(None, False), (D(40), False), (D(5), False), (D("40.01"), True)]
)
def test_an_abnormal_baseline_of_an_increase_is_one_above_uln(baseline, abnormal):
    assert baseline_is_abnormal(baseline=baseline, uln=D(40)) is abnormal


def test_exact_fractions_keep_a_converted_boundary_on_its_side():
    # 3 x ULN in mg/dL converted to µmol/L stays exactly 3 x ULN: grade 2, not 3 by rounding.
    factor = Fraction(10_000) / Fraction("584.66")
    assert grade_lab(test="BILI", value=3 * factor, lln=None, uln=factor).grade == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"test": "NEUT", "value": D(-1), "lln": D(2), "uln": D(7)}, "negative"),
        ({"test": "NEUT", "value": D(1), "lln": None, "uln": D(7)}, "lower limit"),
        ({"test": "ALT", "value": D(1), "lln": D(7), "uln": None}, "upper limit"),
        ({"test": "GLUC", "value": D(1), "lln": D(3), "uln": D(6)}, "no CTCAE"),
    ],
)
def test_grading_refuses_what_it_cannot_grade(kwargs, message):
    with pytest.raises(ValueError, match=message):
        grade_lab(**kwargs)


@pytest.mark.parametrize(
    ("value", "lln", "uln", "indicator"),
    [
        ("1.9", "2", "7", "LOW"),
        ("2", "2", "7", "NORMAL"),
        ("7", "2", "7", "NORMAL"),
        ("7.1", "2", "7", "HIGH"),
        ("7.1", None, "7", "HIGH"),
        ("0", "2", None, "LOW"),
        ("5", None, None, ""),
    ],
)
def test_range_indicator_is_sdtm_lbnrind(value, lln, uln, indicator):
    assert (
        range_indicator(
            value=D(value),
            lln=None if lln is None else D(lln),
            uln=None if uln is None else D(uln),
        )
        == indicator
    )


# "Proteinuria" (adult): G1 "1+ proteinuria"; G2 "2+ and 3+ proteinuria"; G3 "4+ proteinuria".
@pytest.mark.parametrize(
    ("category", "grade"),
    [("Negative", 0), ("Trace", 0), ("1+", 1), ("2+", 2), ("3+", 2), ("4+", 3)],
)
def test_proteinuria_by_dipstick(category, grade):
    assert grade_proteinuria_dipstick(category) == grade_category(test="PROT", category=category)
    assert grade_proteinuria_dipstick(category).grade == grade
    assert grade_proteinuria_dipstick(category).term == "Proteinuria"


def test_every_dipstick_protein_category_has_its_grade():
    assert TESTS["PROT"].categories == DIPSTICK
    for category in DIPSTICK:
        grade_proteinuria_dipstick(category)  # no ValueError


# "Proteinuria" (adult): G1 "urinary protein >=ULN - <1.0 g/24 hrs"; G2 "1.0 - <3.5 g/24 hrs";
# G3 ">=3.5 g/24 hrs". ULN 0.15 g/24 h. Each bound is inclusive from below.
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("0", 0),
        ("0.149", 0),
        ("0.15", 1),  # at ULN: grade 1 (">=ULN")
        ("0.999", 1),
        ("1.0", 2),
        ("3.499", 2),
        ("3.5", 3),
        ("12", 3),  # no grade 4 from a number
    ],
)
def test_proteinuria_by_24_hour_urine_protein(value, grade):
    result = grade_lab(test="PROTEXR", value=D(value), lln=None, uln=D("0.15"))
    assert (result.grade, result.term) == (grade, "Proteinuria")


def test_urine_protein_at_1_g_is_grade_2_even_with_a_uln_above_it():
    assert grade_lab(test="PROTEXR", value=D(1), lln=None, uln=D("1.2")).grade == 2
    assert grade_lab(test="PROTEXR", value=D("1.1"), lln=None, uln=D("1.2")).grade == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: grade_proteinuria_dipstick("5+"), r"dipstick '5\+' is not one of"),
        (lambda: grade_category(test="OCCBLD", category="1+"), "no CTCAE v5.0 grading"),
        (lambda: grade_lab(test="PROT", value=1, lln=None, uln=None), "graded on its category"),
        (
            lambda: grade_lab(test="PROTEXR", value=1, lln=None, uln=None),
            "needs the upper limit of normal",
        ),
    ],
)
def test_proteinuria_refuses_what_it_cannot_grade(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_proteinuria_grades_quote_the_official_sheet():
    [row] = [r for r in read_workbook(OFFICIAL_WORKBOOK) if r.term == "Proteinuria"]
    assert row.grade_1.startswith("1+ proteinuria; urinary protein ≥ULN - <1.0 g/24 hrs")
    assert row.grade_2.startswith("Adult: 2+ and 3+ proteinuria; urinary protein 1.0 - <3.5")
    assert row.grade_3.startswith("Adult: Urinary protein >=3.5 g/24 hrs; 4+ proteinuria")
    assert row.grade_4.strip() in ("", "-")
    assert row.navigational_note == "24-hour urine collection takes precedence over dipstick"


@pytest.mark.parametrize(
    ("test", "category", "indicator"),
    [
        ("PROT", "Negative", "NORMAL"),
        ("PROT", "Trace", "NORMAL"),
        ("PROT", "1+", "ABNORMAL"),
        ("PROT", "4+", "ABNORMAL"),
        ("OCCBLD", "Negative", "NORMAL"),
        ("OCCBLD", "Trace", "ABNORMAL"),
        ("GLUC", "Trace", "ABNORMAL"),
    ],
)
def test_a_dipstick_is_normal_in_its_normal_categories_else_abnormal(test, category, indicator):
    normal = TESTS[test].normal_categories
    assert category_indicator(category=category, normal=normal) == indicator


def test_every_graded_test_names_its_ctcae_v5_term_as_nci_spells_it():
    assert grading.CTCAE_TERMS["HGB"] == "Anemia"
    assert grading.CTCAE_TERMS["BILI"] == "Blood bilirubin increased"
    nci_terms = {row.term for row in read_workbook(OFFICIAL_WORKBOOK)}
    assert set(grading.CTCAE_TERMS.values()) <= nci_terms


@pytest.mark.parametrize("module", ["grading", "units", "ranges"])
def test_rule_modules_import_only_the_standard_library(module):
    source = Path(__file__).resolve().parents[2].joinpath("labs", f"{module}.py").read_text()
    allowed = {"collections", "dataclasses", "datetime", "decimal", "fractions", "labs"}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, f"labs/{module}.py imports {name}"
