"""The values the demo records at its visits: lab panels, triplicate ECGs, vital signs and
sample collection times, each a formula of the subject and the visit (no randomness: a second
seed on another day writes the same values). Pure: no ORM, no clock.

Lab values fall in the middle of the site's normal range (demo.seed.LAB_RANGES) for the
subject's sex, so they grade 0 unless a story of the seed sets them; ECGs are normal sinus
rhythm with a QTcF near 400 ms; samples are collected a few minutes after their nominal time,
well inside its tolerance.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Reporting precision of the demo laboratories (decimal places), the unit of each range.
LAB_PLACES = {"NEUT": 1, "WBC": 1, "INR": 2, "APTT": 1, "PROTEXR": 3}


def seed_number(*parts: str) -> int:
    """A stable small number from text (the subject number, a visit code): the formulas'
    only source of variation."""
    return sum((index + 1) * ord(char) for index, char in enumerate("|".join(parts)))


@dataclass(frozen=True)
class RangeRow:
    test: str
    unit: str
    low: Decimal
    high: Decimal
    sex: str  # "" for either


def normal_range(ranges: tuple[RangeRow, ...], test: str, sex: str) -> RangeRow:
    """The demo laboratory's range of `test` for `sex` (a sex-specific one first)."""
    rows = [r for r in ranges if r.test == test and r.sex in (sex, "")]
    return sorted(rows, key=lambda r: r.sex == "")[0]


def lab_value(row: RangeRow, *, subject: str, visit: str) -> Decimal:
    """A value between 30 % and 70 % of the way from the range's low to its high limit."""
    step = seed_number(subject, visit, row.test) % 9  # 0..8
    fraction = Decimal("0.30") + Decimal(step) / 20
    value = row.low + (row.high - row.low) * fraction
    return value.quantize(Decimal(1).scaleb(-LAB_PLACES.get(row.test, 0)), ROUND_HALF_UP)


def leukocytes(neutrophils: Decimal, *, subject: str, visit: str) -> Decimal:
    """The white cell count: the neutrophils plus 1.6 to 2.4 x 10^9/L of the other cells, so
    the two counts of a panel agree (a low neutrophil count lowers it too)."""
    others = Decimal("1.6") + Decimal(seed_number(subject, visit, "WBC") % 9) / 10
    return (neutrophils + others).quantize(Decimal("0.1"), ROUND_HALF_UP)


def ecg_readings(*, subject: str, visit: str, time_point: str) -> dict[str, int]:
    """Three readings of a normal ECG: heart rate 62-76 beats/min, QT shortening as the rate
    rises, RR from the rate: an average QTcF of about 385-400 ms (grade 0)."""
    base = seed_number(subject, visit, time_point)
    values = {}
    for number in (1, 2, 3):
        rate = 62 + (base + 3 * number) % 15
        values |= {
            f"heart_rate_bpm_{number}": rate,
            f"pr_ms_{number}": 150 + (base + number) % 21,
            f"qrs_ms_{number}": 86 + (base + 2 * number) % 11,
            f"qt_ms_{number}": 440 - rate + (base + number) % 5,
            f"rr_ms_{number}": round(60_000 / rate),
        }
    return values


def vital_signs(*, subject: str, visit: str) -> dict[str, Decimal]:
    """A normal set of vital signs, inside every clinical limit of the study file (no query):
    36.4-37.2 °C, pulse 66-84, blood pressure 116-132 / 72-82 mmHg, 12-17 breaths/min, SpO2
    96-99 %."""
    base = seed_number(subject, visit, "VS")
    return {
        "temperature_c": Decimal("36.4") + Decimal(base % 9) / 10,
        "pulse_bpm": Decimal(66 + base % 19),
        "systolic_mmhg": Decimal(116 + (base // 3) % 17),
        "diastolic_mmhg": Decimal(72 + (base // 5) % 11),
        "respiratory_rate": Decimal(12 + (base // 7) % 6),
        "spo2_pct": Decimal(96 + (base // 11) % 4),
    }


def sample_moment(
    *,
    anchor: str,
    offset_minutes: int,
    dose_start: datetime,
    dose_end: datetime,
    late_minutes: int,
) -> datetime:
    """When a sample of a nominal time is collected, `late_minutes` after it (on the site's
    clock, as the dose's times are): pre-dose ones 25 minutes before the injection starts,
    the end-of-injection one from its end, the others from its start."""
    if anchor == "pre_dose":
        return dose_start - timedelta(minutes=25)
    reference = dose_end if anchor == "after_end_minutes" else dose_start
    return reference + timedelta(minutes=offset_minutes + late_minutes)
