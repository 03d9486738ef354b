"""Sample test data, built through the real services.

The subject's C1D1 dose (tests/dosing/factories.py) starts at 09:30 and ends at 09:45 on
PLANNED_C1D1, site time; the default sample is its PK 1 h sample, collected at 10:30, on time.
"""

from datetime import time

from samples.models import Sample
from samples.services import SAMPLE_FIELDS, sample_record
from tests.adverse_events.factories import REPORTED_AT
from tests.screening.factories import PLANNED_C1D1

RECORDED_AT = REPORTED_AT


def sample_values(**changes) -> dict:
    values = {
        "sample_type": "PK",
        "nominal_time": "H1",
        "sample_id": "PK-0001",
        "collected_on": PLANNED_C1D1,
        "collected_time": time(10, 30),
    }
    unknown = set(changes) - set(SAMPLE_FIELDS)
    if unknown:
        raise KeyError(f"not sample fields: {sorted(unknown)}")
    return values | changes


def visit_of(subject, code):
    return subject.visits.get(code=code)


def record_sample(subject, by, visit_code="C1D1", *, now=RECORDED_AT, **changes) -> Sample:
    return sample_record(
        visit=visit_of(subject, visit_code), by=by, values=sample_values(**changes), now=now
    )


def form_data(values: dict) -> dict:
    return {
        k: "" if v is None else (f"{v:%H:%M}" if isinstance(v, time) else str(v))
        for k, v in values.items()
    }
