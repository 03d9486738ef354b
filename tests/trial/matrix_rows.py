"""The rows of the permission matrix (tests/trial/test_permission_matrix.py): how a URL is
called (`Check`) and the status each role gets, built from the capability table.

A CRF app writes the rows of its own pages in `tests/<app>/matrix.py` (`ROWS`, and `objects()`
for the records they are requested for), with these helpers; the matrix test collects them, so
a new CRF touches no file of the matrix (docs/adding-a-crf.md).
"""

from dataclasses import dataclass, field

from tests.trial.matrix_data import OTHER, OWN, ROLES, SITE_ROLES
from trial.capabilities import Capability, roles_for
from trial.models import Role

GET, POST = "GET", "POST"
ANY_SITE = "any"  # pages without an object: one case per role


@dataclass(frozen=True)
class Check:
    """One way of calling a URL and the status each role gets.

    `kind` says which object the URL is built for (see MatrixData.url_kwargs): "none" and
    "chart" have no site, so only `own` is read; otherwise `own` is for the FR01 object and
    `other` for the FR02 one. `bugs` marks (role, site) cases whose status is what the row
    says should be answered but is not yet: strict xfails, each naming the defect.
    """

    kind: str
    method: str
    own: tuple[int, ...]
    other: tuple[int, ...] | None = None
    bugs: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self):
        sited = self.kind not in ("none", "chart")
        assert len(self.own) == len(ROLES), self
        assert (self.other is not None) == sited, f"{self.kind}: other row iff it has a site"
        assert self.other is None or len(self.other) == len(ROLES), self

    @property
    def sites(self) -> tuple[str, ...]:
        return (OWN, OTHER) if self.other is not None else (ANY_SITE,)

    def expected(self, role: str, site: str) -> int:
        row = self.other if site == OTHER else self.own
        return row[ROLES.index(role)]


def _both(role: str, reason: str) -> dict[tuple[str, str], str]:
    return {(role, OWN): reason, (role, OTHER): reason}


# --- rows read from the capability table ------------------------------------------------------
# The rows of the roles' rights are built from trial.capabilities, so the matrix checks every
# URL against the table the code asks (tests/trial/test_capabilities.py pins the table itself).

USED: set[Capability] = set()  # the capabilities some row reads (see the test at the end)


def _row(status_of, *, anonymous=302) -> tuple[int, ...]:
    return tuple(anonymous if role == "anonymous" else status_of(role) for role in ROLES)


def holders(capability, yes, no=403, *, found_by=None, anonymous=302) -> tuple[int, ...]:
    """`yes` for the roles holding `capability`, `no` for the others; with `found_by`, 404 for
    the roles that do not find the object at all (the capability its lookup is scoped by)."""
    USED.update({capability} | ({found_by} if found_by else set()))

    def status(role):
        if found_by is not None and role not in roles_for(found_by):
            return 404
        return yes if role in roles_for(capability) else no

    return _row(status, anonymous=anonymous)


def finders(capability, status, *, anonymous=302) -> tuple[int, ...]:
    """`status` for the roles whose lookup, scoped by `capability`, finds the object; 404
    for the others (ids are not confirmed)."""
    return holders(capability, status, 404, anonymous=anonymous)


def other_site(row: tuple[int, ...]) -> tuple[int, ...]:
    """The same call on the other site's object: the site roles (FR01 only) do not find it."""
    return tuple(404 if role in SITE_ROLES else s for role, s in zip(ROLES, row, strict=True))


def _export_run_status(role):
    """The run is the data manager's: its requester, and whoever reads every run, find it."""
    if role not in roles_for(Capability.EXPORT):
        return 403
    mine = role == Role.DATA_MANAGER or role in roles_for(Capability.READ_ALL_EXPORTS)
    return 200 if mine else 404


USED.update({Capability.EXPORT, Capability.READ_ALL_EXPORTS})

# The matrix is a table: keep its columns aligned.
# fmt: off

