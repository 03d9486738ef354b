"""What each role may do, as named capabilities: the one table of the study's rights.

Code asks `trial.access.can(user, Capability.SIGN, record)` (or `require(...)`), never "is
this role in that tuple"; the permission matrix (tests/trial/test_permission_matrix.py) builds
its expected statuses from this table, and docs/security.md lists it (`markdown_table()`).

Scoping: a SITE capability is held at a site through a membership there or one for all sites
(the site roles hold theirs at their own sites, the study-wide roles everywhere); asked with
no object it means "at one site at least" (menus, a page refused before any lookup). A STUDY
capability is not about a site and is asked without an object. An administrator account
(superuser) holds the administrator's capabilities everywhere. Besides these, every role reads
the subjects and CRFs of its sites (`trial.access.subjects_for(user)`).
"""

from dataclasses import dataclass
from enum import StrEnum

from trial.models import Role


class Capability(StrEnum):
    ENTER_DATA = "enter_data"
    CONFIRM_ELIGIBILITY = "confirm_eligibility"
    ASSESS_AE = "assess_ae"
    SIGN = "sign"
    LOCK = "lock"
    VERIFY = "verify"
    RAISE_QUERY = "raise_query"
    ANSWER_QUERY = "answer_query"
    CLOSE_QUERY = "close_query"
    CLOSE_OWN_QUERY = "close_own_query"
    READ_QUERIES = "read_queries"
    READ_AUDIT_TRAIL = "read_audit_trail"
    READ_AES = "read_aes"
    READ_SAES = "read_saes"
    READ_BACKGROUND = "read_background"
    EDIT_SUBJECT = "edit_subject"
    VOID_SUBJECT = "void_subject"
    CORRECT_SUBJECT = "correct_subject"
    EXPORT = "export"
    READ_ALL_EXPORTS = "read_all_exports"
    ADMINISTER = "administer"


class Scope(StrEnum):
    SITE = "site"  # held at a site: a membership there, or one for all sites
    STUDY = "study"  # not about a site: held with the role anywhere


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]
    scope: Scope
    what: str  # what it allows, for the documentation and the 403 messages' readers


CRC, PI, MON, DM, SAFETY, ADMIN = (
    Role.COORDINATOR,
    Role.INVESTIGATOR,
    Role.MONITOR,
    Role.DATA_MANAGER,
    Role.SPONSOR_SAFETY,
    Role.ADMIN,
)


def _grant(scope: Scope, roles: tuple[Role, ...], what: str) -> Grant:
    return Grant(roles=frozenset(roles), scope=scope, what=what)


SITE, STUDY = Scope.SITE, Scope.STUDY
ALL_BUT_SAFETY = (CRC, PI, MON, DM, ADMIN)

# fmt: off
CAPABILITIES: dict[Capability, Grant] = {
    Capability.ENTER_DATA:          _grant(SITE, (CRC, PI), "register patients, enter and "
                                           "correct CRFs, record and void adverse events; the "
                                           "worklist and the screening register"),
    Capability.CONFIRM_ELIGIBILITY: _grant(SITE, (PI,), "confirm a subject's eligibility"),
    Capability.ASSESS_AE:           _grant(SITE, (PI,), "assess causality, decide DLTs"),
    Capability.SIGN:                _grant(SITE, (PI,), "sign CRFs and SAE reports; the "
                                           "review queue"),
    Capability.LOCK:                _grant(SITE, (DM,), "lock and unlock records and subjects"),
    Capability.VERIFY:              _grant(SITE, (MON,), "verify source data"),
    Capability.RAISE_QUERY:         _grant(SITE, (PI, MON, DM), "raise queries on records"),
    Capability.ANSWER_QUERY:        _grant(SITE, (CRC, PI), "answer open queries"),
    Capability.CLOSE_QUERY:         _grant(SITE, (MON, DM), "close and re-open any query"),
    Capability.CLOSE_OWN_QUERY:     _grant(SITE, (PI,), "close and re-open a query one raised"),
    Capability.READ_QUERIES:        _grant(SITE, ALL_BUT_SAFETY, "read queries"),
    Capability.READ_AUDIT_TRAIL:    _grant(SITE, ALL_BUT_SAFETY, "read a subject's whole "
                                           "audit trail"),
    Capability.READ_AES:            _grant(SITE, ALL_BUT_SAFETY, "read every adverse event "
                                           "(the others read SAEs only)"),
    Capability.READ_SAES:           _grant(SITE, (*ALL_BUT_SAFETY, SAFETY), "read serious "
                                           "adverse events"),
    Capability.READ_BACKGROUND:     _grant(SITE, ALL_BUT_SAFETY, "read a subject's medical "
                                           "history and medications"),
    Capability.EDIT_SUBJECT:        _grant(SITE, (CRC, PI, DM, ADMIN), "correct a subject's "
                                           "registration data (the service)"),
    Capability.VOID_SUBJECT:        _grant(SITE, (CRC, DM, ADMIN), "void a subject entered in "
                                           "error (the service)"),
    Capability.CORRECT_SUBJECT:     _grant(SITE, (DM, ADMIN), "the pages that void or "
                                           "correct a subject entered in error"),
    Capability.EXPORT:              _grant(SITE, (DM, ADMIN), "export a site's data; the "
                                           "export page"),
    Capability.READ_ALL_EXPORTS:    _grant(STUDY, (ADMIN,), "see every user's export runs "
                                           "(the others, their own)"),
    Capability.ADMINISTER:          _grant(STUDY, (ADMIN,), "process heartbeats; the "
                                           "administration site (with staff status)"),
}
# fmt: on


def roles_for(capability: Capability) -> frozenset[Role]:
    return CAPABILITIES[capability].roles


def allows(capability: Capability, roles) -> bool:
    """Whether holding `roles` (at the site in question) grants `capability`."""
    return not CAPABILITIES[capability].roles.isdisjoint(roles)


def who(capability: Capability) -> str:
    """The holders in words, for a refusal: "a site coordinator or investigator"."""
    labels = [role.label.lower() for role in Role if role in roles_for(capability)]
    words = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def markdown_table() -> str:
    """The table as docs/security.md shows it (a test keeps the two equal)."""
    roles = list(Role)
    lines = [
        "| Capability | Scope | " + " | ".join(r.label for r in roles) + " | Allows |",
        "|---|---|" + "---|" * len(roles) + "---|",
    ]
    for capability, grant in CAPABILITIES.items():
        marks = " | ".join("✓" if r in grant.roles else "" for r in roles)
        lines.append(f"| `{capability}` | {grant.scope} | {marks} | {grant.what} |")
    return "\n".join(lines)
