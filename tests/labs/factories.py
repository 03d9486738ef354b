"""Lab test data, built through the real services.

Site A's laboratory: ALT 7-40 U/L, neutrophils 2.0-7.5 x 10^9/L, haemoglobin by sex in g/dL,
all in force from a year before the study's dates.
"""

from datetime import timedelta
from decimal import Decimal

from labs.models import LabResult
from labs.services import RESULT_FIELDS, lab_result_record, normal_range_record
from tests.adverse_events.factories import REPORTED_AT
from tests.screening.factories import PLANNED_C1D1, TODAY

RECORDED_AT = REPORTED_AT
RANGES_FROM = TODAY - timedelta(days=365)
C1D8 = PLANNED_C1D1 + timedelta(days=7)


def range_values(**changes) -> dict:
    values = {
        "laboratory": "Site A central lab",
        "test": "ALT",
        "unit": "U/L",
        "low": Decimal(7),
        "high": Decimal(40),
        "sex": "",
        "age_min": None,
        "age_max": None,
        "effective_from": RANGES_FROM,
        "effective_to": None,
    }
    return values | changes


def add_ranges(site, by):
    for changes in (
        {},
        {"test": "NEUT", "unit": "10^9/L", "low": Decimal("2.0"), "high": Decimal("7.5")},
        {"test": "HGB", "unit": "g/dL", "low": Decimal("13.0"), "high": Decimal(17), "sex": "M"},
        {"test": "HGB", "unit": "g/dL", "low": Decimal("12.0"), "high": Decimal(16), "sex": "F"},
    ):
        normal_range_record(site=site, by=by, values=range_values(**changes), now=RECORDED_AT)


def result_values(**changes) -> dict:
    """ALT 50 U/L on C1D8 (grade 1 against ULN 40)."""
    values = {
        "test": "ALT",
        "collected_on": C1D8,
        "collected_time": None,
        "value": Decimal(50),
        "unit": "U/L",
    }
    unknown = set(changes) - set(RESULT_FIELDS)
    if unknown:
        raise KeyError(f"not lab result fields: {sorted(unknown)}")
    return values | changes


def dipstick(category="1+", **changes) -> dict:
    """The changes to result_values of a urine dipstick protein: a category, no value."""
    return {"test": "PROT", "value": None, "unit": "", "category": category} | changes


# Site A's 24-hour urine protein range (upper limit 0.15 g/24 h), for PROTEXR results.
URINE_PROTEIN_RANGE = {"test": "PROTEXR", "unit": "g/day", "low": None, "high": Decimal("0.15")}


def visit_of(subject, code):
    return subject.visits.get(code=code)


def record_result(subject, by, visit_code="C1D8", **changes) -> LabResult:
    return lab_result_record(
        visit=visit_of(subject, visit_code), by=by, values=result_values(**changes), now=RECORDED_AT
    )


def form_data(values: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in values.items()}
