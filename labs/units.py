"""Lab units: each graded test is read in one standard unit, the value as entered is kept.

A categorical test (a urine dipstick) has no unit: it is read as one of its ``categories``
(``LabTest.categorical``), those in ``normal_categories`` being within normal.

``standardise`` converts a value entered in one of the units a test accepts into the test's
standard unit (SI, as SDTM's LBSTRESN/LBSTRESU carry it). Conversion is exact (fractions), so
a value that is exactly 3 x ULN stays exactly 3 x ULN after both are converted; rounding is
only for display (``StandardValue.value``). No ORM, no clock.

Molar masses: creatinine C4H7N3O 113.12 g/mol; bilirubin C33H36N4O6 584.66 g/mol;
haemoglobin by its monomer (16,114.5 g/mol), as CTCAE v5.0's "Anemia" row pairs
10.0 g/dL with 6.2 mmol/L.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CREATININE_G_PER_MOL = Fraction("113.12")
BILIRUBIN_G_PER_MOL = Fraction("584.66")
HAEMOGLOBIN_MONOMER_G_PER_MOL = Fraction("16114.5")

# 1 mg/dL = 10 mg/L = 10 000 µg/L; divided by g/mol gives µmol/L.
_MG_PER_DL_TO_UMOL_PER_L_CREATININE = Fraction(10_000) / CREATININE_G_PER_MOL  # 88.40
_MG_PER_DL_TO_UMOL_PER_L_BILIRUBIN = Fraction(10_000) / BILIRUBIN_G_PER_MOL  # 17.10
# 1 mmol/L of monomer = 16.1145 g/L.
_MMOL_PER_L_TO_G_PER_L_HAEMOGLOBIN = HAEMOGLOBIN_MONOMER_G_PER_MOL / 1000

CELLS_SI = "10^9/L"
_COUNT_UNITS = {
    CELLS_SI: Fraction(1),
    "10^3/uL": Fraction(1),
    "10^3/µL": Fraction(1),
    # 1/mm³ = 1/µL = 10^6/L: 1500/mm³ is 1.5 x 10^9/L (CTCAE v5.0, "Neutrophil count decreased").
    "/mm3": Fraction(1, 1000),
    "/mm³": Fraction(1, 1000),
    "/uL": Fraction(1, 1000),
    "/µL": Fraction(1, 1000),
}
_ENZYME_UNITS = {"U/L": Fraction(1), "IU/L": Fraction(1), "ukat/L": Fraction(60)}
_ENZYME_UNITS["µkat/L"] = Fraction(60)
# Coagulation: the INR is a ratio (CDISC unit RATIO), the aPTT a time in seconds (sec).
_RATIO_UNITS = {"RATIO": Fraction(1), "ratio": Fraction(1)}
_SECONDS_UNITS = {"sec": Fraction(1), "s": Fraction(1)}
# 24-hour urine protein in CDISC's g/day ("Gram per 24 Hours"), as CTCAE's g/24 hrs.
_PER_DAY_UNITS = {
    "g/day": Fraction(1),
    "g/24 h": Fraction(1),
    "g/24h": Fraction(1),
    "mg/day": Fraction(1, 1000),
    "mg/24 h": Fraction(1, 1000),
    "mg/24h": Fraction(1, 1000),
}
# A urine dipstick's semi-quantitative scale, as the strip's colour chart reads it.
DIPSTICK = ("Negative", "Trace", "1+", "2+", "3+", "4+")
URINE, DIPSTICK_METHOD = "URINE", "DIPSTICK"  # SDTM LBSPEC, LBMETHOD (CDISC CT)


@dataclass(frozen=True)
class LabTest:
    code: str  # SDTM LBTESTCD
    name: str  # SDTM LBTEST
    standard_unit: str
    # unit as entered -> factor to the standard unit
    units: dict[str, Fraction]
    # display places of the standardised value
    places: int
    # A categorical test: its categories (no units); those within normal.
    categories: tuple[str, ...] = ()
    normal_categories: tuple[str, ...] = ()
    specimen: str = ""  # SDTM LBSPEC, where the test's specimen is not blood
    method: str = ""  # SDTM LBMETHOD

    @property
    def categorical(self) -> bool:
        return bool(self.categories)


TESTS: dict[str, LabTest] = {
    t.code: t
    for t in (
        LabTest("NEUT", "Neutrophils", CELLS_SI, _COUNT_UNITS, 2),
        LabTest("PLAT", "Platelets", CELLS_SI, _COUNT_UNITS, 1),
        LabTest("WBC", "Leukocytes", CELLS_SI, _COUNT_UNITS, 2),
        LabTest(
            "HGB",
            "Hemoglobin",
            "g/L",
            {
                "g/L": Fraction(1),
                "g/dL": Fraction(10),
                "mmol/L": _MMOL_PER_L_TO_G_PER_L_HAEMOGLOBIN,
            },
            1,
        ),
        LabTest("ALT", "Alanine Aminotransferase", "U/L", _ENZYME_UNITS, 1),
        LabTest("AST", "Aspartate Aminotransferase", "U/L", _ENZYME_UNITS, 1),
        LabTest(
            "BILI",
            "Bilirubin",
            "umol/L",
            {
                "umol/L": Fraction(1),
                "µmol/L": Fraction(1),
                "mg/dL": _MG_PER_DL_TO_UMOL_PER_L_BILIRUBIN,
            },
            1,
        ),
        LabTest("INR", "Prothrombin Intl. Normalized Ratio", "RATIO", _RATIO_UNITS, 2),
        LabTest("APTT", "Activated Partial Thromboplastin Time", "sec", _SECONDS_UNITS, 1),
        LabTest(
            "CREAT",
            "Creatinine",
            "umol/L",
            {
                "umol/L": Fraction(1),
                "µmol/L": Fraction(1),
                "mg/dL": _MG_PER_DL_TO_UMOL_PER_L_CREATININE,
            },
            1,
        ),
        # Urinalysis. Protein by dipstick is CDISC's PROT in urine by DIPSTICK; the 24-hour
        # urine protein is PROTEXR ("Protein Excretion Rate"). Trace protein is within normal
        # (CTCAE "Proteinuria" starts at 1+); for blood and glucose only a negative strip is.
        LabTest(
            "PROT",
            "Protein",
            "",
            {},
            0,
            categories=DIPSTICK,
            normal_categories=("Negative", "Trace"),
            specimen=URINE,
            method=DIPSTICK_METHOD,
        ),
        LabTest("PROTEXR", "Protein Excretion Rate", "g/day", _PER_DAY_UNITS, 3, specimen=URINE),
        LabTest(
            "OCCBLD",
            "Occult Blood",
            "",
            {},
            0,
            categories=DIPSTICK[:5],
            normal_categories=("Negative",),
            specimen=URINE,
            method=DIPSTICK_METHOD,
        ),
        LabTest(
            "GLUC",
            "Glucose",
            "",
            {},
            0,
            categories=DIPSTICK,
            normal_categories=("Negative",),
            specimen=URINE,
            method=DIPSTICK_METHOD,
        ),
    )
}


class UnitError(ValueError):
    """A unit missing or not accepted for the test; the message names the accepted ones."""


@dataclass(frozen=True)
class StandardValue:
    """A value in the test's standard unit, with what was entered kept beside it."""

    test: str
    original_value: Decimal
    original_unit: str
    exact: Fraction  # for grading: no rounding
    unit: str

    @property
    def value(self) -> Decimal:
        """The standardised value rounded for display and storage (LBSTRESN)."""
        places = TESTS[self.test].places
        quantum = Decimal(1).scaleb(-places)
        return (Decimal(self.exact.numerator) / Decimal(self.exact.denominator)).quantize(
            quantum, rounding=ROUND_HALF_UP
        )


