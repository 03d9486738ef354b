"""Review test data: signed, locked and queried CRFs, built through the real services.

Dates follow tests/screening and tests/dosing factories: the C1D1 dose is given on
PLANNED_C1D1; SIGNED_AT and the other moments are on that day, passed as `now=`.
"""

from datetime import timedelta
from decimal import Decimal

from dosing.models import DosingRecord
from dosing.services import dose_record
from review.models import SignatureMeaning
from review.services import record_lock, record_sign
from tests.conftest import PASSWORD
from tests.dosing.factories import dose_values, visit_of
from tests.screening.factories import PLANNED_C1D1, at
from trial.models import Subject, User

SIGNED_AT = at(PLANNED_C1D1, 17)
LOCKED_AT = SIGNED_AT + timedelta(hours=1)
LATER = SIGNED_AT + timedelta(hours=2)


def c1d1_dose(subject: Subject) -> DosingRecord:
    return DosingRecord.objects.get(subject=subject, visit__code="C1D1")


def sign(record, investigator: User, *, now=SIGNED_AT):
    """`record` signed 'reviewed and approved' with the right password."""
    return record_sign(
        record=record,
        user=investigator,
        meaning=SignatureMeaning.REVIEWED,
        password=PASSWORD,
        now=now,
    )


def signed_and_locked(record, investigator: User, data_manager: User):
    sign(record, investigator)
    return record_lock(record=record, by=data_manager, now=LOCKED_AT)


def correct_c1d1(subject: Subject, by: User, *, reason="Transcribed from the source", **changes):
    """Edit the saved C1D1 dosing CRF (a correction, with its reason for change)."""
    record = c1d1_dose(subject)
    return dose_record(
        visit=visit_of(subject, "C1D1"),
        by=by,
        values=dose_values(subject, **changes),
        today=PLANNED_C1D1,
        expected_version=record.version,
        reason=reason,
    )


FEVER_C = Decimal("38.4")
NORMAL_C = Decimal("37.0")
