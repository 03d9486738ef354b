"""ECG rules: QTcF from triplicate readings and the CTCAE v5.0 grade of QTc prolongation.
Pure (no ORM, no clock).

Fridericia: QTcF = QT / RR^(1/3), QT in ms, RR in seconds (RR = 60 / heart rate when only the
rate is read). Each reading is corrected, then the corrections averaged ("Average QTc",
CTCAE v5.0).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Physiology bounds a reading must fall in, to refuse a typing slip (ms).
QT_MS_MIN = Decimal(200)
QT_MS_MAX = Decimal(700)
RR_MS_MIN = Decimal(250)  # 240 beats/min
RR_MS_MAX = Decimal(3000)  # 20 beats/min
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class EcgReading:
    qt_ms: Decimal
    rr_ms: Decimal


def reading_problems(*, qt_ms: Decimal | None, rr_ms: Decimal | None) -> dict[str, str]:
    problems = {}
    if qt_ms is None:
        problems["qt_ms"] = "QT is required"
    elif not QT_MS_MIN <= qt_ms <= QT_MS_MAX:
        problems["qt_ms"] = f"QT {qt_ms} ms is outside physiology ({QT_MS_MIN}-{QT_MS_MAX} ms)"
    if rr_ms is None:
        problems["rr_ms"] = "RR is required"
    elif not RR_MS_MIN <= rr_ms <= RR_MS_MAX:
        problems["rr_ms"] = f"RR {rr_ms} ms is outside physiology ({RR_MS_MIN}-{RR_MS_MAX} ms)"
    return problems


def rr_from_heart_rate(heart_rate_bpm: Decimal) -> Decimal:
    if heart_rate_bpm <= 0:
        raise ValueError(f"heart rate must be positive, got {heart_rate_bpm}")
    return Decimal(60_000) / heart_rate_bpm


def qtcf(reading: EcgReading) -> Decimal:
    """Fridericia's correction of one reading, in ms (unrounded)."""
    problems = reading_problems(qt_ms=reading.qt_ms, rr_ms=reading.rr_ms)
    if problems:
        raise ValueError("; ".join(problems.values()))
    rr_seconds = reading.rr_ms / Decimal(1000)
    return reading.qt_ms / rr_seconds ** (Decimal(1) / Decimal(3))


def average_qtcf(readings: Sequence[EcgReading]) -> Decimal:
    """Mean QTcF of the readings (triplicate as a rule), rounded to 0.1 ms."""
    if not readings:
        raise ValueError("QTcF needs at least one reading")
    total = sum((qtcf(r) for r in readings), Decimal(0))
    return (total / len(readings)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def qtc_grade(*, qtc_ms: Decimal, baseline_qtc_ms: Decimal | None = None) -> int:
    """CTCAE v5.0 "Electrocardiogram QT corrected interval prolonged" from the numbers:
    G1 "Average QTc 450 - 480 ms"; G2 "481 - 500 ms"; G3 ">= 501 ms; >60 ms change from
    baseline". Between the integers (480.5) the higher grade starts above the lower one's end
    (G2: > 480, G3: > 500). Grade 4 (torsade de pointes, ...) is clinical, not read here."""
    if baseline_qtc_ms is not None and qtc_ms - baseline_qtc_ms > 60:
        return 3
    if qtc_ms > 500:
        return 3
    if qtc_ms > 480:
        return 2
    if qtc_ms >= 450:
        return 1
    return 0
