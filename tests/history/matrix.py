"""The permission matrix's rows for the prior cancer therapy pages (collected by
tests/trial/test_permission_matrix.py): found by the readers of a subject's background, at
their sites; the new-record pages by the data-entry roles only; an empty void form is the
page again with its errors. The API lists for every role, with only what the detail shows."""

from decimal import Decimal

from history.services import radiotherapy_record, surgery_record, systemic_line_record
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
    "prior_therapy_list":     [Check("subject", GET, BACKGROUND_PAGE, other_site(BACKGROUND_PAGE))],
    "systemic_line_new":      [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "prior_radiotherapy_new": [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "prior_surgery_new":      [Check("subject", GET, DATA_ENTRY_PAGE, NOBODY_FINDS)],
    "systemic_line_detail":      [Check("systemic_line", GET, BACKGROUND_PAGE,
                                        other_site(BACKGROUND_PAGE))],
    "prior_radiotherapy_detail": [Check("prior_radiotherapy", GET, BACKGROUND_PAGE,
                                        other_site(BACKGROUND_PAGE))],
    "prior_surgery_detail":      [Check("prior_surgery", GET, BACKGROUND_PAGE,
                                        other_site(BACKGROUND_PAGE))],
    "systemic_line_void":      [Check("systemic_line", POST, BACKGROUND_ACTION,
                                      other_site(BACKGROUND_ACTION))],
    "prior_radiotherapy_void": [Check("prior_radiotherapy", POST, BACKGROUND_ACTION,
                                      other_site(BACKGROUND_ACTION))],
    "prior_surgery_void":      [Check("prior_surgery", POST, BACKGROUND_ACTION,
                                      other_site(BACKGROUND_ACTION))],
    "api-prior-systemic-therapy-list":   [Check("none", GET, API)],
    "api-prior-systemic-therapy-detail": [Check("systemic_line", GET, API_BACKGROUND,
                                                other_site(API_BACKGROUND))],
    "api-prior-radiotherapy-list":       [Check("none", GET, API)],
    "api-prior-radiotherapy-detail":     [Check("prior_radiotherapy", GET, API_BACKGROUND,
                                                other_site(API_BACKGROUND))],
    "api-prior-surgery-list":            [Check("none", GET, API)],
    "api-prior-surgery-detail":          [Check("prior_surgery", GET, API_BACKGROUND,
                                                other_site(API_BACKGROUND))],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """One record of each prior-therapy CRF of the site's subject."""
    return {
        "systemic_line": systemic_line_record(
            subject=subject,
            by=coordinator,
            values={
                "line_number": 1,
                "regimen": "FOLFOX",
                "agents": "oxaliplatin, fluorouracil",
                "start_date": "2025-01",
                "end_date": "2025-06",
                "best_response": "PD",
                "reason_stopped": "progression",
            },
            now=now,
        ),
        "prior_radiotherapy": radiotherapy_record(
            subject=subject,
            by=coordinator,
            values={
                "site": "Pelvis",
                "total_dose_gy": Decimal(50),
                "start_date": "2024-01",
                "end_date": "2024-02",
            },
            now=now,
        ),
        "prior_surgery": surgery_record(
            subject=subject,
            by=coordinator,
            values={"procedure": "Excision", "surgery_date": "2023"},
            now=now,
        ),
    }
