"""Medical-history pages through Django's client, as each role: scoping, bad input kept."""

import pytest
from django.urls import reverse

from history.models import MedicalHistory
from tests.history.factories import RECORDED_AT, form_data, history_values, record_history
from tests.rendered_form import lost_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("history.views._now", lambda: RECORDED_AT)


@pytest.fixture
def entry(subject, coordinator_a):
    return record_history(subject, coordinator_a)


def test_coordinator_adds_a_condition_with_a_partial_date(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("medical_history_new", args=[subject.pk]), form_data(history_values())
    )
    assert response.status_code == 302
    record = MedicalHistory.objects.get(subject=subject)
    assert (record.start_date, record.baseline_grade) == ("2019-03", 2)
    page = client.get(reverse("medical_history_list", args=[subject.pk])).content.decode()
    assert "MH1" in page and "2019-03" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"ongoing": False, "end_date": "2018", "baseline_grade": None},
            "end_date",
            "End date 2018 is before start date 2019-03.",
        ),
        ({"start_date": "03/2019"}, "start_date", "is not a date: write YYYY, YYYY-MM"),
        ({"start_date": "NA"}, "start_date", "NA is not accepted here"),
        ({"start_date": "2026-11-19"}, "start_date", "is after consent 2026-11-13"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_the_input_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(history_values(**changes))
    response = client.post(reverse("medical_history_new", args=[subject.pk]), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not MedicalHistory.objects.exists()


def test_a_correction_without_a_reason_is_refused_and_kept(client, entry, coordinator_a):
    client.force_login(coordinator_a)
    posted = form_data(history_values(baseline_grade=1)) | {"version": "1", "reason": ""}
    response = client.post(reverse("medical_history_detail", args=[entry.pk]), posted)
    assert response.status_code == 400
    assert "reason for change" in " ".join(response.context["form"].errors["reason"])
    entry.refresh_from_db()
    assert entry.baseline_grade == 2


def test_a_correction_with_a_reason_is_saved(client, entry, coordinator_a):
    client.force_login(coordinator_a)
    posted = form_data(history_values(baseline_grade=1)) | {"version": "1", "reason": "Source"}
    response = client.post(reverse("medical_history_detail", args=[entry.pk]), posted)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.baseline_grade, entry.version) == (1, 2)


def test_the_other_site_s_staff_do_not_find_the_history(client, subject, entry, coordinator_b):
    client.force_login(coordinator_b)
    for url in (
        reverse("medical_history_list", args=[subject.pk]),
        reverse("medical_history_new", args=[subject.pk]),
        reverse("medical_history_detail", args=[entry.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("medical_history_void", args=[entry.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.voided_at is None


def test_a_monitor_reads_without_a_form_and_cannot_void(client, entry, monitor):
    client.force_login(monitor)
    response = client.get(reverse("medical_history_detail", args=[entry.pk]))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert client.get(reverse("medical_history_new", args=[entry.subject_id])).status_code == 404
    response = client.post(
        reverse("medical_history_void", args=[entry.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.voided_at is None


def test_sponsor_safety_does_not_read_histories(client, entry, sponsor_safety):
    client.force_login(sponsor_safety)
    assert client.get(reverse("medical_history_detail", args=[entry.pk])).status_code == 404
    list_url = reverse("medical_history_list", args=[entry.subject_id])
    assert client.get(list_url).status_code == 404


def test_void_keeps_the_row_with_its_reason(client, entry, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("medical_history_void", args=[entry.pk]),
        {"reason": "Another patient's letter", "version": "1"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.void_reason == "Another patient's letter" and entry.voided_at is not None


def test_the_subject_page_has_a_history_section_for_its_readers_only(
    client, subject, entry, coordinator_a, sponsor_safety
):
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert reverse("medical_history_list", args=[subject.pk]) in page
    assert reverse("medical_history_detail", args=[entry.pk]) in page
    assert reverse("medication_list", args=[subject.pk]) in page
    client.force_login(sponsor_safety)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert reverse("medical_history_list", args=[subject.pk]) not in page
    assert reverse("medication_list", args=[subject.pk]) not in page
