"""Plausible ranges for vital signs: values outside are typing errors, not clinical findings.

One rule for every CRF recording vital signs: the dosing CRF's pre- and post-dose ones
(dosing.services) and the vital signs CRF of the other visits (vitals.services). The ranges
are the study file's ([vital_signs] plausible_min / plausible_max, loaded as
trial.models.VitalSignLimit); dosing.selectors.plausible_vitals reads them for a study.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# The vital signs recorded, in this order, by the dosing CRF (pre_ and post_ each) and the vital
# signs CRF; each needs its limits in the study file's [vital_signs] (trial.study_config).
VITAL_SIGNS = (
    "temperature_c",
    "pulse_bpm",
    "systolic_mmhg",
    "diastolic_mmhg",
    "respiratory_rate",
    "spo2_pct",
)


@dataclass(frozen=True)
class VitalRange:
    field: str
    label: str
    unit: str
    low: Decimal
    high: Decimal


def check_vitals(
    values: dict, *, ranges: Sequence[VitalRange], prefix: str = ""
) -> list[tuple[str, str]]:
    """(field, message) for each implausible value; missing values are not checked here.

    `ranges`: physiologically possible bounds for an adult; clinically abnormal values inside
    them are recorded (and may be AEs), values outside them are refused as entry errors.
    """
    problems = []
    for vital in ranges:
        value = values.get(prefix + vital.field)
        if value is None:
            continue
        if not vital.low <= Decimal(str(value)) <= vital.high:
            problems.append(
                (
                    prefix + vital.field,
                    f"{vital.label} {value} {vital.unit} is outside the plausible range "
                    f"{vital.low}–{vital.high} {vital.unit}: check the value",
                )
            )
    systolic = values.get(prefix + "systolic_mmhg")
    diastolic = values.get(prefix + "diastolic_mmhg")
    if (
        systolic is not None
        and diastolic is not None
        and Decimal(str(diastolic)) >= Decimal(str(systolic))
    ):
        problems.append(
            (
                prefix + "diastolic_mmhg",
                f"diastolic pressure {diastolic} mmHg must be below systolic {systolic} mmHg",
            )
        )
    return problems
