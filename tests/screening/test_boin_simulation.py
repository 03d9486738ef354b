"""A BOIN trial simulated with a fixed seed and driven end to end through the real services.

Every patient is registered, consented, assessed, confirmed by the investigator and enrolled
at the dose the services open; C1D1 is recorded through the dosing service; a patient drawn
to have a DLT gets a grade 3 AE, the investigator's causality and the DLT decision through the
AE services. Time moves past each cohort's DLT window before the next cohort. The cohorts and
the MTD must be those of the independent reference written from the published decision table
(tests/trial/boin_reference.py), and the escalation page must show the final selection.
"""

import random
from datetime import date, timedelta

import pytest
from django.urls import reverse

from adverse_events.services import ae_assess_causality, ae_decide_dlt, ae_record
from dosing.services import dose_record
from screening.services import (
    consent_record,
    eligibility_confirm,
    eligibility_save,
    escalation_for,
    subject_enroll,
)
from tests.adverse_events.factories import ae_values, load_starter_dictionary
from tests.conftest import PASSWORD
from tests.dosing.factories import dose_values, visit_of
from tests.screening.factories import at, eligible_values, register_subject
from tests.trial.boin_reference import reference_trial
from trial.boin import BoinState, Outcome
from trial.models import Subject

pytestmark = pytest.mark.django_db

FIRST_DAY = date(2026, 11, 20)
LEVELS = ["DL1", "DL2", "DL3", "DL4"]
TRUE_DLT_RATES = [0.05, 0.12, 0.30, 0.55]
# The paths these seeds take (from the reference): seed 12 escalates to DL4, eliminates it
# (3 DLTs in 3) and ends at the maximum sample size of 18; seed 4 de-escalates from DL3 and
# stops when DL2, the current dose, has 9 patients (stop_at_n).
SCENARIOS = {
    12: [("DL1", 0), ("DL2", 1), ("DL2", 0), ("DL3", 0), ("DL4", 3), ("DL3", 1)],
    4: [("DL1", 0), ("DL2", 1), ("DL2", 0), ("DL3", 2), ("DL2", 1)],
}


def screened_on(day, study, site, coordinator, investigator) -> Subject:
    """A patient consented three days before `day`, assessed the day before and confirmed."""
    subject = register_subject(study=study, site=site, by=coordinator)
    consent_record(
        subject=subject,
        by=coordinator,
        icf_version="2.0",
        signed_at=at(day - timedelta(days=3)),
        now=at(day, 12),
    )
    values = eligible_values(
        assessment_date=day - timedelta(days=1), last_chemotherapy_date=day - timedelta(days=60)
    )
    eligibility_save(subject=subject, by=coordinator, values=values, today=day)
    eligibility_confirm(subject=subject, by=investigator, today=day, password=PASSWORD)
    return subject


def record_dlt(subject, coordinator, investigator, onset: date) -> None:
    ae = ae_record(
        subject=subject,
        by=coordinator,
        values=ae_values(grade=3, onset_date=onset),
        now=at(onset, 15),
    )
    ae = ae_assess_causality(
        ae=ae,
        by=investigator,
        relationship="probable",
        expectedness="unexpected",
        now=at(onset, 16),
    )
    ae_decide_dlt(ae=ae, by=investigator, is_dlt=True, now=at(onset, 17))


@pytest.mark.parametrize("seed", sorted(SCENARIOS))
def test_simulated_boin_trial_through_the_services(
    seed, client, monkeypatch, boin_study, site_a, coordinator_a, investigator_a
):
    load_starter_dictionary()
    draws = random.Random(seed)
    day, cohorts = FIRST_DAY, []
    while True:
        state = escalation_for(boin_study, today=day)
        if state.open_level is None:
            break
        # Enroll while the level is open: the cohort is full when the services close it.
        cohort = []
        while escalation_for(boin_study, today=day).open_level is not None:
            subject = screened_on(day, boin_study, site_a, coordinator_a, investigator_a)
            c1d1 = day + timedelta(days=1)
            cohort.append(
                subject_enroll(subject=subject, by=coordinator_a, planned_c1d1=c1d1, today=day)
            )
        levels = {subject.dose_level.code for subject in cohort}
        assert levels == {state.open_level}
        dlts = 0
        for subject in cohort:
            dose_record(
                visit=visit_of(subject, "C1D1"),
                by=coordinator_a,
                values=dose_values(subject, administered_on=c1d1),
                today=c1d1,
            )
            if draws.random() < TRUE_DLT_RATES[LEVELS.index(state.open_level)]:
                record_dlt(subject, coordinator_a, investigator_a, c1d1 + timedelta(days=2))
                dlts += 1
        cohorts.append((state.open_level, dlts))
        # The DLT window is C1D1..C1D1 + 20: a patient without DLT is evaluable the day
        # after (one with a DLT counts at once, so a cohort of DLTs is decided at once).
        last_day = escalation_for(boin_study, today=c1d1 + timedelta(days=20))
        assert (last_day.open_level is None) is (dlts < len(cohort))
        day = c1d1 + timedelta(days=21)

    expected_cohorts, expected_mtd = reference_trial(TRUE_DLT_RATES, seed=seed)
    assert cohorts == [(LEVELS[d], dlts) for d, dlts in expected_cohorts] == SCENARIOS[seed]
    assert isinstance(state, BoinState)
    assert state.outcome is Outcome.MTD_SELECTED
    assert state.mtd == LEVELS[expected_mtd]
    # Every subject's row agrees with the cohorts: enrolled at its cohort's dose, DLT flagged.
    rows = Subject.objects.filter(study=boin_study).order_by("enrolled_at", "pk")
    assert [(s.dose_level.code, s.dlt) for s in rows].count(("DL1", False)) == sum(
        3 - dlts for level, dlts in cohorts if level == "DL1"
    )
    assert rows.filter(dlt=True).count() == sum(dlts for _level, dlts in cohorts)

    monkeypatch.setattr("screening.views._today", lambda: day)
    client.force_login(coordinator_a)
    page = client.get(reverse("dose_escalation")).content.decode()
    assert f"Selected MTD: {state.mtd}" in page
    assert "Isotonic estimate" in page
