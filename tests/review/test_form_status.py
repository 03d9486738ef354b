"""The subject matrix's form status: pure, no database."""

import pytest

from review.form_status import LEGEND, FormFacts, FormStatus, form_status


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (FormFacts(exists=False, complete=False), FormStatus.NOT_STARTED),
        # a lock on the subject does not make an unstarted form anything else
        (FormFacts(exists=False, complete=False, locked=True), FormStatus.NOT_STARTED),
        (FormFacts(exists=True, complete=False), FormStatus.INCOMPLETE),
        (FormFacts(exists=True, complete=True), FormStatus.COMPLETE),
        (FormFacts(exists=True, complete=True, signed=True), FormStatus.SIGNED),
        (FormFacts(exists=True, complete=False, signed=True), FormStatus.SIGNED),
        (FormFacts(exists=True, complete=True, verified=True), FormStatus.VERIFIED),
        (FormFacts(exists=True, complete=True, signed=True, verified=True), FormStatus.VERIFIED),
        (FormFacts(exists=True, complete=True, signed=True, locked=True), FormStatus.LOCKED),
        (FormFacts(exists=True, complete=False, locked=True), FormStatus.LOCKED),
    ],
)
def test_form_status_is_the_furthest_state_reached(facts, status):
    assert form_status(facts) == status


def test_the_legend_names_every_status_once_with_a_distinct_symbol():
    assert [status for status, _label, _symbol in LEGEND] == list(FormStatus)
    assert len({symbol for _status, _label, symbol in LEGEND}) == len(FormStatus)
