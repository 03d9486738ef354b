"""The permission matrix's rows for the disposition pages (collected by
tests/trial/test_permission_matrix.py): the subject page's form (an empty one is the page
again); a recorded disposition's page, read by every role of the subject's site; its
correction and void, by the site's data-entry staff only (403 for the others before the form
is read, an empty form the page again)."""

from dispositions.models import Disposition, DispositionKind
from dispositions.services import disposition_record
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
    "subject_disposition": [Check("subject", POST, INVALID, INVALID_OTHER_SITE)],
    "disposition_detail":  [Check("disposition", GET, SIGNED_IN, OTHER_SITE),
                            Check("disposition", POST, ENTERS, other_site(ENTERS))],
    "disposition_void":    [Check("disposition", POST, ENTERS, other_site(ENTERS))],
}
# fmt: on


def objects(*, subject, coordinator, visit, now):
    """The end of treatment of the site's subject, dated its last dose (C1D1)."""
    on = subject.last_dose_on
    disposition_record(
        subject=subject,
        by=coordinator,
        kind=DispositionKind.END_OF_TREATMENT,
        on=on,
        reason="Investigator's decision",
        today=on,
    )
    subject.refresh_from_db()
    return {"disposition": Disposition.objects.get(subject=subject)}