# Rows in the order of ROLES.
#                                   anon coord inv  mon  dm  safety admin
EVERYONE                         = (200, 200, 200, 200, 200, 200, 200)
SIGNED_IN                        = (302, 200, 200, 200, 200, 200, 200)
# An object of another site: the site roles do not find it; the study-wide roles do.
OTHER_SITE                       = other_site(SIGNED_IN)
# An empty POST every role in scope may make: sent back to the page with a message.
BACK                             = (302, 302, 302, 302, 302, 302, 302)
# An empty POST of a form that the view re-renders with its errors.
INVALID                          = (302, 400, 400, 400, 400, 400, 400)
INVALID_OTHER_SITE               = other_site(INVALID)
# A CRF's own side form the data-entry roles post (voiding a tumour assessment): every other
# role is refused (403) before the form is read.
ENTERS_DATA                      = holders(Capability.ENTER_DATA, 302)
# The void of a screening CRF (consent, eligibility): refused (403) to the roles that do not
# enter data before the form is read; an empty form is the screening page again (400).
SCREENING_VOID                   = holders(Capability.ENTER_DATA, 400)
# Pages found only by the roles that enter data (tumour assessments, a new AE).
DATA_ENTRY_PAGE                  = finders(Capability.ENTER_DATA, 200)
NOBODY_FINDS                     = other_site(DATA_ENTRY_PAGE)
# AEs, queries and the audit trail: found by their readers (not sponsor safety, SAEs only).
AE_PAGE                          = finders(Capability.READ_AES, 200)
QUERY_PAGE                       = finders(Capability.READ_QUERIES, 200)
AUDIT_PAGE                       = finders(Capability.READ_AUDIT_TRAIL, 200)
# An empty side form of an AE (causality, DLT, void): the page again with the form's errors.
AE_ACTION                        = finders(Capability.READ_AES, 400)
# Medical history and medications: found by their readers; an empty void form is the page
# again with its errors.
BACKGROUND_PAGE                  = finders(Capability.READ_BACKGROUND, 200)
BACKGROUND_ACTION                = finders(Capability.READ_BACKGROUND, 400)
# SAEs: every role reads them (sponsor safety, SAEs only).
SAE_PAGE                         = finders(Capability.READ_SAES, 200)
SAE_ACTION                       = finders(Capability.READ_SAES, 400)
# Queries: answered by the site; closed and re-opened by monitors and data managers (or by
# the investigator who raised it: here the monitor did).
QUERY_ANSWER                     = holders(Capability.ANSWER_QUERY, 302,
                                           found_by=Capability.READ_QUERIES)
QUERY_CLOSE                      = holders(Capability.CLOSE_QUERY, 302,
                                           found_by=Capability.READ_QUERIES)
# Review services check the capability before the form: the others get 403 where they find
# the record.
CONFIRMS_ELIGIBILITY             = holders(Capability.CONFIRM_ELIGIBILITY, 302)
SIGNS                            = holders(Capability.SIGN, 302)
LOCKS                            = holders(Capability.LOCK, 302)
VERIFIES                         = holders(Capability.VERIFY, 302)
RAISES_QUERIES                   = holders(Capability.RAISE_QUERY, 302)
# Registration is the data-entry roles'; the review queue the signers'.
REGISTERS                        = holders(Capability.ENTER_DATA, 200)
REVIEW_QUEUE                     = holders(Capability.SIGN, 200)
# A notification is its recipient's (here the FR01 coordinator's): opening it redirects to
# what it is about; anyone else does not find it.
RECIPIENT_ONLY                   = (302, 302, 404, 404, 404, 404, 404)
# Exports: the page for the exporters; the runs are a data manager's of all sites.
EXPORTERS                        = holders(Capability.EXPORT, 200)
EXPORT_RUN                       = _row(_export_run_status)
# Voiding and correcting a subject entered in error (all sites here); every other role is
# refused (403) before the subject is looked up.
CORRECTS_SUBJECT                 = holders(Capability.CORRECT_SUBJECT, 200)
CORRECTS_SUBJECT_INVALID         = holders(Capability.CORRECT_SUBJECT, 400)
# The API answers 401 (TokenAuthentication asks for credentials) instead of the redirect.
API                              = (401, 200, 200, 200, 200, 200, 200)
API_OTHER_SITE                   = other_site(API)
API_AE                           = finders(Capability.READ_AES, 200, anonymous=401)
API_QUERY                        = finders(Capability.READ_QUERIES, 200, anonymous=401)
API_SAE                          = finders(Capability.READ_SAES, 200, anonymous=401)
API_BACKGROUND                   = finders(Capability.READ_BACKGROUND, 200, anonymous=401)
# fmt: on
