"""The samples on the schedule of assessments: one form per visit ("Samples"), expected at
the visits [samples] plans samples at, complete once each planned sample is recorded."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings

from review.form_status import FormStatus
from review.matrix import visit_forms
from samples.services import scheduled_at
from tests.samples.factories import record_sample, visit_of
from trial.study_config import read_config

pytestmark = pytest.mark.django_db

DOSE_START, DOSE_END = time(9, 30), time(9, 45)  # the C1D1 dose (tests/dosing/factories.py)


def test_the_study_file_expects_samples_at_the_visits_samples_plans():
    config = read_config(settings.BASE_DIR / "studies" / "il22bp_lnp.toml")
    [entry] = [a for a in config["assessments"] if a["form"] == "samples.sample"]
    planned = {code for kind in config["samples"]["types"] for code in kind["visits"]}
    assert set(entry["visits"]) == planned
    assert not entry.get("visit_kinds")


def samples_form(subject, code):
    visit = visit_of(subject, code)
    return next(f for f in visit_forms(subject, [visit])[visit.pk] if f.name == "Samples")


def collected_at(planned, on):
    """On time: pre-dose 25 minutes before the dose, the others at their nominal time."""
    start, end = (datetime.combine(on, t, tzinfo=UTC) for t in (DOSE_START, DOSE_END))
    if planned.anchor == "pre_dose":
        moment = start - timedelta(minutes=25)
    else:
        reference = end if planned.anchor == "after_end_minutes" else start
        moment = reference + timedelta(minutes=planned.offset_minutes)
    return moment.date(), moment.time()


def test_a_visits_samples_are_incomplete_until_each_planned_one_is_recorded(subject, coordinator_a):
    assert samples_form(subject, "C1D1").status == FormStatus.NOT_STARTED
    visit = visit_of(subject, "C1D1")
    planned = scheduled_at(visit)
    assert len(planned) > 2  # PK, ADA and biomarker samples at C1D1

    for index, sample in enumerate(planned):
        on, at = collected_at(sample, visit.completed_on)
        record_sample(
            subject,
            coordinator_a,
            sample_type=sample.type_code,
            nominal_time=sample.time_code,
            sample_id=f"S-{index}",
            collected_on=on,
            collected_time=at,
        )
        expected = FormStatus.COMPLETE if index == len(planned) - 1 else FormStatus.INCOMPLETE
        assert samples_form(subject, "C1D1").status == expected, sample


def test_visits_without_planned_samples_expect_none(subject):
    visit = visit_of(subject, "C1D8")
    assert scheduled_at(visit) == []
    assert "Samples" not in [f.name for f in visit_forms(subject, [visit])[visit.pk]]
