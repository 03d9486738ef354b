"""The site's normal-range page (labs.views.site_lab_ranges) as each role: the range a site's
staff record is the one its later results are graded against; bad input kept; scoping."""

from decimal import Decimal

import pytest
from django.urls import reverse

from labs.models import LabNormalRange, LabResult
from tests.dosing.factories import dosed_subject
from tests.labs.factories import (
    RECORDED_AT,
    form_data,
    range_values,
    result_values,
    visit_of,
)
from tests.rendered_form import lost_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("labs.views._now", lambda: RECORDED_AT)


@pytest.fixture
def ungraded_subject(study, site_a, coordinator_a, investigator_a, dictionary):
    """Site A with no normal range recorded yet."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


def _url(site):
    return reverse("site_lab_ranges", args=[site.pk])


def test_a_range_recorded_on_the_page_grades_the_sites_next_result(
    client, ungraded_subject, site_a, coordinator_a
):
    client.force_login(coordinator_a)
    visit_url = reverse("visit_labs", args=[visit_of(ungraded_subject, "C1D8").pk])
    client.post(visit_url, form_data(result_values(value=Decimal(130))))
    assert LabResult.objects.get().grade is None  # no range in force: saved ungraded

    response = client.post(_url(site_a), form_data(range_values()))

    assert response.status_code == 302
    assert LabNormalRange.objects.get(site=site_a).high == 40
    page = client.get(_url(site_a)).content.decode()
    assert "7–40 U/L" in page
    client.post(visit_url, form_data(result_values(value=Decimal(130), test="ALT")))
    assert LabResult.objects.latest("pk").grade == 2  # 130 U/L: > 3.0 x ULN 40


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"low": "50", "high": "40"}, "high"),
        ({"unit": "g/L"}, "unit"),
    ],
)
def test_a_range_that_cannot_be_right_is_refused_naming_the_field_and_kept(
    client, ungraded_subject, site_a, coordinator_a, changes, field
):
    client.force_login(coordinator_a)
    posted = form_data(range_values()) | changes
    response = client.post(_url(site_a), posted)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert lost_values(posted, response.content.decode()) == {}
    assert not LabNormalRange.objects.exists()


def test_an_overlapping_range_is_refused(client, ungraded_subject, site_a, coordinator_a):
    client.force_login(coordinator_a)
    client.post(_url(site_a), form_data(range_values()))
    response = client.post(_url(site_a), form_data(range_values(high=Decimal(45))))
    assert response.status_code == 400
    assert "Overlaps the range in force" in str(response.context["form"].errors)
    assert LabNormalRange.objects.count() == 1


def test_a_monitor_reads_the_ranges_but_cannot_add_one(
    client, ungraded_subject, site_a, coordinator_a, monitor
):
    client.force_login(monitor)
    page = client.get(_url(site_a))
    assert page.status_code == 200 and "Add a normal range" not in page.content.decode()
    assert client.post(_url(site_a), form_data(range_values())).status_code == 403
    assert not LabNormalRange.objects.exists()


def test_another_sites_coordinator_does_not_find_the_site(
    client, ungraded_subject, site_a, coordinator_b
):
    client.force_login(coordinator_b)
    assert client.get(_url(site_a)).status_code == 404
    assert client.post(_url(site_a), form_data(range_values())).status_code == 404
    assert not LabNormalRange.objects.exists()
