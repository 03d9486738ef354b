"""Medication pages through Django's client, as each role: scoping, bad input kept, and the
AE page's medications given for the AE."""

import pytest
from django.urls import reverse

from adverse_events.services import ae_void
from medications.models import ConcomitantMedication
from medications.services import medication_void
from tests.adverse_events.factories import record_ae
from tests.medications.factories import (
    RECORDED_AT,
    form_data,
    medication_values,
    record_medication,
)
from tests.rendered_form import lost_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("medications.views._now", lambda: RECORDED_AT)


def test_coordinator_adds_a_medication_shown_as_concomitant(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("medication_new", args=[subject.pk]), form_data(medication_values())
    )
    assert response.status_code == 302
    page = client.get(reverse("medication_list", args=[subject.pk])).content.decode()
    assert "CM1" in page and "concomitant" in page and "2019-03" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dose_unit": ""}, "dose_unit", "A dose of 1000 needs its unit."),
        (
            {"ongoing": False, "end_date": "2019-02"},
            "end_date",
            "End date 2019-02 is before start date 2019-03.",
        ),
        ({"start_date": "2019-3"}, "start_date", "is not a date"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_the_input_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(medication_values(**changes))
    response = client.post(reverse("medication_new", args=[subject.pk]), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not ConcomitantMedication.objects.exists()


def test_the_form_refuses_another_subject_s_ae_as_indication(
    client, subject, subject_b, coordinator_a, coordinator_b
):
    other_ae = record_ae(subject_b, coordinator_b)
    client.force_login(coordinator_a)
    posted = form_data(medication_values()) | {"indication_ae": str(other_ae.pk)}
    response = client.post(reverse("medication_new", args=[subject.pk]), posted)
    assert response.status_code == 400
    assert "Select a valid choice" in " ".join(response.context["form"].errors["indication_ae"])
    assert response.context["form"]["medication"].value() == "Paracetamol"
    assert not ConcomitantMedication.objects.exists()


def test_the_other_site_s_staff_do_not_find_the_medications(
    client, subject, coordinator_a, coordinator_b
):
    entry = record_medication(subject, coordinator_a)
    client.force_login(coordinator_b)
    for url in (
        reverse("medication_list", args=[subject.pk]),
        reverse("medication_new", args=[subject.pk]),
        reverse("medication_detail", args=[entry.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("medication_void", args=[entry.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 404


def test_a_monitor_reads_and_sponsor_safety_does_not(
    client, subject, coordinator_a, monitor, sponsor_safety
):
    entry = record_medication(subject, coordinator_a)
    client.force_login(monitor)
    response = client.get(reverse("medication_detail", args=[entry.pk]))
    assert response.status_code == 200 and response.context["form"] is None
    response = client.post(
        reverse("medication_void", args=[entry.pk]), {"reason": "x", "version": "1"}
    )
    assert response.status_code == 403
    client.force_login(sponsor_safety)
    assert client.get(reverse("medication_detail", args=[entry.pk])).status_code == 404


def test_a_correction_with_a_reason_is_saved(client, subject, coordinator_a):
    entry = record_medication(subject, coordinator_a)
    client.force_login(coordinator_a)
    posted = form_data(medication_values(frequency="twice daily")) | {
        "version": "1",
        "reason": "Source: prescription",
    }
    response = client.post(reverse("medication_detail", args=[entry.pk]), posted)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.frequency, entry.version) == ("twice daily", 2)


def _ae_page(client, ae):
    return client.get(reverse("ae_detail", args=[ae.pk]))


def test_the_ae_page_lists_the_medications_given_for_it_and_offers_one_more(
    client, subject, coordinator_a
):
    ae = record_ae(subject, coordinator_a)
    given = record_medication(subject, coordinator_a, medication="Ondansetron", indication_ae=ae)
    record_medication(subject, coordinator_a, medication="Paracetamol")  # another indication
    voided = record_medication(
        subject, coordinator_a, medication="Metoclopramide", indication_ae=ae
    )
    medication_void(
        record=voided, by=coordinator_a, reason="wrong subject", expected_version=1, now=RECORDED_AT
    )
    client.force_login(coordinator_a)
    response = _ae_page(client, ae)
    assert response.status_code == 200
    card = response.context["medications"]
    assert [record.pk for record, _url in card.entries] == [given.pk]
    page = response.content.decode()
    assert reverse("medication_detail", args=[given.pk]) in page
    assert "Paracetamol" not in page and "Metoclopramide" not in page
    new_url = f"{reverse('medication_new', args=[subject.pk])}?indication_ae={ae.pk}"
    assert card.new_url == new_url and "Record a medication for this AE" in page

    form = client.get(new_url).context["form"]
    assert str(form["indication_ae"].value()) == str(ae.pk)


def test_the_new_medication_form_does_not_preselect_another_subject_s_ae(
    client, subject, subject_b, coordinator_a, coordinator_b
):
    other_ae = record_ae(subject_b, coordinator_b)
    client.force_login(coordinator_a)
    url = f"{reverse('medication_new', args=[subject.pk])}?indication_ae={other_ae.pk}"
    page = client.get(url).content.decode()
    assert f'value="{other_ae.pk}" selected' not in page
    assert f'<option value="{other_ae.pk}"' not in page


def test_who_reads_the_ae_s_medications_and_who_may_record_one(
    client, subject, coordinator_a, monitor, sponsor_safety
):
    # Serious: sponsor safety follows SAEs and reads them.
    ae = record_ae(
        subject, coordinator_a, grade=3, serious=True, serious_criteria=["hospitalisation"]
    )
    record_medication(subject, coordinator_a, indication_ae=ae)
    client.force_login(monitor)
    card = _ae_page(client, ae).context["medications"]
    assert len(card.entries) == 1 and card.new_url is None
    client.force_login(sponsor_safety)
    response = _ae_page(client, ae)
    assert response.status_code == 200  # sponsor safety reads the SAE ...
    assert response.context["medications"] is None  # ... not the subject's medications
    assert 'data-testid="ae-medications"' not in response.content.decode()


def test_a_voided_ae_offers_no_new_medication(client, subject, coordinator_a):
    ae = record_ae(subject, coordinator_a)
    ae_void(ae=ae, by=coordinator_a, reason="duplicate", now=RECORDED_AT)
    client.force_login(coordinator_a)
    assert _ae_page(client, ae).context["medications"].new_url is None
