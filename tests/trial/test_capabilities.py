"""The capability table (trial.capabilities); trial.access.can and require: test_access.py.

GRANTED is the table as reviewed: a capability given to or taken from a role fails here (and
changes the statuses the permission matrix expects, which reads the table itself).
"""

from pathlib import Path

import pytest

from trial.capabilities import (
    ADMIN,
    CAPABILITIES,
    CRC,
    DM,
    MON,
    PI,
    SAFETY,
    Capability,
    Scope,
    allows,
    markdown_table,
    who,
)
from trial.models import Role

GRANTED = {
    Capability.ENTER_DATA: {CRC, PI},
    Capability.CONFIRM_ELIGIBILITY: {PI},
    Capability.ASSESS_AE: {PI},
    Capability.SIGN: {PI},
    Capability.LOCK: {DM},
    Capability.VERIFY: {MON},
    Capability.RAISE_QUERY: {PI, MON, DM},
    Capability.ANSWER_QUERY: {CRC, PI},
    Capability.CLOSE_QUERY: {MON, DM},
    Capability.CLOSE_OWN_QUERY: {PI},
    Capability.READ_QUERIES: {CRC, PI, MON, DM, ADMIN},
    Capability.READ_AUDIT_TRAIL: {CRC, PI, MON, DM, ADMIN},
    Capability.READ_AES: {CRC, PI, MON, DM, ADMIN},
    Capability.READ_SAES: {CRC, PI, MON, DM, SAFETY, ADMIN},
    Capability.READ_BACKGROUND: {CRC, PI, MON, DM, ADMIN},
    Capability.EDIT_SUBJECT: {CRC, PI, DM, ADMIN},
    Capability.VOID_SUBJECT: {CRC, DM, ADMIN},
    Capability.CORRECT_SUBJECT: {DM, ADMIN},
    Capability.EXPORT: {DM, ADMIN},
    Capability.READ_ALL_EXPORTS: {ADMIN},
    Capability.ADMINISTER: {ADMIN},
}
STUDY_CAPABILITIES = {Capability.READ_ALL_EXPORTS, Capability.ADMINISTER}


def test_every_capability_has_one_row_in_the_table():
    assert set(CAPABILITIES) == set(Capability) == set(GRANTED)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("capability", list(Capability))
def test_each_role_holds_exactly_the_reviewed_capabilities(capability, role):
    assert allows(capability, {role}) == (role in GRANTED[capability])
    assert allows(capability, {role.value}) == (role in GRANTED[capability])  # as stored


@pytest.mark.parametrize("capability", list(Capability))
def test_scope_of_each_capability(capability):
    expected = Scope.STUDY if capability in STUDY_CAPABILITIES else Scope.SITE
    assert CAPABILITIES[capability].scope == expected


def test_no_roles_hold_nothing_and_any_holder_among_several_roles_grants():
    assert not allows(Capability.SIGN, set())
    assert allows(Capability.SIGN, {CRC, PI})
    assert not allows(Capability.SIGN, {CRC, MON, DM, SAFETY, ADMIN})


@pytest.mark.parametrize(
    ("capability", "words"),
    [
        (Capability.SIGN, "an investigator"),
        (Capability.ENTER_DATA, "a site coordinator or investigator"),
        (Capability.RAISE_QUERY, "an investigator, monitor or data manager"),
        (Capability.LOCK, "a data manager"),
    ],
)
def test_who_names_the_holders_for_a_refusal(capability, words):
    assert who(capability) == words


def test_docs_list_the_table_as_it_is():
    security = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    assert markdown_table() in security, "docs/security.md: paste markdown_table() output"
