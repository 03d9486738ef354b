"""PK sample time deviation beyond tolerance (labs/pk.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from labs.pk import PlannedSample, SampleTimeError, sample_timing

DOSE = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
PRE = PlannedSample("pre-dose", timedelta(0), timedelta(minutes=60))
H1 = PlannedSample("1 h", timedelta(hours=1), timedelta(minutes=5))
H24 = PlannedSample("24 h", timedelta(hours=24), timedelta(hours=2))


@pytest.mark.parametrize(
    ("planned", "collected", "deviation", "beyond"),
    [
        (H1, DOSE + timedelta(hours=1), timedelta(0), False),
        (H1, DOSE + timedelta(minutes=65), 5 * MIN, False),  # at the tolerance
        (H1, DOSE + timedelta(minutes=66), 6 * MIN, True),
        (H1, DOSE + timedelta(minutes=55), -5 * MIN, False),
        (H1, DOSE + timedelta(minutes=54), -6 * MIN, True),
        (H24, DOSE + timedelta(hours=26), timedelta(hours=2), False),
        (H24, DOSE + timedelta(hours=26, minutes=1), timedelta(hours=2, minutes=1), True),
        (PRE, DOSE - 60 * MIN, -60 * MIN, False),
        (PRE, DOSE - 61 * MIN, -61 * MIN, True),
        (PRE, DOSE, timedelta(0), False),
    ],
)
def test_deviation_from_nominal_and_the_tolerance_flag(planned, collected, deviation, beyond):
    timing = sample_timing(planned=planned, dose_started_at=DOSE, collected_at=collected)
    assert timing.deviation == deviation
    assert timing.beyond_tolerance is beyond


def test_a_post_dose_sample_before_the_dose_is_refused():
    with pytest.raises(SampleTimeError, match="before the dose") as caught:
        sample_timing(planned=H1, dose_started_at=DOSE, collected_at=DOSE - MIN)
    assert caught.value.field == "collected_at"


def test_a_pre_dose_sample_after_the_dose_started_is_refused():
    with pytest.raises(SampleTimeError, match="after the dose started"):
        sample_timing(planned=PRE, dose_started_at=DOSE, collected_at=DOSE + MIN)
