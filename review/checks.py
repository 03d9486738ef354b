"""Automatic edit checks: saved data that is possible but needs a second look (a query).

Unlike the CRF rules, which refuse impossible input, these accept the save and raise a query
on the record (review.services.run_edit_checks); the query closes itself once the data no
longer fails the check. Plain functions on plain values: no ORM, no clock.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Failure:
    """One failed check on one record: a stable code, the field concerned, what to check."""

    check_code: str
    field_name: str
    message: str


# --- vital signs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VitalLimit:
    """The clinically normal range of one vital sign.

    A value is out of range when it is at or above `high`, or below `low`.
    """

    field: str
    label: str
    unit: str
    low: Decimal | None = None
    high: Decimal | None = None


# The dosing CRF's two sets of vital signs, by field prefix. A CRF of one set per record (the
# vital signs CRF: vitals.crf) passes its own: {"": ""}, fields unprefixed, no time point named.
TIMEPOINTS = {"pre_": "Pre-dose", "post_": "Post-dose"}


def vitals_out_of_range(
    values: dict, *, limits: tuple[VitalLimit, ...], time_points: Mapping[str, str] = TIMEPOINTS
) -> list[Failure]:
    """A failure per vital sign outside its clinical range, at each time point: field
    prefix -> the time point's name, which starts the message ("" for none).

    `limits`: the study file's clinical limits ([vital_signs] clinical_min / clinical_max),
    beyond which a plausible value is abnormal (fever, hypoxaemia, hypertension, tachycardia).
    """
    failures = []
    for prefix, timepoint in time_points.items():
        for limit in limits:
            name = prefix + limit.field
            value = values.get(name)
            if value is None:
                continue
            value = Decimal(str(value))
            if limit.high is not None and value >= limit.high:
                bound = f"at or above {limit.high} {limit.unit}"
            elif limit.low is not None and value < limit.low:
                bound = f"below {limit.low} {limit.unit}"
            else:
                continue
            vital = f"{timepoint} {limit.label.lower()}" if timepoint else limit.label
            failures.append(
                Failure(
                    check_code=f"vital_out_of_range:{name}",
                    field_name=name,
                    message=(
                        f"{vital} {value} {limit.unit} is {bound}: "
                        "confirm the value against the source and record an adverse event if "
                        "clinically significant."
                    ),
                )
            )
    return failures


# --- visit windows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitDate:
    code: str
    performed_on: date | None
    window_opens_on: date
    window_closes_on: date


def visit_out_of_window(
    visit: VisitDate, *, check_code: str = "visit_out_of_window", field_name: str = "completed_on"
) -> list[Failure]:
    """A failure when the visit was performed outside its protocol window."""
    on = visit.performed_on
    if on is None:
        return []
    if on < visit.window_opens_on:
        off_by = f"{(visit.window_opens_on - on).days} days early"
    elif on > visit.window_closes_on:
        off_by = f"{(on - visit.window_closes_on).days} days late"
    else:
        return []
    return [
        Failure(
            check_code=check_code,
            field_name=field_name,
            message=(
                f"{visit.code} performed on {on:%Y-%m-%d}, outside its window "
                f"{visit.window_opens_on:%Y-%m-%d} to {visit.window_closes_on:%Y-%m-%d} "
                f"({off_by}): confirm the date and record the protocol deviation."
            ),
        )
    ]


# --- adverse events ---------------------------------------------------------------------------

# The investigator's causality of an SAE is part of the 24-hour report (ICH E2A).
SAE_CAUSALITY_DUE = timedelta(hours=24)


@dataclass(frozen=True)
class AeReview:
    sequence: int
    grade: int
    serious: bool
    relationship: str
    aware_at: datetime | None
    voided: bool = False


def ae_inconsistencies(
    ae: AeReview, *, now: datetime, causality_due: timedelta = SAE_CAUSALITY_DUE
) -> list[Failure]:
    """Failures of an AE that the consistency rules accept but a reviewer must look at."""
    if ae.voided:
        return []
    failures = []
    if ae.serious and not ae.relationship and ae.aware_at and now - ae.aware_at >= causality_due:
        hours = int(causality_due.total_seconds() // 3600)
        failures.append(
            Failure(
                check_code="sae_causality_missing",
                field_name="relationship",
                # No elapsed time in the text: a person's "acknowledged" close holds as long
                # as the message is the same (review.services.run_edit_checks).
                message=(
                    f"AE{ae.sequence} is serious and its causality was not assessed within "
                    f"{hours} hours of the site becoming aware: the investigator must assess "
                    "it for the SAE report."
                ),
            )
        )
    if ae.grade == 4 and not ae.serious:
        failures.append(
            Failure(
                check_code="ae_grade4_not_serious",
                field_name="serious",
                message=(
                    f"AE{ae.sequence} is grade 4 (life-threatening) but not recorded as serious: "
                    "check the seriousness criteria."
                ),
            )
        )
    return failures
