"""Prior cancer therapy pages through Django's client, as each role: scoping, bad input kept,
and the eligibility page showing what the records give beside its answers."""

import pytest
from django.urls import reverse

from history.models import PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from history.services import radiotherapy_record
from tests.history.factories import (
    RECORDED_AT,
    line_values,
    radiotherapy_values,
    record_lines,
    surgery_values,
    therapy_form_data,
)
from tests.rendered_form import lost_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("history.prior_therapy_views._now", lambda: RECORDED_AT)


@pytest.fixture
def line(subject, coordinator_a):
    return record_lines(subject, coordinator_a)[1]


def test_coordinator_adds_each_kind_and_the_list_shows_them(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    for url, values in (
        ("systemic_line_new", line_values()),
        ("prior_radiotherapy_new", radiotherapy_values()),
        ("prior_surgery_new", surgery_values()),
    ):
        response = client.post(reverse(url, args=[subject.pk]), therapy_form_data(values))
        assert response.status_code == 302, response.context["form"].errors
    page = client.get(reverse("prior_therapy_list", args=[subject.pk])).content.decode()
    for text in ("Line 2", "FOLFIRI", "Left axilla", "50.00 Gy", "Wide local excision", "2023-07"):
        assert text in page
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert reverse("prior_therapy_list", args=[subject.pk]) in page
    assert "Line 2 FOLFIRI" in page


@pytest.mark.parametrize(
    ("url", "values", "field", "message"),
    [
        (
            "systemic_line_new",
            line_values(start_date="2026-03", end_date="2026-02"),
            "end_date",
            "End date 2026-02 is before start date 2026-03.",
        ),
        ("systemic_line_new", line_values(start_date="03/2026"), "start_date", "is not a date"),
        ("systemic_line_new", line_values(start_date="NASK"), "start_date", "not accepted here"),
        (
            "prior_radiotherapy_new",
            radiotherapy_values(total_dose_gy="-5"),
            "total_dose_gy",
            "must be more than 0 Gy",
        ),
        (
            "prior_surgery_new",
            surgery_values(surgery_date="2026-11-19"),
            "surgery_date",
            "is after consent 2026-11-13",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_the_input_kept(
    client, subject, coordinator_a, url, values, field, message
):
    client.force_login(coordinator_a)
    posted = therapy_form_data(values)
    response = client.post(reverse(url, args=[subject.pk]), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not SystemicTherapyLine.objects.exists()
    assert not PriorRadiotherapy.objects.exists()
    assert not PriorSurgery.objects.exists()


def test_a_duplicated_line_number_is_refused_and_kept(client, subject, line, coordinator_a):
    client.force_login(coordinator_a)
    posted = therapy_form_data(line_values(regimen="Docetaxel", agents="docetaxel"))
    response = client.post(reverse("systemic_line_new", args=[subject.pk]), posted)
    assert response.status_code == 400
    assert "Line 2 is already recorded (Line 2 FOLFIRI)" in " ".join(
        response.context["form"].errors["line_number"]
    )
    assert lost_values(posted, response.content.decode()) == {}


def test_a_correction_needs_a_reason_then_is_saved(client, line, coordinator_a):
    client.force_login(coordinator_a)
    url = reverse("systemic_line_detail", args=[line.pk])
    posted = therapy_form_data(line_values(best_response="SD")) | {"version": "1"}
    response = client.post(url, posted | {"reason": ""})
    assert response.status_code == 400
    assert "reason for change" in " ".join(response.context["form"].errors["reason"])
    response = client.post(url, posted | {"reason": "Best response as in the letter"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.best_response, line.version) == ("SD", 2)


def test_the_other_site_s_staff_do_not_find_prior_therapy(client, subject, line, coordinator_b):
    client.force_login(coordinator_b)
    for url in (
        reverse("prior_therapy_list", args=[subject.pk]),
        reverse("systemic_line_new", args=[subject.pk]),
        reverse("systemic_line_detail", args=[line.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("systemic_line_void", args=[line.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.voided_at is None


def test_a_monitor_reads_without_a_form_and_cannot_void(client, line, monitor):
    client.force_login(monitor)
    response = client.get(reverse("systemic_line_detail", args=[line.pk]))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert ("Regimen", "FOLFIRI") in response.context["shown"]
    response = client.post(
        reverse("systemic_line_void", args=[line.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.voided_at is None


def test_sponsor_safety_does_not_read_prior_therapy(client, line, sponsor_safety):
    client.force_login(sponsor_safety)
    assert client.get(reverse("systemic_line_detail", args=[line.pk])).status_code == 404
    assert client.get(reverse("prior_therapy_list", args=[line.subject_id])).status_code == 404


def test_a_void_keeps_the_row_with_its_reason(client, subject, coordinator_a):
    course = radiotherapy_record(
        subject=subject, by=coordinator_a, values=radiotherapy_values(), now=RECORDED_AT
    )
    client.force_login(coordinator_a)
    response = client.post(
        reverse("prior_radiotherapy_void", args=[course.pk]),
        {"reason": "Another patient's letter", "version": "1"},
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.void_reason == "Another patient's letter" and course.voided_at is not None


def test_the_eligibility_page_shows_the_records_beside_the_answers(
    client, subject, line, coordinator_a
):
    client.force_login(coordinator_a)
    url = reverse("screening_eligibility", args=[subject.pk])
    rows = {row.field: row for row in client.get(url).context["cross_check"]}
    assert rows["refractory_to_second_line"].agrees is True
    assert "2 prior lines" in rows["refractory_to_second_line"].records
    assert "more than 28 days before the assessment" in rows["last_chemotherapy_date"].records
    radiotherapy_record(
        subject=subject,
        by=coordinator_a,
        values=radiotherapy_values(start_date="2026-10-01", end_date="2026-11-02"),
        now=RECORDED_AT,
    )
    page = client.get(url)
    rows = {row.field: row for row in page.context["cross_check"]}
    assert rows["had_radiotherapy"].agrees is False
    assert "not more than 28 days" in rows["last_radiotherapy_date"].records
    html = page.content.decode()
    assert "Prior cancer therapy records" in html and "disagrees" in html
