"""Enrollment rule (screening/enrollment.py): table-driven, no database."""

import dataclasses
from datetime import date, timedelta

import pytest

from screening.enrollment import EnrollmentFacts, enrollment_blockers

TODAY = date(2026, 11, 20)
WINDOW = 28  # studies/il22bp_lnp.toml: screening_window_days


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def ready(**changes) -> EnrollmentFacts:
    """A subject who may be enrolled TODAY: confirmed eligible yesterday, C1D1 tomorrow."""
    base = EnrollmentFacts(
        subject_status="screening",
        eligibility_status="eligible",
        confirmed_by_investigator=True,
        assessment_date=days(-1),
        planned_c1d1=days(1),
        open_dose_level="DL1",
        dose_level_reason="DL1 is open: first dose level, no subjects enrolled yet",
    )
    return dataclasses.replace(base, **changes)


def blockers(facts: EnrollmentFacts) -> list[str]:
    return enrollment_blockers(facts, today=TODAY, screening_window_days=WINDOW)


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(ready(), id="confirmed-eligible-assessed-yesterday-c1d1-tomorrow"),
        pytest.param(
            ready(assessment_date=days(-28), planned_c1d1=TODAY),
            id="assessment-exactly-28-days-old-with-c1d1-today",
        ),
        pytest.param(
            ready(assessment_date=days(-1), planned_c1d1=days(27)),
            id="c1d1-exactly-28-days-after-assessment",
        ),
        pytest.param(
            ready(assessment_date=days(-1), planned_c1d1=TODAY),
            id="c1d1-today-the-day-after-assessment",
        ),
        pytest.param(
            ready(assessment_date=TODAY, planned_c1d1=days(1)),
            id="assessed-today-c1d1-tomorrow",
        ),
    ],
)
def test_enrollment_is_allowed(facts):
    assert blockers(facts) == []


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(
            ready(assessment_date=days(-29), planned_c1d1=TODAY),
            "the eligibility assessment of 2026-10-22 is 29 days old; "
            "the screening window is 28 days: reassess",
            id="assessment-29-days-old-is-stale",
        ),
        pytest.param(
            ready(assessment_date=days(-1), planned_c1d1=days(28)),
            "the planned C1D1 2026-12-18 is 29 days after the assessment; "
            "screening must fall within the 28 days before C1D1",
            id="c1d1-29-days-after-assessment",
        ),
        pytest.param(
            ready(assessment_date=TODAY, planned_c1d1=TODAY),
            "the planned C1D1 2026-11-20 must be after the assessment (2026-11-20)",
            id="c1d1-on-the-assessment-day",
        ),
        pytest.param(
            ready(assessment_date=days(-5), planned_c1d1=days(-1)),
            "the planned C1D1 2026-11-19 is in the past",
            id="c1d1-in-the-past",
        ),
        pytest.param(
            ready(planned_c1d1=None),
            "the planned C1D1 date is missing",
            id="c1d1-missing",
        ),
        pytest.param(
            ready(confirmed_by_investigator=False),
            "an investigator has not confirmed eligibility",
            id="not-confirmed-by-investigator",
        ),
        pytest.param(
            ready(eligibility_status="incomplete", confirmed_by_investigator=False),
            "the eligibility assessment is incomplete",
            id="assessment-incomplete",
        ),
        pytest.param(
            ready(eligibility_status="not_eligible", confirmed_by_investigator=False),
            "the eligibility assessment is not eligible",
            id="assessment-not-eligible",
        ),
        pytest.param(
            ready(eligibility_status=None, confirmed_by_investigator=False, assessment_date=None),
            "no eligibility assessment has been recorded",
            id="no-assessment",
        ),
        pytest.param(
            ready(
                open_dose_level=None,
                dose_level_reason="DL1 cohort's DLT window is open until 2026-12-11 for "
                "3 subjects; the next level opens after that",
            ),
            "no dose level is open for enrollment: DL1 cohort's DLT window is open until "
            "2026-12-11 for 3 subjects; the next level opens after that",
            id="no-open-dose-level-passes-the-3+3-reason-through",
        ),
        pytest.param(
            ready(subject_status="screen_failed"),
            "the subject is screen failed, not in screening",
            id="subject-screen-failed",
        ),
        pytest.param(
            ready(subject_status="enrolled"),
            "the subject is enrolled, not in screening",
            id="subject-already-enrolled",
        ),
    ],
)
def test_enrollment_is_refused_with_the_reason(facts, expected):
    assert any(reason.startswith(expected) for reason in blockers(facts))


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(ready(confirmed_by_investigator=False), id="not-confirmed"),
        pytest.param(ready(eligibility_status="incomplete"), id="incomplete"),
        pytest.param(ready(planned_c1d1=days(-1), assessment_date=days(-2)), id="c1d1-past"),
        pytest.param(ready(planned_c1d1=days(28)), id="c1d1-29-days-after-assessment"),
        pytest.param(ready(assessment_date=TODAY, planned_c1d1=TODAY), id="c1d1-on-assessment"),
        pytest.param(ready(open_dose_level=None), id="no-open-level"),
        pytest.param(ready(subject_status="withdrawn"), id="withdrawn"),
    ],
)
def test_a_single_failing_condition_gives_exactly_one_reason(facts):
    assert len(blockers(facts)) == 1


def test_stale_assessment_is_refused_even_with_c1d1_within_28_days_of_it():
    # Staleness is judged at enrollment, not only at C1D1: a C1D1 in the past cannot rescue it.
    reasons = blockers(ready(assessment_date=days(-29), planned_c1d1=days(-2)))
    assert any("29 days old" in reason for reason in reasons)
    assert not any("days after the assessment" in reason for reason in reasons)


def test_confirmation_is_not_asked_for_an_assessment_that_is_not_eligible():
    reasons = blockers(ready(eligibility_status="not_eligible", confirmed_by_investigator=False))
    assert len(reasons) == 1
    assert reasons[0].startswith("the eligibility assessment is not eligible")


def test_every_blocking_reason_is_reported_at_once():
    facts = ready(
        subject_status="screen_failed",
        eligibility_status="not_eligible",
        confirmed_by_investigator=False,
        assessment_date=days(-40),
        planned_c1d1=days(-1),
        open_dose_level=None,
        dose_level_reason="the study stopped",
    )
    expected = [
        "the subject is screen failed, not in screening",
        "the eligibility assessment is not eligible",
        "the eligibility assessment of 2026-10-11 is 40 days old; "
        "the screening window is 28 days: reassess",
        "the planned C1D1 2026-11-19 is in the past",
        "the planned C1D1 2026-11-19 is 39 days after the assessment; "
        "screening must fall within the 28 days before C1D1",
        "no dose level is open for enrollment: the study stopped",
    ]
    reasons = blockers(facts)
    assert len(reasons) == len(expected)
    for reason, start in zip(reasons, expected, strict=True):
        assert reason.startswith(start)


def test_screening_window_comes_from_the_argument():
    facts = ready(assessment_date=days(-15), planned_c1d1=TODAY)
    assert enrollment_blockers(facts, today=TODAY, screening_window_days=15) == []
    assert len(enrollment_blockers(facts, today=TODAY, screening_window_days=14)) == 2
