"""Lab unit conversion (labs/units.py): one standard unit per test, the entry kept."""

from decimal import Decimal
from fractions import Fraction

import pytest

from labs.units import TESTS, UnitError, accepted_units, category_problem, standardise

D = Decimal


@pytest.mark.parametrize(
    ("test", "value", "unit", "standard", "standard_unit"),
    [
        ("HGB", "10.0", "g/dL", "100.0", "g/L"),
        ("HGB", "100", "g/L", "100.0", "g/L"),
        # CTCAE v5.0 "Anemia" pairs 10.0 g/dL with 6.2 mmol/L: 6.2 mmol/L is 99.9 g/L.
        ("HGB", "6.2", "mmol/L", "99.9", "g/L"),
        ("NEUT", "1500", "/mm3", "1.50", "10^9/L"),
        ("NEUT", "1.5", "10^3/uL", "1.50", "10^9/L"),
        ("PLAT", "75000", "/mm³", "75.0", "10^9/L"),
        # creatinine 113.12 g/mol: 1 mg/dL = 88.4 µmol/L.
        ("CREAT", "1", "mg/dL", "88.4", "umol/L"),
        ("CREAT", "1.13", "mg/dL", "99.9", "umol/L"),
        # bilirubin 584.66 g/mol: 1 mg/dL = 17.1 µmol/L.
        ("BILI", "1", "mg/dL", "17.1", "umol/L"),
        ("BILI", "1.2", "mg/dL", "20.5", "umol/L"),
        ("BILI", "20.5", "µmol/L", "20.5", "umol/L"),
        ("ALT", "1", "ukat/L", "60.0", "U/L"),
        ("AST", "35", "IU/L", "35.0", "U/L"),
        ("INR", "1.25", "RATIO", "1.25", "RATIO"),
        ("INR", "1.25", "ratio", "1.25", "RATIO"),
        ("APTT", "32.5", "sec", "32.5", "sec"),
        ("APTT", "32.5", "s", "32.5", "sec"),
        # 24-hour urine protein in CDISC's g/day (CTCAE's g/24 hrs).
        ("PROTEXR", "0.42", "g/24 h", "0.420", "g/day"),
        ("PROTEXR", "150", "mg/day", "0.150", "g/day"),
        ("PROTEXR", "3500", "mg/24h", "3.500", "g/day"),
    ],
)
def test_standardise_converts_to_the_tests_standard_unit(
    test, value, unit, standard, standard_unit
):
    result = standardise(test=test, value=D(value), unit=unit)
    assert result.value == D(standard)
    assert result.unit == standard_unit
    assert (result.original_value, result.original_unit) == (D(value), unit)


def test_the_exact_value_is_kept_unrounded_for_grading():
    result = standardise(test="BILI", value=D(1), unit="mg/dL")
    assert isinstance(result.exact, Fraction)
    assert float(result.exact) == pytest.approx(17.10396, rel=1e-6)


@pytest.mark.parametrize(
    ("test", "unit", "message"),
    [
        ("HGB", "", "needs its unit"),
        ("HGB", "   ", "needs its unit"),
        ("HGB", "mg/dL", "not one of g/L, g/dL, mmol/L"),
        ("CREAT", "g/L", "not one of"),
        ("XYZ", "g/L", "unknown lab test"),
        ("INR", "", "needs its unit"),
        ("INR", "%", "not one of RATIO, ratio"),
        ("APTT", "min", "not one of sec, s"),
        ("PROT", "g/L", "read as a category, not in a unit"),
        ("OCCBLD", "", "read as a category"),
    ],
)
def test_a_missing_or_foreign_unit_is_refused_naming_the_accepted_ones(test, unit, message):
    with pytest.raises(UnitError, match=message):
        standardise(test=test, value=D(1), unit=unit)


def test_each_test_accepts_its_standard_unit():
    for test in ("NEUT", "PLAT", "WBC", "HGB", "ALT", "AST", "BILI", "CREAT", "INR", "APTT"):
        assert standardise(test=test, value=D(1), unit=accepted_units(test)[0]).exact == 1


@pytest.mark.parametrize(
    ("test", "category", "problem"),
    [
        ("PROT", "1+", ""),
        ("PROT", "Negative", ""),
        ("PROT", "", "Protein needs its category: one of Negative, Trace, 1+, 2+, 3+, 4+"),
        ("PROT", "positive", "'positive' is not a category of Protein"),
        ("OCCBLD", "3+", ""),
        (
            "OCCBLD",
            "4+",
            "'4+' is not a category of Occult Blood: one of Negative, Trace, 1+, 2+, 3+",
        ),
    ],
)
def test_a_categorical_result_is_one_of_its_tests_categories(test, category, problem):
    assert category_problem(test, category).startswith(problem)
    assert bool(category_problem(test, category)) == bool(problem)


def test_a_categorical_test_has_no_units_and_a_numeric_one_no_categories():
    for lab_test in TESTS.values():
        assert bool(lab_test.units) != lab_test.categorical, lab_test.code
        assert set(lab_test.normal_categories) <= set(lab_test.categories)
