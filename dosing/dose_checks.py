"""Plausibility of the quantities on the dosing CRF (amount, volume), for one dose level.

The dose of the study's levels is fixed by the study file (25 to 200 µg); a typed amount far
from it (9,999,999.999 µg) or a negative or zero quantity is a typing error, not a deviation.
A deviation within the ceiling still needs its reason (dosing.services).
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DoseLimits:
    # The most a dose may be, in percent of its level's dose (settings.DOSE_MAX_PERCENT_OF_LEVEL).
    max_percent_of_level: int = 200
    # The largest injected volume accepted (settings.DOSE_MAX_VOLUME_ML).
    max_volume_ml: Decimal = Decimal(20)


def dose_quantity_problems(
    *,
    amount: Decimal | None,
    volume_ml: Decimal | None,
    level_amount: Decimal | None,
    level_unit: str,
    limits: DoseLimits,
) -> list[tuple[str, str]]:
    """(field, reason) for each quantity of a given dose that is not plausible."""
    # Services are also called with the text of a form or a fixture ("1.50"): compare numbers.
    amount = None if amount is None else Decimal(str(amount))
    volume_ml = None if volume_ml is None else Decimal(str(volume_ml))
    problems = []
    if amount is not None:
        if amount <= 0:
            problems.append(("dose_amount", f"Dose amount must be more than 0 {level_unit}."))
        elif level_amount is not None:
            ceiling = level_amount * limits.max_percent_of_level / 100
            if amount > ceiling:
                problems.append(
                    (
                        "dose_amount",
                        f"Dose amount {amount} {level_unit} is more than "
                        f"{limits.max_percent_of_level}% of the dose level's "
                        f"{level_amount} {level_unit} (at most {ceiling.normalize():f} "
                        f"{level_unit}): not plausible.",
                    )
                )
    if volume_ml is not None:
        if volume_ml <= 0:
            problems.append(("volume_ml", "Volume must be more than 0 mL when a dose is given."))
        elif volume_ml > limits.max_volume_ml:
            problems.append(
                (
                    "volume_ml",
                    f"Volume {volume_ml} mL is more than {limits.max_volume_ml} mL: not plausible.",
                )
            )
    return problems
