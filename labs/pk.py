"""PK and immunogenicity sample timing: how far a collection is from its nominal time, and
whether that is beyond the protocol's tolerance. Pure (no ORM, no clock).

Nominal times are offsets from the start of the dose: negative or zero for pre-dose samples
(pre-dose means "before the dose", within a window), positive after it. Tolerance is a fixed
window per nominal time, set by the study file.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PlannedSample:
    label: str  # "pre-dose", "EOI", "0.5 h", ...
    offset: timedelta  # from dose start; <= 0: pre-dose
    tolerance: timedelta  # allowed |actual - nominal|; for pre-dose: how long before the dose

    @property
    def is_pre_dose(self) -> bool:
        return self.offset <= timedelta(0)


@dataclass(frozen=True)
class SampleTiming:
    deviation: timedelta  # actual - nominal (signed)
    beyond_tolerance: bool
    reason: str


class SampleTimeError(ValueError):
    """A collection time that cannot be right for its nominal time; names the field."""

    field = "collected_at"


def sample_timing(
    *, planned: PlannedSample, dose_started_at: datetime, collected_at: datetime
) -> SampleTiming:
    """Deviation of ``collected_at`` from its nominal time, flagged beyond tolerance.

    Refused (``SampleTimeError``): a post-dose sample collected before the dose, and a
    pre-dose sample collected after the dose started; these are a wrong time or a wrong
    nominal, not a deviation."""
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
