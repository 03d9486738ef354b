"""Dosing test data: enrolled subjects and dosing CRF values, built through the real services.

Dates are relative to the fixed TODAY of tests/screening/factories.py: subjects are enrolled
on TODAY with C1D1 planned on PLANNED_C1D1 (TODAY + 1), and the C1D1 dose of `dose_values`
is given on PLANNED_C1D1, so `dose_record` needs `today=` on or after PLANNED_C1D1.
"""

from datetime import time, timedelta
from decimal import Decimal

from dosing.models import DoseChange, DosingRecord, Route
from dosing.services import DOSING_FIELDS, dose_record
from screening.services import subject_enroll
from tests.screening.factories import PLANNED_C1D1, TODAY, assessed_subject
from trial.models import Subject, User, Visit

# Cycles of 21 days (studies/il22bp_lnp.toml): C2D1 is planned 21 days after C1D1.
C2D1_TARGET = PLANNED_C1D1 + timedelta(days=21)


def enrolled_subject(study, site, coordinator: User, investigator: User, **changes) -> Subject:
    """A subject confirmed eligible on TODAY and enrolled with C1D1 planned on PLANNED_C1D1.

    `changes` override single eligibility answers (see `eligible_values`).
    """
    subject = assessed_subject(
        study=study, site=site, coordinator=coordinator, investigator=investigator, **changes
    )
    return subject_enroll(subject=subject, by=coordinator, planned_c1d1=PLANNED_C1D1, today=TODAY)


def make_room_in_cohort(subject: Subject) -> None:
    """Take `subject` out of the 3+3 count (replaced, not evaluable) so another can enroll.

    Escalation is study-wide: a fourth subject cannot enroll while three are in their DLT
    window. Tests that need many subjects (list pages) free the place this way.
    """
    Subject.objects.filter(pk=subject.pk).update(dlt_evaluable=False)


def visit_of(subject: Subject, code: str) -> Visit:
    """The subject's visit `code`, fresh from the database."""
    return Visit.objects.get(subject=subject, code=code)


def dose_values(subject: Subject, **changes) -> dict:
    """The dosing CRF of a dose given as planned on PLANNED_C1D1, keyed by DOSING_FIELDS.

    The dose is the subject's assigned level; vital signs are normal. `changes` override
    single fields (e.g. `administered_on=C2D1_TARGET` for the cycle 2 dose).
    """
    level = subject.dose_level
    values = {
        "dose_change": DoseChange.NONE,
        "dose_change_reason": "",
        "administered_on": PLANNED_C1D1,
        "start_time": time(9, 30),
        "stop_time": time(9, 45),
        "dose_level": level,
        "dose_amount": level.dose_amount if level else None,
        "dose_unit": level.dose_unit if level else "",
        "volume_ml": Decimal("1.00"),
        "route": Route.INTRATUMOURAL,
        "injected_lesions": "Left cervical node",
        "lot_number": "LOT-2026-07",
        "deviation_reason": "",
        "pre_temperature_c": Decimal("36.8"),
        "pre_pulse_bpm": Decimal("72"),
        "pre_systolic_mmhg": Decimal("124"),
        "pre_diastolic_mmhg": Decimal("78"),
        "pre_respiratory_rate": Decimal("14"),
        "pre_spo2_pct": Decimal("98"),
        "post_temperature_c": Decimal("37.0"),
        "post_pulse_bpm": Decimal("76"),
        "post_systolic_mmhg": Decimal("126"),
        "post_diastolic_mmhg": Decimal("80"),
        "post_respiratory_rate": Decimal("15"),
        "post_spo2_pct": Decimal("97"),
        "immediate_reaction": "",
        "pregnancy_test": "",
    }
    unknown = set(changes) - set(DOSING_FIELDS)
    if unknown:
        raise KeyError(f"not dosing CRF fields: {sorted(unknown)}")
    return values | changes


def record_dose(subject: Subject, code: str, by: User, *, today=None, **changes) -> DosingRecord:
    """The dose of visit `code` recorded through `dose_record`; `today` defaults to its date."""
    values = dose_values(subject, **changes)
    on = values["administered_on"]
    return dose_record(
        visit=visit_of(subject, code),
        by=by,
        values=values,
        today=today or on or PLANNED_C1D1,
    )


def dosed_subject(study, site, coordinator: User, investigator: User) -> Subject:
    """An enrolled subject whose C1D1 dose was given as planned on PLANNED_C1D1."""
    subject = enrolled_subject(study, site, coordinator, investigator)
    record_dose(subject, "C1D1", coordinator)
    subject.refresh_from_db()
    return subject
