"""The permission matrix's rows for the medications pages (collected by
tests/trial/test_permission_matrix.py): found by the readers of a subject's background, at
their sites; the new-medication page by the data-entry roles only; an empty void form is the
page again with its errors. The API lists for every role, with only what the detail shows."""

from medications.services import medication_record
from tests.trial.matrix_rows import (
    API,
    API_BACKGROUND,
    BACKGROUND_ACTION,
    BACKGROUND_PAGE,
    DATA_ENTRY_PAGE,
    GET,
    NOBODY_FINDS,
    POST,
    Check,
    other_site,
)

# fmt: off
ROWS = {
    "medication_list":   [Check("subject", GET, BACKGROUND_PAGE, other_site(BACKGROUND_PAGE))],
    "medication_new":    [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "medication_detail": [Check("medication", GET, BACKGROUND_PAGE, other_site(BACKGROUND_PAGE))],
    "medication_void":   [Check("medication", POST, BACKGROUND_ACTION,
                                other_site(BACKGROUND_ACTION))],
    "api-medication-list":   [Check("none", GET, API)],
    "api-medication-detail": [Check("medication", GET, API_BACKGROUND,
                                    other_site(API_BACKGROUND))],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """One ongoing medication of the site's subject."""
    medication = medication_record(
        subject=subject,
        by=coordinator,
        values={"medication": "Paracetamol", "start_date": "2019", "ongoing": True},
        now=now,
    )
    return {"medication": medication}