def accepted_units(test: str) -> tuple[str, ...]:
    return tuple(TESTS[test].units)


def category_problem(test: str, category: str) -> str:
    """Why ``category`` is not a result of the categorical ``test``; "" if it is one."""
    lab_test = TESTS[test]
    if not category:
        return f"{lab_test.name} needs its category: one of {', '.join(lab_test.categories)}"
    if category not in lab_test.categories:
        return (
            f"{category!r} is not a category of {lab_test.name}: one of "
            f"{', '.join(lab_test.categories)}"
        )
    return ""


def standardise(*, test: str, value: Decimal, unit: str) -> StandardValue:
    """``value`` in ``unit`` read in the standard unit of ``test``."""
    lab_test = TESTS.get(test)
    if lab_test is None:
        raise UnitError(f"unknown lab test {test!r}")
    if lab_test.categorical:
        raise UnitError(f"{lab_test.name} is read as a category, not in a unit")
    if not unit or not unit.strip():
        raise UnitError(f"{lab_test.name}: a value needs its unit")
    factor = lab_test.units.get(unit.strip())
    if factor is None:
        raise UnitError(f"{lab_test.name}: unit {unit!r} is not one of {', '.join(lab_test.units)}")
    return StandardValue(
        test=test,
        original_value=value,
        original_unit=unit.strip(),
        exact=Fraction(value) * factor,
        unit=lab_test.standard_unit,
    )
