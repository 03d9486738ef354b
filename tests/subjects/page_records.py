"""A subject with records in every CRF that has a section on the subject page or a form on
its visit rows, built through the real services: the subject page's query tests."""

from datetime import time, timedelta
from decimal import Decimal

from adverse_events.services import ae_record
from ecg.services import ecg_record
from history.services import medical_history_record
from labs.services import lab_result_record
from medications.services import medication_record
from samples.services import sample_record
from tests.adverse_events.factories import FEVER, ae_values, load_starter_dictionary
from tests.dosing.factories import dosed_subject
from tests.ecg.factories import ecg_values
from tests.history.factories import history_values, record_lines
from tests.labs.factories import add_ranges, result_values
from tests.medications.factories import medication_values
from tests.samples.factories import sample_values
from tests.screening.factories import CONSENTED, TODAY, at
from tests.vitals.factories import vitals_values
from tumours.services import baseline_record
from vitals.services import vitals_record

# Visits without a dose, each given a lab result, an ECG and vital signs (in this order).
VISITS = ("C1D2", "C1D8", "C1D15", "EOT", "FU1M")
# PK samples of the C1D1 dose (started at 09:30), each on time: one per visit above.
SAMPLE_TIMES = (
    ("H0.5", time(10)),
    ("H1", time(10, 30)),
    ("H2", time(11, 30)),
    ("H4", time(13, 30)),
    ("H8", time(17, 30)),
)


def subject_with_every_crf(study, site, coordinator, investigator):
    """A subject dosed at C1D1 (tests/dosing/factories.py) with two prior therapy lines, a
    RECIST baseline and the records of the first visit of VISITS (`record_visits`)."""
    load_starter_dictionary()
    add_ranges(site, coordinator)
    subject = dosed_subject(study, site, coordinator, investigator)
    record_lines(subject, coordinator)
    lesion = {"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False}
    baseline_record(
        subject=subject,
        by=coordinator,
        assessment_date=CONSENTED + timedelta(days=1),
        lesions=[lesion | {"diameter_mm": Decimal(30)}],
        non_target="not_present",
        today=TODAY,
    )
    record_visits(subject, coordinator, 1)
    subject.refresh_from_db()
    return subject


def record_visits(subject, by, *numbers: int) -> None:
    """For each visit of VISITS by its number (1: C1D2): a lab result, an ECG and vital signs
    at it, a C1D1 PK sample, an adverse event, a medication and a condition."""
    c1d1 = subject.visits.get(code="C1D1")
    for number in numbers:
        visit = subject.visits.get(code=VISITS[number - 1])
        day = visit.target_date
        now = at(day, 18)
        lab_result_record(visit=visit, by=by, values=result_values(collected_on=day), now=now)
        ecg_record(visit=visit, by=by, values=ecg_values(performed_on=day), now=now)
        vitals_record(visit=visit, by=by, values=vitals_values(measured_on=day), now=now)
        nominal, collected = SAMPLE_TIMES[number - 1]
        sample = sample_values(
            sample_id=f"PK-{number:04d}", nominal_time=nominal, collected_time=collected
        )
        sample_record(visit=c1d1, by=by, values=sample, now=now)
        ae_record(subject=subject, by=by, values=ae_values(FEVER, onset_date=day), now=now)
        medication = medication_values(medication=f"Drug {number}")
        medication_record(subject=subject, by=by, values=medication, now=now)
        condition = history_values(condition=f"Condition {number}")
        medical_history_record(subject=subject, by=by, values=condition, now=now)
