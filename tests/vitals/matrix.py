"""The permission matrix's rows for the vital signs pages (collected by
tests/trial/test_permission_matrix.py): a visit CRF read by every role of the site; the
site's data-entry staff add one (an empty form is the page again with its errors, 403 for
the others); an empty void form is the page again with its errors. The API lists for every
role, a set of another site is not found."""

from tests.screening.factories import CONSENTED
from tests.trial.matrix_rows import (
    API,
    API_OTHER_SITE,
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
from tests.vitals.factories import vitals_values
from trial.capabilities import Capability
from vitals.services import vitals_record

ADDS = holders(Capability.ENTER_DATA, 400)

# fmt: off
ROWS = {
    "visit_vitals":  [Check("visit", GET, SIGNED_IN, OTHER_SITE),
                      Check("visit", POST, ADDS, other_site(ADDS))],
    "vitals_detail": [Check("vitals", GET, SIGNED_IN, OTHER_SITE)],
    "vitals_void":   [Check("vitals", POST, INVALID, INVALID_OTHER_SITE)],
    "api-vital-signs-list":   [Check("none", GET, API)],
    "api-vital-signs-detail": [Check("vitals", GET, API, API_OTHER_SITE)],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """The screening vital signs of the site's subject, taken the day of its consent."""
    screening = subject.visits.get(code="SCR")
    values = vitals_values(measured_on=CONSENTED)
    vitals = vitals_record(visit=screening, by=coordinator, values=values, now=now)
    return {"vitals": vitals}
