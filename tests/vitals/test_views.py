"""Vital signs pages through Django's client, as each role: scoping, bad input kept, the
correction and the void with their reasons."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.rendered_form import lost_values
from tests.screening.factories import PLANNED_C1D1
from tests.vitals.factories import RECORDED_AT, form_data, record_vitals, vitals_values
from vitals.models import VitalSigns

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("vitals.views._now", lambda: RECORDED_AT)


def _visit_url(subject, code="C1D2"):
    return reverse("visit_vitals", args=[subject.visits.get(code=code).pk])


def test_coordinator_records_a_set_then_the_form_is_gone(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(_visit_url(subject), form_data(vitals_values()))
    assert response.status_code == 302
    page = client.get(_visit_url(subject)).content.decode()
    assert "pulse 74 beats/min" in page and "BP 122/76 mmHg" in page
    assert "Save vital signs" not in page  # one set per visit: corrected on its own page
    assert VitalSigns.objects.get().recorded_by == coordinator_a


def test_a_new_set_defaults_to_the_visits_day_or_today_in_its_window(
    client, subject, coordinator_a, monkeypatch
):
    client.force_login(coordinator_a)
    c1d2, c1d8 = subject.visits.get(code="C1D2"), subject.visits.get(code="C1D8")

    def default_date(visit, today):
        at = timezone.make_aware(datetime.combine(today, time(10)))
        monkeypatch.setattr("vitals.views._now", lambda: at)
        page = client.get(reverse("visit_vitals", args=[visit.pk]))
        return page.context["form"]["measured_on"].value()

    c1d2.completed_on = c1d2.target_date
    c1d2.save(update_fields=["completed_on"])
    assert default_date(c1d2, c1d8.window_opens_on) == c1d2.target_date  # performed: its day
    assert default_date(c1d8, c1d8.window_opens_on) == c1d8.window_opens_on  # window open
    assert default_date(c1d8, c1d8.window_closes_on) == c1d8.window_closes_on
    assert default_date(c1d8, c1d8.window_opens_on - timedelta(days=1)) is None  # not yet


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pulse_bpm": "251"}, "pulse_bpm", "plausible range"),
        ({"systolic_mmhg": "80", "diastolic_mmhg": "90"}, "diastolic_mmhg", "below systolic"),
        ({"measured_on": "2030-01-01"}, "measured_on", "in the future"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(vitals_values()) | changes
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not VitalSigns.objects.exists()


def test_no_vital_sign_at_all_is_refused_at_the_top_of_the_form(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    posted = (
        form_data(vitals_values())
        | dict.fromkeys(("temperature_c", "pulse_bpm", "systolic_mmhg", "diastolic_mmhg"), "")
        | {"respiratory_rate": "", "spo2_pct": ""}
    )
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert "Record at least one vital sign." in response.context["form"].non_field_errors()


def test_a_dosing_visit_points_to_its_dosing_crf_and_refuses_a_set(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    page = client.get(_visit_url(subject, "C1D1")).content.decode()
    assert "on <a href" in page and "its dosing CRF" in page
    posted = form_data(vitals_values(measured_on=PLANNED_C1D1))
    response = client.post(_visit_url(subject, "C1D1"), posted)
    assert response.status_code == 400 and not VitalSigns.objects.exists()


def test_another_sites_staff_get_404(client, subject, coordinator_a, coordinator_b):
    record = record_vitals(subject, coordinator_a)
    client.force_login(coordinator_b)
    assert client.get(_visit_url(subject)).status_code == 404
    assert client.post(_visit_url(subject), form_data(vitals_values())).status_code == 404
    assert client.get(reverse("vitals_detail", args=[record.pk])).status_code == 404
    void = client.post(reverse("vitals_void", args=[record.pk]), {"reason": "x", "version": "1"})
    assert void.status_code == 404
    record.refresh_from_db()
    assert record.voided_at is None


def test_a_monitor_reads_but_cannot_add_correct_nor_void(client, subject, coordinator_a, monitor):
    client.force_login(monitor)
    page = client.get(_visit_url(subject))
    assert page.status_code == 200 and "Save vital signs" not in page.content.decode()
    assert client.post(_visit_url(subject), form_data(vitals_values())).status_code == 403
    record = record_vitals(subject, coordinator_a)
    detail = client.get(reverse("vitals_detail", args=[record.pk]))
    assert detail.status_code == 200 and detail.context["form"] is None
    posted = form_data(vitals_values(pulse_bpm=90)) | {"version": "1", "reason": "x"}
    client.post(reverse("vitals_detail", args=[record.pk]), posted)
    client.post(reverse("vitals_void", args=[record.pk]), {"reason": "x", "version": "1"})
    record.refresh_from_db()
    assert (record.pulse_bpm, record.version, record.voided_at) == (74, 1, None)


def test_a_correction_through_the_detail_page_needs_a_reason(client, subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("vitals_detail", args=[record.pk])
    posted = form_data(vitals_values(pulse_bpm=88)) | {"version": "1", "reason": ""}
    response = client.post(url, posted)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert lost_values(posted, response.content.decode(), action="") == {}
    response = client.post(url, posted | {"reason": "Re-measured after rest"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.pulse_bpm, record.version) == (88, 2)


def test_void_through_the_detail_page_needs_a_reason(client, subject, coordinator_a):
    record = record_vitals(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("vitals_void", args=[record.pk])
    assert client.post(url, {"reason": "", "version": "1"}).status_code == 400
    assert client.post(url, {"reason": "Wrong subject", "version": "1"}).status_code == 302
    record.refresh_from_db()
    assert record.void_reason == "Wrong subject"
    page = client.get(_visit_url(subject)).content.decode()
    assert "Save vital signs" in page  # the visit may take its set again


def test_the_subject_page_lists_the_latest_sets_and_the_visits(client, subject, coordinator_a):
    record_vitals(subject, coordinator_a)
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert "Vital signs (latest 1)" in page and "Vital signs C1D2" in page
    assert _visit_url(subject) in page


def test_the_audit_page_of_a_set(client, subject, coordinator_a, coordinator_b):
    record = record_vitals(subject, coordinator_a)
    url = reverse("record_history", args=["vitals.vitalsigns", record.pk])
    client.force_login(coordinator_a)
    assert client.get(url).status_code == 200
    client.force_login(coordinator_b)
    assert client.get(url).status_code == 404
