"""The permission matrix's rows for the sample pages (collected by
tests/trial/test_permission_matrix.py): a visit CRF read by every role of the site; the
site's data-entry staff add samples and record their handling (an empty form is the page
again with its errors, 403 for the others); an empty void form is the page again."""

from samples.services import sample_record
from tests.samples.factories import sample_values
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

ENTERS = holders(Capability.ENTER_DATA, 400)

# fmt: off
ROWS = {
    "visit_samples": [Check("visit", GET, SIGNED_IN, OTHER_SITE),
                      Check("visit", POST, ENTERS, other_site(ENTERS))],
    "sample_detail": [Check("sample", GET, SIGNED_IN, OTHER_SITE)],
    "sample_stage":  [Check("sample", POST, ENTERS, other_site(ENTERS))],
    "sample_void":   [Check("sample", POST, INVALID, INVALID_OTHER_SITE)],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """The C1D1 PK 1 h sample of the site's subject (`visit` is its C1D1)."""
    sample = sample_record(
        visit=visit,
        by=coordinator,
        values=sample_values(sample_id=f"PK-{subject.site.code}"),
        now=now,
    )
    return {"sample": sample}
