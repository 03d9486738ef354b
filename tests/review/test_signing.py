"""The canonical content hash, without a database."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from review.signing import canonical, content_hash

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(Decimal("36.80"), Decimal("36.8"), id="trailing-zeros"),
        pytest.param(Decimal("38"), 38, id="int-and-decimal"),
        pytest.param(
            datetime(2026, 11, 21, 10, 0, tzinfo=PARIS),
            datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
            id="same-instant-two-zones",
        ),
        pytest.param({"b": 1, "a": 2}, {"a": 2, "b": 1}, id="key-order"),
    ],
)
def test_equal_content_has_one_canonical_form(one, other):
    assert canonical(one) == canonical(other)
    assert content_hash({"x": one}) == content_hash({"x": other})


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(Decimal("38.0"), Decimal("38.1"), id="a-decimal-digit"),
        pytest.param(date(2026, 11, 21), date(2026, 11, 22), id="a-day"),
        pytest.param(time(9, 30), time(9, 31), id="a-minute"),
        pytest.param("", None, id="blank-is-not-unknown"),
        pytest.param(False, None, id="no-is-not-unknown"),
        pytest.param(["a", "b"], ["b", "a"], id="list-order"),
    ],
)
def test_different_content_has_a_different_hash(one, other):
    assert content_hash({"x": one}) != content_hash({"x": other})


def test_field_names_are_part_of_the_content():
    assert content_hash({"pre_temperature_c": 37}) != content_hash({"post_temperature_c": 37})


def test_hash_is_sha256_hex_and_independent_of_dict_order():
    one = content_hash({"a": 1, "b": "x"})
    assert one == content_hash({"b": "x", "a": 1})
    assert len(one) == 64 and int(one, 16) >= 0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        canonical(datetime(2026, 11, 21, 9, 0))  # noqa: DTZ001


def test_datetimes_are_hashed_in_utc():
    moment = datetime(2026, 11, 21, 10, 0, tzinfo=PARIS)
    assert canonical(moment) == "2026-11-21T09:00:00+00:00"
    assert canonical(moment + timedelta(microseconds=1)) != canonical(moment)


@pytest.mark.django_db
def test_a_dosing_crf_s_void_columns_are_content_only_once_it_is_voided(
    dosed, coordinator_a, investigator_a
):
    """The dosing CRF gained voided_at / void_reason after doses were signed: a live dose
    hashes as it did before they existed, and its void shows the signature as invalid."""
    from dosing.services import dose_void
    from review.selectors import SignatureState, signature_status
    from review.signing import content_fields
    from tests.review.factories import LATER, c1d1_dose, sign

    dose = c1d1_dose(dosed)
    assert not {"voided_at", "void_reason"} & set(content_fields(dose))
    sign(dose, investigator_a)

    dose_void(record=dose, by=coordinator_a, reason="Entered on the wrong subject", now=LATER)

    dose.refresh_from_db()
    assert {"voided_at", "void_reason"} <= set(content_fields(dose))
    assert signature_status(dose) == SignatureState.INVALIDATED
