"""The screening reads that pages share: the screen failures by failed criterion."""

import pytest

from screening.selectors import REASON_ONLY, failures_by_criterion
from screening.services import eligibility_void, subject_screen_fail
from tests.screening.factories import TODAY, assessed_subject, at, consented_subject
from trial.access import subjects_for
from trial.models import Subject

pytestmark = pytest.mark.django_db


def test_screen_failures_are_counted_by_each_failed_criterion_of_a_standing_assessment(
    study, site_a, site_b, coordinator_a, coordinator_b, monitor
):
    def failed(site, coordinator, **answers):
        subject = assessed_subject(study=study, site=site, coordinator=coordinator, **answers)
        return subject_screen_fail(subject=subject, by=coordinator, reason="Not eligible")

    two = failed(site_a, coordinator_a, ecog=3, active_hbv=True)  # two criteria
    failed(site_a, coordinator_a, ecog=3)
    hbv = next(f["code"] for f in two.eligibility.failed_findings if f["code"] != "IN3")
    reason_only = consented_subject(study=study, site=site_a, by=coordinator_a)
    subject_screen_fail(subject=reason_only, by=coordinator_a, reason="Withdrew consent")
    voided = assessed_subject(study=study, site=site_a, coordinator=coordinator_a, ecog=3)
    eligibility_void(
        record=voided.eligibility,
        by=coordinator_a,
        reason="Entered for the wrong subject",
        expected_version=voided.eligibility.version,
        now=at(TODAY),
    )
    subject_screen_fail(subject=voided, by=coordinator_a, reason="Not eligible")
    # Failing a criterion but not (yet) a screen failure: not counted.
    assessed_subject(study=study, site=site_a, coordinator=coordinator_a, ecog=3)
    failed(site_b, coordinator_b, ecog=3)  # another site

    assert failures_by_criterion(subjects_for(coordinator_a)) == sorted(
        [("IN3", 2), (hbv, 1), (REASON_ONLY, 2)]
    )
    assert dict(failures_by_criterion(subjects_for(monitor)))["IN3"] == 3
    assert failures_by_criterion(Subject.objects.none()) == []
