"""exports.odm's pure parts, without a database."""

from datetime import UTC, date, datetime

import pytest
from django.test import override_settings

from exports.odm import effective_date


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (datetime(2026, 12, 1, 22, 59, tzinfo=UTC), date(2026, 12, 1)),  # 23:59 in Paris
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), date(2026, 12, 2)),  # midnight in Paris
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # summer time, UTC+2
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
    ids=["winter-before-midnight", "winter-midnight", "summer-before-midnight", "summer-midnight"],
)
@override_settings(TIME_ZONE="Europe/Paris")
def test_the_effective_date_is_the_snapshots_day_on_the_sites_clock(as_of, expected):
    assert effective_date(as_of) == expected
