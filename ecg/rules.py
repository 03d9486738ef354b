"""ECG rules: QTcF from triplicate readings, the CTCAE v5.0 grade of QTc prolongation, which
recordings are after the first dose, and which findings need an adverse event. Pure (no ORM,
no clock).

Fridericia: QTcF = QT / RR^(1/3), QT in ms, RR in seconds (RR = 60 / heart rate when only the
rate is read). Each reading is corrected, then the corrections averaged ("Average QTc",
CTCAE v5.0).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# Physiology bounds a reading must fall in, to refuse a typing slip (ms, beats/min). Wide on
# purpose: a first-degree block's PR of 450 ms or a paced QRS of 200 ms are real readings.
QT_MS_MIN = Decimal(200)
QT_MS_MAX = Decimal(700)
RR_MS_MIN = Decimal(250)  # 240 beats/min
RR_MS_MAX = Decimal(3000)  # 20 beats/min
HEART_RATE_MIN = Decimal(20)
HEART_RATE_MAX = Decimal(240)
PR_MS_MIN = Decimal(50)
PR_MS_MAX = Decimal(600)
QRS_MS_MIN = Decimal(40)
QRS_MS_MAX = Decimal(300)
_TENTH = Decimal("0.1")

# The CTCAE v5.0 term an average QTc of grade >= 2 is reported as (SOC Investigations).
QTC_TERM = "Electrocardiogram QT corrected interval prolonged"
# An AE that accounts for a clinically significant abnormal ECG: a cardiac disorder, or one of
# the ECG findings of the Investigations SOC ("Electrocardiogram ...").
CARDIAC_SOC = "Cardiac disorders"
ECG_TERM_PREFIX = "Electrocardiogram"
# From this grade an average QTc after the first dose needs its AE (AEs are graded by CTCAE
# v5.0 from the first dose; grade 1 is a finding the investigator may judge not an AE).
SIGNIFICANT_QTC_GRADE = 2


class TimePoint:
    """When, within its visit, an ECG is recorded (the values stored on the CRF)."""

    VISIT = "visit"  # a visit without a dose: screening, safety visits, end of treatment
    PRE_DOSE = "pre_dose"
    POST_DOSE = "post_dose"
    AT_A_DOSE = (PRE_DOSE, POST_DOSE)


class Interpretation:
    NORMAL = "normal"
    ABNORMAL_NCS = "abnormal_ncs"  # abnormal, not clinically significant
    ABNORMAL_CS = "abnormal_cs"  # abnormal, clinically significant
    ABNORMAL = (ABNORMAL_NCS, ABNORMAL_CS)


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


# --- one recording: its triplicate readings as typed ----------------------------------------


@dataclass(frozen=True)
class TypedReading:
    """One of the (up to three) readings of a recording, as typed; None where left empty."""

    heart_rate_bpm: Decimal | None
    pr_ms: Decimal | None
    qrs_ms: Decimal | None
    qt_ms: Decimal | None
    rr_ms: Decimal | None

    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (self.heart_rate_bpm, self.pr_ms, self.qrs_ms, self.qt_ms, self.rr_ms)
        )


_BOUNDS = {
    "heart_rate_bpm": ("Heart rate", HEART_RATE_MIN, HEART_RATE_MAX, "beats/min"),
    "pr_ms": ("PR", PR_MS_MIN, PR_MS_MAX, "ms"),
    "qrs_ms": ("QRS", QRS_MS_MIN, QRS_MS_MAX, "ms"),
    "qt_ms": ("QT", QT_MS_MIN, QT_MS_MAX, "ms"),
    "rr_ms": ("RR", RR_MS_MIN, RR_MS_MAX, "ms"),
}


def typed_reading_problems(reading: TypedReading, number: int) -> dict[str, str]:
    """What is wrong with reading `number` (1-3), keyed by its field name ("qt_ms_2").

    The first reading is required; a second or third is left wholly empty or has its heart
    rate and QT. PR and QRS may be empty (not measurable in atrial fibrillation, say); RR
    empty is read from the heart rate."""
    if number > 1 and reading.is_empty():
        return {}
    problems = {}
    for name, (label, low, high, unit) in _BOUNDS.items():
        value = getattr(reading, name)
        if value is None:
            if name in ("heart_rate_bpm", "qt_ms"):
                problems[f"{name}_{number}"] = f"{label} of reading {number} is required"
        elif not low <= value <= high:
            problems[f"{name}_{number}"] = (
                f"{label} {value} {unit} (reading {number}) is outside physiology "
                f"({low}-{high} {unit})"
            )
    return problems


@dataclass(frozen=True)
class EcgSummary:
    readings: int
    heart_rate_bpm: Decimal
    pr_ms: Decimal | None  # None when no reading has it
    qrs_ms: Decimal | None
    qt_ms: Decimal
    rr_ms: Decimal
    qtcf_ms: Decimal


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def summarise(typed: Sequence[TypedReading]) -> EcgSummary:
    """The means of the readings given and their average QTcF (each reading corrected with
    its own RR, typed or read from its heart rate). Raises ValueError on a reading that
    typed_reading_problems refuses."""
    readings = [r for number, r in enumerate(typed, start=1) if number == 1 or not r.is_empty()]
    problems = {}
    for number, reading in enumerate(typed, start=1):
        problems |= typed_reading_problems(reading, number)
    if problems:
        raise ValueError("; ".join(problems.values()))
    rrs = [
        r.rr_ms if r.rr_ms is not None else rr_from_heart_rate(r.heart_rate_bpm) for r in readings
    ]
    return EcgSummary(
        readings=len(readings),
        heart_rate_bpm=_mean([r.heart_rate_bpm for r in readings]),
        pr_ms=_mean([r.pr_ms for r in readings if r.pr_ms is not None]),
        qrs_ms=_mean([r.qrs_ms for r in readings if r.qrs_ms is not None]),
        qt_ms=_mean([r.qt_ms for r in readings]),
        rr_ms=_mean(rrs),
        qtcf_ms=average_qtcf(
            [EcgReading(r.qt_ms, rr) for r, rr in zip(readings, rrs, strict=True)]
        ),
    )


def time_point_problem(*, time_point: str, dosing_visit: bool) -> str:
    """A dosing visit records its ECGs before or after the dose; any other visit once."""
    if dosing_visit and time_point not in TimePoint.AT_A_DOSE:
        return "At a dosing visit the ECG is recorded pre-dose or post-dose."
    if not dosing_visit and time_point in TimePoint.AT_A_DOSE:
        return "Only a dosing visit has pre-dose and post-dose ECGs."
    return ""


def after_first_dose(*, performed_on: date, time_point: str, first_dose_on: date | None) -> bool:
    """Whether a recording is after the first dose: a later day, or that day's post-dose
    ECG. Any other is a baseline (screening, C1D1 pre-dose)."""
    if first_dose_on is None:
        return False
    if performed_on != first_dose_on:
        return performed_on > first_dose_on
    return time_point == TimePoint.POST_DOSE


@dataclass(frozen=True)
class AdverseEventFact:
    term: str
    soc: str
    onset_date: date
    end_date: date | None  # None while ongoing


@dataclass(frozen=True)
class MissingAe:
    code: str
    field: str
    message: str


def _ongoing_on(ae: AdverseEventFact, day: date) -> bool:
    return ae.onset_date <= day and (ae.end_date is None or ae.end_date >= day)


def findings_without_ae(
    *,
    performed_on: date,
    is_after_first_dose: bool,
    grade: int | None,
    interpretation: str,
    adverse_events: Sequence[AdverseEventFact],
) -> list[MissingAe]:
    """The findings of a recording after the first dose that need an AE ongoing on its date
    and have none: an average QTc of grade >= 2 (the AE of its CTCAE term), an abnormality
    the investigator judged clinically significant (a cardiac AE or an ECG finding)."""
    if not is_after_first_dose:
        return []  # a baseline abnormality is medical history, not an AE
    ongoing = [ae for ae in adverse_events if _ongoing_on(ae, performed_on)]
    missing = []
    if (grade or 0) >= SIGNIFICANT_QTC_GRADE and not any(ae.term == QTC_TERM for ae in ongoing):
        missing.append(
            MissingAe(
                "ecg_qtc_without_ae",
                "qt_ms_1",
                f"Average QTcF is CTCAE grade {grade} on {performed_on:%Y-%m-%d} but no "
                f"adverse event '{QTC_TERM}' is ongoing on that date: record the AE or "
                "explain why it is not one.",
            )
        )
    if interpretation == Interpretation.ABNORMAL_CS and not any(
        ae.soc == CARDIAC_SOC or ae.term.startswith(ECG_TERM_PREFIX) for ae in ongoing
    ):
        missing.append(
            MissingAe(
                "ecg_significant_without_ae",
                "interpretation",
                f"The ECG of {performed_on:%Y-%m-%d} is abnormal, clinically significant, but "
                "no cardiac adverse event (or ECG finding) is ongoing on that date: record the "
                "AE or explain why it is not one.",
            )
        )
    return missing
