"""ECG pages through Django's client, as each role: scoping, bad input kept."""

import pytest
from django.urls import reverse

from ecg.models import Electrocardiogram
from tests.ecg.factories import RECORDED_AT, ecg_values, form_data, record_ecg, visit_of
from tests.rendered_form import lost_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("ecg.views._now", lambda: RECORDED_AT)


def _visit_url(subject, code="C1D8"):
    return reverse("visit_ecgs", args=[visit_of(subject, code).pk])


def test_coordinator_adds_an_ecg_shown_with_its_qtcf(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(_visit_url(subject), form_data(ecg_values()))
    assert response.status_code == 302
    page = client.get(_visit_url(subject)).content.decode()
    assert "410.0 ms" in page and "Normal" in page
    assert Electrocardiogram.objects.get().readings == 3


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"qt_ms_1": "900"}, "qt_ms_1", "outside physiology"),
        ({"qt_ms_2": "120"}, "qt_ms_2", "outside physiology"),
        ({"interpretation": "abnormal_cs", "abnormality": ""}, "abnormality", "described"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(ecg_values()) | changes
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not Electrocardiogram.objects.exists()


def test_another_sites_staff_get_404(client, subject, coordinator_a, coordinator_b):
    record = record_ecg(subject, coordinator_a)
    client.force_login(coordinator_b)
    assert client.get(_visit_url(subject)).status_code == 404
    assert client.post(_visit_url(subject), form_data(ecg_values())).status_code == 404
    assert client.get(reverse("ecg_detail", args=[record.pk])).status_code == 404
    void = client.post(reverse("ecg_void", args=[record.pk]), {"reason": "x", "version": "1"})
    assert void.status_code == 404
    record.refresh_from_db()
    assert record.voided_at is None


def test_a_monitor_reads_but_cannot_add_nor_void(client, subject, coordinator_a, monitor):
    record = record_ecg(subject, coordinator_a)
    client.force_login(monitor)
    page = client.get(_visit_url(subject))
    assert page.status_code == 200 and "Add an ECG" not in page.content.decode()
    assert client.post(_visit_url(subject), form_data(ecg_values())).status_code == 403
    client.post(reverse("ecg_void", args=[record.pk]), {"reason": "x", "version": "1"})
    record.refresh_from_db()
    assert record.voided_at is None and Electrocardiogram.objects.count() == 1


def test_a_correction_through_the_detail_page(client, subject, coordinator_a):
    record = record_ecg(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("ecg_detail", args=[record.pk])
    posted = form_data(ecg_values(qt_ms_1=490, qt_ms_2=490, qt_ms_3=490)) | {
        "version": "1",
        "reason": "",
    }
    response = client.post(url, posted)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert lost_values(posted, response.content.decode(), action="") == {}
    response = client.post(url, posted | {"reason": "Tracing re-read"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.qtc_grade, record.version) == (2, 2)


def test_void_through_the_detail_page_needs_a_reason(client, subject, coordinator_a):
    record = record_ecg(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("ecg_void", args=[record.pk])
    assert client.post(url, {"reason": "", "version": "1"}).status_code == 400
    assert client.post(url, {"reason": "Wrong subject", "version": "1"}).status_code == 302
    record.refresh_from_db()
    assert record.void_reason == "Wrong subject"


def test_the_subject_page_lists_the_ecgs_and_the_visits(client, subject, coordinator_a):
    record_ecg(subject, coordinator_a)
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert "ECGs (1)" in page and "ECG C1D8" in page
    assert _visit_url(subject) in page


def test_the_audit_page_of_an_ecg(client, subject, coordinator_a, coordinator_b):
    record = record_ecg(subject, coordinator_a)
    url = reverse("record_history", args=["ecg.electrocardiogram", record.pk])
    client.force_login(coordinator_a)
    assert client.get(url).status_code == 200
    client.force_login(coordinator_b)
    assert client.get(url).status_code == 404
