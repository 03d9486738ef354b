"""Vital signs test data, built through the real services.

The default set is normal, taken at C1D2 (the safety visit the day after the first dose),
entered the next day.
"""

from datetime import time, timedelta
from decimal import Decimal

from tests.screening.factories import PLANNED_C1D1, at
from vitals.models import VitalSigns
from vitals.services import VITALS_FIELDS, vitals_record

C1D2 = PLANNED_C1D1 + timedelta(days=1)
RECORDED_AT = at(C1D2 + timedelta(days=1), 15)


def vitals_values(**changes) -> dict:
    values = {
        "measured_on": C1D2,
        "measured_time": time(9, 15),
        "temperature_c": Decimal("36.7"),
        "pulse_bpm": Decimal("74"),
        "systolic_mmhg": Decimal("122"),
        "diastolic_mmhg": Decimal("76"),
        "respiratory_rate": Decimal("14"),
        "spo2_pct": Decimal("98"),
    }
    unknown = set(changes) - set(VITALS_FIELDS)
    if unknown:
        raise KeyError(f"not vital signs fields: {sorted(unknown)}")
    return values | changes


def record_vitals(subject, by, visit_code="C1D2", *, now=RECORDED_AT, **changes) -> VitalSigns:
    return vitals_record(
        visit=subject.visits.get(code=visit_code), by=by, values=vitals_values(**changes), now=now
    )


def form_data(values: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in values.items()}
