"""Medication test data, built through the real services.

Subjects are dosed as in tests/dosing/factories.py (C1D1 on PLANNED_C1D1); entries are
recorded at RECORDED_AT, the afternoon of C1D3 (AE_ONSET), after the first dose.
"""

from decimal import Decimal

from medications.models import ConcomitantMedication
from medications.services import CM_FIELDS, medication_record
from tests.adverse_events.factories import REPORTED_AT

RECORDED_AT = REPORTED_AT


def medication_values(**changes) -> dict:
    """Paracetamol 1 g orally as needed, since 2019-03 (a partial date), ongoing."""
    values = {
        "medication": "Paracetamol",
        "indication": "Tumour pain",
        "indication_ae": None,
        "indication_history": None,
        "dose": Decimal("1000"),
        "dose_code": "",
        "dose_unit": "mg",
        "route": "oral",
        "frequency": "as needed",
        "start_date": "2019-03",
        "ongoing": True,
        "end_date": "",
        "immunosuppressive": False,
        "investigational": False,
    }
    unknown = set(changes) - set(CM_FIELDS)
    if unknown:
        raise KeyError(f"not medication fields: {sorted(unknown)}")
    return values | changes


def record_medication(subject, by, **changes) -> ConcomitantMedication:
    return medication_record(
        subject=subject, by=by, values=medication_values(**changes), now=RECORDED_AT
    )


def form_data(values: dict) -> dict:
    data = {}
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        else:
            data[name] = str(value)
    return data
