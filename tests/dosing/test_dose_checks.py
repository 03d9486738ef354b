"""Plausible dose amount and volume for a dose level (dosing.dose_checks), no database."""

from decimal import Decimal

import pytest

from dosing.dose_checks import DoseLimits, dose_quantity_problems

LIMITS = DoseLimits(max_percent_of_level=200, max_volume_ml=Decimal(20))


def problems(amount, volume, level=Decimal(100)):
    return dose_quantity_problems(
        amount=None if amount is None else Decimal(amount),
        volume_ml=None if volume is None else Decimal(volume),
        level_amount=level,
        level_unit="µg",
        limits=LIMITS,
    )


@pytest.mark.parametrize(
    ("amount", "volume", "expected"),
    [
        ("100", "1.0", []),
        ("50", "0.5", []),  # a reduced dose
        ("200", "20", []),  # exactly at both ceilings
        ("-5", "1.0", [("dose_amount", "Dose amount must be more than 0 µg.")]),
        ("0", "1.0", [("dose_amount", "Dose amount must be more than 0 µg.")]),
        (
            "200.001",
            "1.0",
            [
                (
                    "dose_amount",
                    "Dose amount 200.001 µg is more than 200% of the dose level's 100 µg "
                    "(at most 200 µg): not plausible.",
                )
            ],
        ),
        (
            "9999999.999",
            "1.0",
            [
                (
                    "dose_amount",
                    "Dose amount 9999999.999 µg is more than 200% of the dose level's 100 µg "
                    "(at most 200 µg): not plausible.",
                )
            ],
        ),
        ("100", "-5", [("volume_ml", "Volume must be more than 0 mL when a dose is given.")]),
        ("100", "0", [("volume_ml", "Volume must be more than 0 mL when a dose is given.")]),
        ("100", "20.01", [("volume_ml", "Volume 20.01 mL is more than 20 mL: not plausible.")]),
        (None, None, []),
    ],
)
def test_dose_quantity_problems(amount, volume, expected):
    assert problems(amount, volume) == expected
