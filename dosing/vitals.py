"""Plausible ranges for vital signs: values outside are typing errors, not clinical findings."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class VitalRange:
    field: str
    label: str
    unit: str
    low: Decimal
    high: Decimal


# Physiologically possible bounds for an adult; clinically abnormal values inside them are
# recorded (and may be AEs), values outside them are refused as entry errors.
PLAUSIBLE = (
    VitalRange("temperature_c", "Temperature", "°C", Decimal("30"), Decimal("43")),
    VitalRange("pulse_bpm", "Pulse", "beats/min", Decimal("20"), Decimal("250")),
    VitalRange("systolic_mmhg", "Systolic blood pressure", "mmHg", Decimal("50"), Decimal("260")),
    VitalRange("diastolic_mmhg", "Diastolic blood pressure", "mmHg", Decimal("20"), Decimal("160")),
    VitalRange("respiratory_rate", "Respiratory rate", "breaths/min", Decimal("4"), Decimal("60")),
    VitalRange("spo2_pct", "SpO2", "%", Decimal("50"), Decimal("100")),
)


def check_vitals(values: dict, *, prefix: str = "") -> list[tuple[str, str]]:
    """(field, message) for each implausible value; missing values are not checked here."""
    problems = []
    for vital in PLAUSIBLE:
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
