"""Sample pages through Django's client, as each role: scoping, bad input kept."""

import pytest
from django.urls import reverse

from samples.models import Sample
from tests.rendered_form import lost_values
from tests.samples.factories import (
    RECORDED_AT,
    form_data,
    record_sample,
    sample_values,
    visit_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("samples.views._now", lambda: RECORDED_AT)


def _visit_url(subject, code="C1D1"):
    return reverse("visit_samples", args=[visit_of(subject, code).pk])


def test_the_visit_page_lists_the_planned_samples_and_records_one(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    page = client.get(_visit_url(subject)).content.decode()
    assert "Pharmacokinetics (serum IL-22BP)" in page and "End of injection" in page
    assert "Anti-drug antibodies" in page and "not recorded" in page
    response = client.post(_visit_url(subject), form_data(sample_values()))
    assert response.status_code == 302
    assert "PK-0001" in client.get(_visit_url(subject)).content.decode()
    assert Sample.objects.get().deviation_minutes == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"collected_time": "09:00"}, "collected_time", "before the dose"),
        ({"sample_type": "ADA"}, "nominal_time", "collected at PRE"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(sample_values()) | changes
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not Sample.objects.exists()


def test_another_sites_staff_get_404(client, subject, coordinator_a, coordinator_b):
    record = record_sample(subject, coordinator_a)
    client.force_login(coordinator_b)
    assert client.get(_visit_url(subject)).status_code == 404
    assert client.post(_visit_url(subject), form_data(sample_values())).status_code == 404
    assert client.get(reverse("sample_detail", args=[record.pk])).status_code == 404
    stage = {"stage": "processed", "at": "2026-11-21T11:00", "version": "1"}
    assert client.post(reverse("sample_stage", args=[record.pk]), stage).status_code == 404


def test_a_monitor_reads_but_cannot_add_nor_record_handling(
    client, subject, coordinator_a, monitor
):
    record = record_sample(subject, coordinator_a)
    client.force_login(monitor)
    page = client.get(_visit_url(subject))
    assert page.status_code == 200 and "Record a sample" not in page.content.decode()
    assert client.post(_visit_url(subject), form_data(sample_values())).status_code == 403
    stage = {"stage": "processed", "at": "2026-11-21T11:00", "version": "1"}
    assert client.post(reverse("sample_stage", args=[record.pk]), stage).status_code == 403
    record.refresh_from_db()
    assert record.processed_at is None and Sample.objects.count() == 1


def test_handling_is_recorded_on_the_sample_page(client, subject, coordinator_a):
    record = record_sample(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("sample_stage", args=[record.pk])
    early = {"stage": "processed", "at": "2026-11-21T10:00", "version": "1"}
    response = client.post(url, early)
    assert response.status_code == 400
    assert "after its collection" in " ".join(response.context["stage_form"].errors["at"])
    assert client.post(url, early | {"at": "2026-11-21T11:00"}).status_code == 302
    record.refresh_from_db()
    assert record.status == "processed"


def test_a_correction_and_a_void_through_the_sample_page(client, subject, coordinator_a):
    record = record_sample(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("sample_detail", args=[record.pk])
    posted = form_data(sample_values(sample_id="PK-0100")) | {"version": "1", "reason": ""}
    response = client.post(url, posted)
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert lost_values(posted, response.content.decode(), action="") == {}
    assert client.post(url, posted | {"reason": "Label re-read"}).status_code == 302
    void = reverse("sample_void", args=[record.pk])
    assert client.post(void, {"reason": "Haemolysed", "version": "2"}).status_code == 302
    record.refresh_from_db()
    assert (record.sample_id, record.void_reason) == ("PK-0100", "Haemolysed")


def test_the_subject_page_lists_the_samples_and_the_dosing_visits(client, subject, coordinator_a):
    record_sample(subject, coordinator_a)
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert "PK and immunogenicity samples (1)" in page and "PK-0001" in page
    assert _visit_url(subject) in page
