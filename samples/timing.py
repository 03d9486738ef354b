"""PK and immunogenicity samples: how far a collection is from its nominal time, whether that
is beyond the protocol's tolerance, and the order of a sample's handling stages. Pure (no ORM,
no clock).

Nominal times are offsets from the start of the dose: negative or zero for pre-dose samples
(pre-dose means "before the dose", within a window), positive after it; or, for the end of
injection, an offset from the dose's end (`from_end`). Tolerance is a fixed window per nominal
time, set by the study file ([samples]).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PlannedSample:
    label: str  # "pre-dose", "EOI", "0.5 h", ...
    offset: timedelta  # from dose start (or end, `from_end`); <= 0 from the start: pre-dose
    tolerance: timedelta  # allowed |actual - nominal|; for pre-dose: how long before the dose
    from_end: bool = False  # the offset runs from the end of the injection (EOI)

    @property
    def is_pre_dose(self) -> bool:
        return not self.from_end and self.offset <= timedelta(0)


@dataclass(frozen=True)
class SampleTiming:
    deviation: timedelta  # actual - nominal (signed)
    beyond_tolerance: bool
    reason: str


class SampleTimeError(ValueError):
    """A collection time that cannot be right for its nominal time; names the field."""

    field = "collected_at"


def sample_timing(
    *,
    planned: PlannedSample,
    dose_started_at: datetime,
    collected_at: datetime,
    dose_ended_at: datetime | None = None,
) -> SampleTiming:
    """Deviation of ``collected_at`` from its nominal time, flagged beyond tolerance.

    Refused (``SampleTimeError``): a post-dose sample collected before the dose, and a
    pre-dose sample collected after the dose started; these are a wrong time or a wrong
    nominal, not a deviation. A nominal time from the end of the injection needs
    ``dose_ended_at`` (ValueError without it)."""
    since_dose = collected_at - dose_started_at
    if not planned.is_pre_dose and since_dose < timedelta(0):
        raise SampleTimeError(
            f"{planned.label}: collected {-since_dose} before the dose, but its nominal time "
            "is after it"
        )
    if planned.is_pre_dose:
        if since_dose > timedelta(0):
            raise SampleTimeError(
                f"{planned.label}: collected {since_dose} after the dose started; a pre-dose "
                "sample is taken before it"
            )
        deviation = since_dose - planned.offset
        too_early = -since_dose > planned.tolerance
        return SampleTiming(
            deviation=deviation,
            beyond_tolerance=too_early,
            reason=(
                f"collected {-since_dose} before the dose, more than {planned.tolerance}"
                if too_early
                else "within the pre-dose window"
            ),
        )
    if planned.from_end:
        if dose_ended_at is None:
            raise ValueError(f"{planned.label} is timed from the end of the injection")
        deviation = collected_at - dose_ended_at - planned.offset
    else:
        deviation = since_dose - planned.offset
    beyond = abs(deviation) > planned.tolerance
    return SampleTiming(
        deviation=deviation,
        beyond_tolerance=beyond,
        reason=(
            f"{deviation} from nominal {planned.label}, beyond ±{planned.tolerance}"
            if beyond
            else f"within ±{planned.tolerance} of nominal {planned.label}"
        ),
    )


# A sample is processed (centrifuged, aliquoted), then stored (frozen), then shipped to the
# bioanalytical laboratory: each stage after the one before it, none before collection.
STAGES = ("processed", "stored", "shipped")


def stage_problem(
    *, stage: str, at: datetime, now: datetime, collected_at: datetime, done: dict
) -> str:
    """Why a handling stage cannot be recorded at `at` ("" when it can). `done` maps the
    stages already recorded to their times."""
    if stage not in STAGES:
        return f"Unknown stage {stage!r}: one of {', '.join(STAGES)}."
    if stage in done:
        return f"The sample is already {stage} ({done[stage]:%Y-%m-%d %H:%M})."
    if at > now:
        return "A stage is recorded once it has happened, not in the future."
    if at < collected_at:
        return f"A sample is {stage} after its collection ({collected_at:%Y-%m-%d %H:%M})."
    index = STAGES.index(stage)
    if index:
        before = STAGES[index - 1]
        if before not in done:
            return f"A sample is {before} before it is {stage}."
        if at < done[before]:
            return f"A sample is {stage} after it is {before} ({done[before]:%Y-%m-%d %H:%M})."
    return ""


# --- the study's schedule of samples (Study.sample_schedule, trial.study_config) -------------


@dataclass(frozen=True)
class ScheduledSample:
    """One sample a visit plans: a type at a nominal time, with its timing rule."""

    type_code: str
    type_label: str
    time_code: str
    time_label: str
    anchor: str  # "pre_dose", "after_start_minutes", "after_end_minutes"
    offset_minutes: int
    tolerance_minutes: int

    @property
    def planned(self) -> PlannedSample:
        return PlannedSample(
            label=self.time_label,
            offset=timedelta(minutes=self.offset_minutes),
            tolerance=timedelta(minutes=self.tolerance_minutes),
            from_end=self.anchor == "after_end_minutes",
        )


def scheduled_at(schedule: dict, visit_code: str) -> list[ScheduledSample]:
    """The samples `schedule` ({"times": [...], "types": [...]}, as checked at load) plans at
    the visit `visit_code`, by type then nominal time, in the study file's order."""
    times = {t["code"]: t for t in schedule.get("times", [])}
    return [
        ScheduledSample(
            type_code=kind["code"],
            type_label=kind["label"],
            time_code=code,
            time_label=times[code]["label"],
            anchor=times[code]["anchor"],
            offset_minutes=times[code]["offset_minutes"],
            tolerance_minutes=times[code]["tolerance_minutes"],
        )
        for kind in schedule.get("types", [])
        if visit_code in kind["visits"]
        for code in kind["times"]
    ]
