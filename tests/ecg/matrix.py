"""The permission matrix's rows for the ECG pages (collected by
tests/trial/test_permission_matrix.py): a visit CRF read by every role of the site; the
site's data-entry staff add one (an empty form is the page again with its errors, 403 for
the others); an empty void form is the page again with its errors."""

from ecg.services import ecg_record
from tests.ecg.factories import ecg_values
from tests.screening.factories import PLANNED_C1D1
from tests.trial.matrix_rows import (
    GET,
    INVALID,
    INVALID_OTHER_SITE,
    OTHER_SITE,
    POST,
    SIGNED_IN,
    Check,
    holders,
    other_site,
)
from trial.capabilities import Capability

ADDS = holders(Capability.ENTER_DATA, 400)

# fmt: off
ROWS = {
    "visit_ecgs": [Check("visit", GET, SIGNED_IN, OTHER_SITE),
                   Check("visit", POST, ADDS, other_site(ADDS))],
    "ecg_detail": [Check("ecg", GET, SIGNED_IN, OTHER_SITE)],
    "ecg_void":   [Check("ecg", POST, INVALID, INVALID_OTHER_SITE)],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """The C1D1 pre-dose ECG of the site's subject (`visit` is its C1D1)."""
    ecg = ecg_record(
        visit=visit,
        by=coordinator,
        values=ecg_values(time_point="pre_dose", performed_on=PLANNED_C1D1),
        now=now,
    )
    return {"ecg": ecg}
