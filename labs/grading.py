"""CTCAE v5.0 grade of a lab value, as pure functions (no ORM, no clock).

Thresholds are those of NCI's "CTCAE v5.0 Clean Copy" sheet (/work/shared/data/ctcae/
CTCAE_v5.0.xlsx, rows quoted beside each rule). Every value, limit and baseline is in the
test's standard unit (``labs.units``), passed exact (``Fraction`` or ``Decimal``). A value
below the first threshold is grade 0. Grades that need clinical facts (transfusion,
life-threatening consequences, death) are not given from a number: the highest grade a value
alone can give is returned and the AE form grades the event.

CTCAE writes grades as ranges "A - B" followed by ">B - C": a value equal to B belongs to the
lower grade, and for decreases ("<B - C") a value equal to B belongs to the lower grade too.

Choices the text leaves to the reader, made here and tested:
- "baseline was abnormal" for an *increased* term means the baseline was above ULN; a
  baseline below LLN, or no baseline, is read as normal.
- Creatinine's baseline criteria ("> 1.5 - 3.0 x baseline" for grade 2, "> 3.0 x baseline"
  for grade 3) apply only to a value above ULN, since grade 1 ("> ULN") is where the term
  starts; the grade is the higher of the ULN and the baseline readings.
- "INR increased" is graded on the INR itself (G1 >1.2 - 1.5, G2 >1.5 - 2.5, G3 >2.5),
  not against the range; its "x baseline if on anticoagulation" rows need to know the
  subject is anticoagulated, a fact of the medications CRF the value does not carry, and are
  not applied: an anticoagulated subject's INR is over-graded, for the investigator to judge
  on the AE form. The aPTT has no baseline rule (G1 >ULN - 1.5 x ULN, G2 >1.5 - 2.5 x ULN,
  G3 >2.5 x ULN; no grade 4).
- "Proteinuria" (adult grades) is graded on each result on its own: a dipstick's category
  (``grade_proteinuria_dipstick``) or a 24-hour urine protein in g/24 h (``grade_lab``,
  PROTEXR). Its navigational note "24-hour urine collection takes precedence over dipstick"
  is for the AE's grade, given by the investigator on the AE form: a dipstick keeps its own
  grade beside a 24-hour result of the same day.
- The decreases' fixed thresholds (neutrophils < 1.5, platelets < 75, haemoglobin < 100 g/L)
  give grade 2 and above even when the site's LLN is lower than them; grade 1 needs a value
  below LLN.
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Number = Fraction | Decimal | int

# Test code -> CTCAE v5.0 term (SDTM LBTESTCD -> the term LBTOXGR grades).
CTCAE_TERMS = {
    "NEUT": "Neutrophil count decreased",
    "PLAT": "Platelet count decreased",
    "WBC": "White blood cell decreased",
    "HGB": "Anemia",
    "ALT": "Alanine aminotransferase increased",
    "AST": "Aspartate aminotransferase increased",
    "BILI": "Blood bilirubin increased",
    "CREAT": "Creatinine increased",
    "INR": "INR increased",
    "APTT": "Activated partial thromboplastin time prolonged",
    "PROT": "Proteinuria",  # urine dipstick
    "PROTEXR": "Proteinuria",  # 24-hour urine protein
}
GRADED_TESTS = frozenset(CTCAE_TERMS)


@dataclass(frozen=True)
class Grade:
    grade: int  # 0: not graded as a toxicity
    term: str
    reason: str


def _f(x: Number) -> Fraction:
    return Fraction(x)


# Decreases, in 10^9/L or g/L: (lower bound of grade 2, grade 3, grade 4); None: no grade.
# "Neutrophil count decreased": G1 <LLN - 1.5 x 10e9/L; G2 <1.5 - 1.0; G3 <1.0 - 0.5; G4 <0.5.
# "Platelet count decreased": G1 <LLN - 75.0 x 10e9/L; G2 <75.0 - 50.0; G3 <50.0 - 25.0; G4 <25.0.
# "White blood cell decreased": G1 <LLN - 3.0 x 10e9/L; G2 <3.0 - 2.0; G3 <2.0 - 1.0; G4 <1.0.
# "Anemia": G1 Hgb <LLN - 100 g/L; G2 <100 - 80 g/L; G3 <80 g/L (G4 life-threatening: clinical).
_DECREASE_THRESHOLDS = {
    "NEUT": (Fraction("1.5"), Fraction("1.0"), Fraction("0.5")),
    "PLAT": (Fraction(75), Fraction(50), Fraction(25)),
    "WBC": (Fraction(3), Fraction(2), Fraction(1)),
    "HGB": (Fraction(100), Fraction(80), None),
}

# "... increased" with a baseline rule: multiples of ULN (baseline normal) and of baseline
# (baseline abnormal) at which grades 1-4 start, and whether the start is inclusive.
# ALT/AST: G1 ">ULN - 3.0 x ULN if baseline was normal; 1.5 - 3.0 x baseline if baseline was
#   abnormal"; G2 ">3.0 - 5.0 x"; G3 ">5.0 - 20.0 x"; G4 ">20.0 x".
# Bilirubin: G1 ">ULN - 1.5 x ULN if baseline was normal; > 1.0 - 1.5 x baseline if baseline
#   was abnormal"; G2 ">1.5 - 3.0 x"; G3 ">3.0 - 10.0 x"; G4 ">10.0 x".
_TRANSAMINASE = {
    "uln": (Fraction(1), Fraction(3), Fraction(5), Fraction(20)),
    # grade 1 of an abnormal baseline starts at 1.5 x baseline inclusive ("1.5 - 3.0").
    "baseline": (Fraction("1.5"), Fraction(3), Fraction(5), Fraction(20)),
    "baseline_g1_inclusive": True,
}
# "INR increased": absolute INR at which grades 1-3 start (exclusive); no grade 4.
_INR_STARTS = (Fraction("1.2"), Fraction("1.5"), Fraction("2.5"))
_INCREASE_THRESHOLDS = {
    "ALT": _TRANSAMINASE,
    "AST": _TRANSAMINASE,
    # No baseline rule: the ULN multiples whatever the baseline; None: no grade 4.
    "APTT": {
        "uln": (Fraction(1), Fraction("1.5"), Fraction("2.5"), None),
        "baseline": None,
        "baseline_g1_inclusive": False,
    },
    "BILI": {
        "uln": (Fraction(1), Fraction("1.5"), Fraction(3), Fraction(10)),
        "baseline": (Fraction(1), Fraction("1.5"), Fraction(3), Fraction(10)),
        "baseline_g1_inclusive": False,
    },
}


def baseline_is_abnormal(*, baseline: Number | None, uln: Number) -> bool:
    """For an *increased* term: the baseline was above ULN."""
    return baseline is not None and _f(baseline) > _f(uln)


def grade_lab(
    *,
    test: str,
    value: Number,
    lln: Number | None,
    uln: Number | None,
    baseline: Number | None = None,
) -> Grade:
    """The CTCAE v5.0 grade of ``value`` for ``test`` against its range and baseline."""
    term = CTCAE_TERMS.get(test)
    if term is None:
        raise ValueError(f"{test!r} has no CTCAE v5.0 grading here")
    v = _f(value)
    if v < 0:
        raise ValueError(f"{term}: a value cannot be negative, got {value}")
    if test == "INR":
        return _grade_inr(term, v)
    if test == "PROT":
        raise ValueError(f"{term}: a dipstick is graded on its category, not a number")
    if test in _DECREASE_THRESHOLDS:
        if lln is None:
            raise ValueError(f"{term}: grading needs the lower limit of normal")
        return _grade_decrease(test, term, v, _f(lln))
    if uln is None:
        raise ValueError(f"{term}: grading needs the upper limit of normal")
    if test == "PROTEXR":
        return _grade_urine_protein(term, v, _f(uln))
    if test == "CREAT":
        return _grade_creatinine(term, v, _f(uln), None if baseline is None else _f(baseline))
    return _grade_increase(test, term, v, _f(uln), None if baseline is None else _f(baseline))


def _grade_decrease(test: str, term: str, v: Fraction, lln: Fraction) -> Grade:
    g2, g3, g4 = _DECREASE_THRESHOLDS[test]
    if g4 is not None and v < g4:
        return Grade(4, term, f"{float(v):g} < {float(g4):g}")
    if v < g3:
        return Grade(3, term, f"{float(v):g} < {float(g3):g}")
    if v < g2:
        return Grade(2, term, f"{float(v):g} < {float(g2):g}")
    if v < lln:
        return Grade(1, term, f"{float(v):g} < LLN {float(lln):g}")
    return Grade(0, term, "not below LLN")


def _grade_increase(
    test: str, term: str, v: Fraction, uln: Fraction, baseline: Fraction | None
) -> Grade:
    rule = _INCREASE_THRESHOLDS[test]
    if rule["baseline"] is not None and baseline_is_abnormal(baseline=baseline, uln=uln):
        ref, label, starts = baseline, "baseline (abnormal)", rule["baseline"]
        g1_inclusive = rule["baseline_g1_inclusive"]
    else:
        ref, label, starts = uln, "ULN (baseline normal)", rule["uln"]
        g1_inclusive = False
    ratio = v / ref
    for grade in (4, 3, 2):
        if starts[grade - 1] is not None and ratio > starts[grade - 1]:
            return Grade(
                grade, term, f"{float(ratio):.3g} x {label} > {float(starts[grade - 1]):g}"
            )
    if ratio > starts[0] or (g1_inclusive and ratio == starts[0]):
        return Grade(1, term, f"{float(ratio):.3g} x {label}")
    return Grade(0, term, f"{float(ratio):.3g} x {label}: below grade 1")


def _grade_inr(term: str, v: Fraction) -> Grade:
    for grade in (3, 2, 1):
        start = _INR_STARTS[grade - 1]
        if v > start:
            return Grade(grade, term, f"INR {float(v):g} > {float(start):g}")
    return Grade(0, term, f"INR {float(v):g}: not above 1.2")


def _grade_creatinine(term: str, v: Fraction, uln: Fraction, baseline: Fraction | None) -> Grade:
    # "Creatinine increased": G1 >ULN - 1.5 x ULN; G2 >1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN;
    # G3 >3.0 x baseline; >3.0 - 6.0 x ULN; G4 >6.0 x ULN.
    if v <= uln:
        return Grade(0, term, "not above ULN")
    by_uln = v / uln
    grade = 4 if by_uln > 6 else 3 if by_uln > 3 else 2 if by_uln > Fraction("1.5") else 1
    reason = f"{float(by_uln):.3g} x ULN"
    if baseline:
        by_baseline = v / baseline
        from_baseline = 3 if by_baseline > 3 else 2 if by_baseline > Fraction("1.5") else 0
        if from_baseline > grade:
            grade, reason = from_baseline, f"{float(by_baseline):.3g} x baseline"
    return Grade(grade, term, reason)


# "Proteinuria" (CTCAE v5.0 Clean Copy, adult): G1 "1+ proteinuria; urinary protein >=ULN -
# <1.0 g/24 hrs"; G2 "Adult: 2+ and 3+ proteinuria; urinary protein 1.0 - <3.5 g/24 hrs";
# G3 "Adult: Urinary protein >=3.5 g/24 hrs; 4+ proteinuria"; no grade 4 or 5.
_DIPSTICK_PROTEIN_GRADES = {"Negative": 0, "Trace": 0, "1+": 1, "2+": 2, "3+": 2, "4+": 3}
_URINE_PROTEIN_G2, _URINE_PROTEIN_G3 = Fraction(1), Fraction("3.5")  # g/24 h, inclusive


def grade_proteinuria_dipstick(category: str) -> Grade:
    """CTCAE v5.0 "Proteinuria" (adult) of a urine dipstick: 1+ grade 1, 2+ and 3+ grade 2,
    4+ grade 3; negative and trace grade 0 (CTCAE starts at 1+)."""
    grade = _DIPSTICK_PROTEIN_GRADES.get(category)
    if grade is None:
        raise ValueError(
            f"Proteinuria: dipstick {category!r} is not one of "
            f"{', '.join(_DIPSTICK_PROTEIN_GRADES)}"
        )
    reason = f"dipstick {category}" + ("" if grade else ": below 1+")
    return Grade(grade, "Proteinuria", reason)


def _grade_urine_protein(term: str, v: Fraction, uln: Fraction) -> Grade:
    # The bounds are inclusive from below: 1.0 g is grade 2, 3.5 g grade 3, ULN grade 1.
    if v >= _URINE_PROTEIN_G3:
        return Grade(3, term, f"{float(v):g} g/24 h >= 3.5")
    if v >= _URINE_PROTEIN_G2:
        return Grade(2, term, f"{float(v):g} g/24 h >= 1.0")
    if v >= uln:
        return Grade(1, term, f"{float(v):g} g/24 h >= ULN {float(uln):g}")
    return Grade(0, term, f"{float(v):g} g/24 h below ULN {float(uln):g}")


def grade_category(*, test: str, category: str) -> Grade:
    """The CTCAE v5.0 grade of a categorical result; ValueError for a test CTCAE does not
    grade (dipstick blood and glucose)."""
    if test == "PROT":
        return grade_proteinuria_dipstick(category)
    raise ValueError(f"{test!r} has no CTCAE v5.0 grading here")


def category_indicator(*, category: str, normal: tuple[str, ...]) -> str:
    """SDTM LBNRIND of a categorical result: NORMAL within ``normal``, else ABNORMAL (CDISC
    NRIND's term for a result out of a non-numeric reference; HIGH and LOW are for numbers)."""
    return "NORMAL" if category in normal else "ABNORMAL"


def range_indicator(*, value: Number, lln: Number | None, uln: Number | None) -> str:
    """SDTM LBNRIND: LOW, HIGH, NORMAL, or "" without a range."""
    if lln is None and uln is None:
        return ""
    v = _f(value)
    if lln is not None and v < _f(lln):
        return "LOW"
    if uln is not None and v > _f(uln):
        return "HIGH"
    return "NORMAL"
