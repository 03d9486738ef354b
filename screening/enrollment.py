"""Whether a screened subject may be enrolled now: a pure rule with the reasons it refuses."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class EnrollmentFacts:
    subject_status: str  # trial.models.SubjectStatus value
    eligibility_status: str | None  # screening.eligibility.Status value, None: no assessment
    confirmed_by_investigator: bool
    assessment_date: date | None
    planned_c1d1: date | None
    open_dose_level: str | None
    dose_level_reason: str  # why no level is open, from the escalation design's state


def enrollment_blockers(facts: EnrollmentFacts, *, today: date, screening_window_days: int):
    """Reasons enrollment is refused (empty: it may proceed).

    The screening period is day -28..-1 before C1D1, so an assessment more than
    `screening_window_days` days old, at enrollment or at the planned first dose, is stale.
    """
    reasons: list[str] = []
    if facts.subject_status != "screening":
        reasons.append(f"the subject is {facts.subject_status.replace('_', ' ')}, not in screening")
    if facts.eligibility_status is None:
        reasons.append("no eligibility assessment has been recorded")
    elif facts.eligibility_status != "eligible":
        reasons.append(
            f"the eligibility assessment is {facts.eligibility_status.replace('_', ' ')}"
        )
    elif not facts.confirmed_by_investigator:
        reasons.append("an investigator has not confirmed eligibility")
    if facts.assessment_date is not None:
        age = (today - facts.assessment_date).days
        if age > screening_window_days:
            reasons.append(
                f"the eligibility assessment of {facts.assessment_date} is {age} days old; "
                f"the screening window is {screening_window_days} days: reassess"
            )
    if facts.planned_c1d1 is None:
        reasons.append("the planned C1D1 date is missing")
    else:
        if facts.planned_c1d1 < today:
            reasons.append(f"the planned C1D1 {facts.planned_c1d1} is in the past")
        if facts.assessment_date is not None:
            lead = (facts.planned_c1d1 - facts.assessment_date).days
            if lead > screening_window_days:
                reasons.append(
                    f"the planned C1D1 {facts.planned_c1d1} is {lead} days after the assessment; "
                    f"screening must fall within the {screening_window_days} days before C1D1"
                )
            elif lead < 1:
                reasons.append(
                    f"the planned C1D1 {facts.planned_c1d1} must be after the assessment "
                    f"({facts.assessment_date})"
                )
    if facts.open_dose_level is None:
        reasons.append(f"no dose level is open for enrollment: {facts.dose_level_reason}")
    return reasons
