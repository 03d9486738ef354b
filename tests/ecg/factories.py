"""ECG test data, built through the real services.

The default ECG is a normal C1D8 recording in triplicate whose readings each have RR 1000 ms
(QTcF = QT): QT 400, 410 and 420 ms, an average QTcF of 410.0 ms, grade 0.
"""

from datetime import time, timedelta

from ecg.models import Electrocardiogram
from ecg.services import ECG_FIELDS, ecg_record
from tests.adverse_events.factories import REPORTED_AT
from tests.screening.factories import PLANNED_C1D1

RECORDED_AT = REPORTED_AT
C1D8 = PLANNED_C1D1 + timedelta(days=7)


def ecg_values(**changes) -> dict:
    values = {
        "time_point": "visit",
        "performed_on": C1D8,
        "performed_time": None,
        "interpretation": "normal",
        "abnormality": "",
    }
    for number, qt in ((1, 400), (2, 410), (3, 420)):
        values |= {
            f"heart_rate_bpm_{number}": 60,
            f"pr_ms_{number}": 160,
            f"qrs_ms_{number}": 90,
            f"qt_ms_{number}": qt,
            f"rr_ms_{number}": 1000,
        }
    unknown = set(changes) - set(ECG_FIELDS)
    if unknown:
        raise KeyError(f"not ECG fields: {sorted(unknown)}")
    return values | changes


def with_qt(qt: int, **changes) -> dict:
    """The three readings at RR 1000 ms with the same QT: their average QTcF is `qt`."""
    return ecg_values(qt_ms_1=qt, qt_ms_2=qt, qt_ms_3=qt, **changes)


def visit_of(subject, code):
    return subject.visits.get(code=code)


def record_ecg(subject, by, visit_code="C1D8", *, values=None, **changes) -> Electrocardiogram:
    return ecg_record(
        visit=visit_of(subject, visit_code),
        by=by,
        values=values if values is not None else ecg_values(**changes),
        now=RECORDED_AT,
    )


def record_c1d1_pre_dose_ecg(subject, by) -> Electrocardiogram:
    """An ECG before the C1D1 dose (08:00 on PLANNED_C1D1; the dose is given after it)."""
    return record_ecg(
        subject,
        by,
        "C1D1",
        time_point="pre_dose",
        performed_on=PLANNED_C1D1,
        performed_time=time(8),
    )


def form_data(values: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in values.items()}
