"""The helpers several SDTM domains share (review.sdtm): the last observation before
exposure per test (LB, VS), numbers as the site writes them."""

from datetime import date
from decimal import Decimal

import pytest

from review.sdtm import decimal_text, last_before_exposure

FIRST_DOSE = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("observations", "flagged"),
    [
        ([(date(2026, 11, 20), False), (FIRST_DOSE, False)], {1}),  # on the first dose day
        ([(date(2026, 11, 20), False), (date(2026, 11, 22), False)], {0}),  # the day after
        ([(date(2026, 11, 22), False)], set()),  # nothing before exposure
        ([(FIRST_DOSE, False), (FIRST_DOSE, True)], {0}),  # post-dose that day: after it
        ([(None, False)], set()),  # undated
    ],
)
def test_last_observation_before_exposure(observations, flagged):
    rows = [("ALT", on, after_dose) for on, after_dose in observations]
    assert last_before_exposure(rows, FIRST_DOSE) == flagged


def test_each_test_has_its_own_last_observation_and_none_without_a_dose():
    rows = [
        ("ALT", date(2026, 11, 19), False),
        ("NEUT", date(2026, 11, 19), False),
        ("ALT", date(2026, 11, 20), False),
    ]
    assert last_before_exposure(rows, FIRST_DOSE) == {1, 2}
    assert last_before_exposure(rows, None) == set()


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1.5000"), "1.5"), (Decimal("1500"), "1500"), (Decimal("36.0"), "36"), (None, "")],
)
def test_numbers_are_written_without_trailing_zeros_or_exponent(value, text):
    assert decimal_text(value) == text
