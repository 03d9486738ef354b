"""Dosing pages through Django's client, as each role, at own and other sites."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dispositions.models import Disposition
from dosing.models import DosingRecord
from dosing.services import dose_record
from tests.dosing.factories import (
    C2D1_TARGET,
    dose_values,
    dosed_subject,
    enrolled_subject,
    visit_of,
)
from tests.rendered_form import disabled_fields, enabled_fields, lost_values
from tests.screening.factories import PLANNED_C1D1
from trial.models import SubjectStatus, Visit

pytestmark = pytest.mark.django_db

# C1D8 (day 8, window +-1) of a subject dosed on PLANNED_C1D1: due on this day.
C1D8_TARGET = PLANNED_C1D1 + timedelta(days=7)


@pytest.fixture
def today(monkeypatch):
    """Set the views' "today"; the pages start on the day C1D8 is due."""

    def set_today(day):
        monkeypatch.setattr("dosing.views._today", lambda: day)
        return day

    set_today(C1D8_TARGET)
    return set_today


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    return enrolled_subject(study, site_a, coordinator_a, investigator_a)


def form_data(values: dict, **extra) -> dict:
    """The dosing CRF values as the browser posts them."""
    data = {}
    for name, value in values.items():
        if value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = str(value.pk)
        elif hasattr(value, "strftime") and hasattr(value, "hour"):
            data[name] = value.strftime("%H:%M")
        else:
            data[name] = str(value)
    return data | {k: str(v) for k, v in extra.items()}


def dosing_url(subject, code):
    return reverse("visit_dosing", args=[visit_of(subject, code).pk])


# Who may post a dose


def test_monitor_cannot_post_a_dose(client, today, subject, monitor):
    client.force_login(monitor)
    url = dosing_url(subject, "C1D1")
    today(PLANNED_C1D1)

    assert client.get(url).status_code == 200
    response = client.post(url, form_data(dose_values(subject)))

    assert response.status_code == 403
    assert not DosingRecord.objects.exists()


# Another site's subject: not found, and nothing changes


def _other_site_request(subject, which):
    """(method, url, data) of one action on `subject`'s dosing form."""
    dose = form_data(dose_values(subject, administered_on=C1D8_TARGET))
    return {
        "dosing-get": ("get", dosing_url(subject, "C2D1"), {}),
        "dosing-post": ("post", dosing_url(subject, "C2D1"), dose),
    }[which]


@pytest.mark.parametrize("which", ["dosing-get", "dosing-post"])
def test_coordinator_of_another_site_gets_404_and_changes_nothing(
    client, today, dosed, coordinator_b, which
):
    method, url, data = _other_site_request(dosed, which)
    before = list(Visit.objects.filter(subject=dosed).values())
    client.force_login(coordinator_b)

    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT
    assert list(Visit.objects.filter(subject=dosed).values()) == before
    assert DosingRecord.objects.filter(subject=dosed).count() == 1
    assert not Disposition.objects.exists()


# Dosing form


def test_dose_is_recorded_from_the_form(client, today, subject, coordinator_a):
    today(PLANNED_C1D1)
    client.force_login(coordinator_a)

    response = client.post(dosing_url(subject, "C1D1"), form_data(dose_values(subject)))

    assert response.status_code == 302
    assert response.url == reverse("subject_detail", args=[subject.pk])
    subject.refresh_from_db()
    assert subject.status == SubjectStatus.ON_TREATMENT
    assert DosingRecord.objects.get(subject=subject).pre_pulse_bpm == 72


def test_implausible_pulse_is_refused_naming_the_field_and_keeping_the_input(
    client, today, subject, coordinator_a
):
    today(PLANNED_C1D1)
    client.force_login(coordinator_a)
    data = form_data(dose_values(subject, pre_pulse_bpm=300, lot_number="LOT-TYPED-42"))

    response = client.post(dosing_url(subject, "C1D1"), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["pre_pulse_bpm"]
    [message] = form.errors["pre_pulse_bpm"]
    assert message.startswith("Pulse 300 beats/min is outside the plausible range 20–250")
    html = response.content.decode()
    assert "Pulse 300 beats/min is outside the plausible range" in html
    assert 'name="pre_pulse_bpm" value="300"' in html
    assert 'value="LOT-TYPED-42"' in html
    assert not DosingRecord.objects.exists()


def test_stale_correction_is_refused_with_400_and_keeps_the_input(
    client, today, dosed, coordinator_a, investigator_a
):
    today(PLANNED_C1D1)
    url = dosing_url(dosed, "C1D1")
    client.force_login(coordinator_a)
    opened = client.get(url)
    assert opened.context["form"].initial["version"] == 1
    # Meanwhile the investigator corrects the same form.
    dose_record(
        visit=visit_of(dosed, "C1D1"),
        by=investigator_a,
        values=dose_values(dosed, lot_number="LOT-FROM-INV"),
        today=PLANNED_C1D1,
        expected_version=1,
        reason="Lot corrected from the pharmacy log",
    )

    response = client.post(
        url,
        form_data(dose_values(dosed, lot_number="LOT-MINE"), version=1, reason="Typo in lot"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This form was saved by someone else after you opened it" in html
    assert "it is now version 2; you edited version 1" in html
    assert 'value="LOT-MINE"' in html
    assert "Typo in lot" in html
    record = DosingRecord.objects.get(subject=dosed)
    assert (record.lot_number, record.version) == ("LOT-FROM-INV", 2)


def test_correction_of_the_current_version_is_saved_from_the_form(
    client, today, dosed, coordinator_a
):
    today(PLANNED_C1D1)
    client.force_login(coordinator_a)

    response = client.post(
        dosing_url(dosed, "C1D1"),
        form_data(dose_values(dosed, lot_number="LOT-FIXED"), version=1, reason="Typo in lot"),
    )

    assert response.status_code == 302
    record = DosingRecord.objects.get(subject=dosed)
    assert (record.lot_number, record.version) == ("LOT-FIXED", 2)


def test_dosing_form_shows_the_version_and_audit_link_of_a_saved_dose(
    client, today, dosed, coordinator_a
):
    client.force_login(coordinator_a)

    response = client.get(dosing_url(dosed, "C1D1"))

    assert response.status_code == 200
    assert "version 1" in response.content.decode()
    assert "reason" in response.context["form"].fields


def test_new_dosing_form_has_no_reason_for_change(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    today(C2D1_TARGET)

    response = client.get(dosing_url(dosed, "C2D1"))

    assert response.status_code == 200
    assert "reason" not in response.context["form"].fields


def test_new_dosing_form_is_prefilled_with_the_assigned_dose(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    today(C2D1_TARGET)

    response = client.get(dosing_url(dosed, "C2D1"))

    form = response.context["form"]
    assert form["dose_level"].value() == dosed.dose_level_id
    assert form["dose_amount"].value() == dosed.dose_level.dose_amount
    assert form["dose_unit"].value() == dosed.dose_level.dose_unit


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"dose_change": "skipped", "dose_change_reason": "Grade 3 neutropenia"},
            "A skipped dose has no administration date.",
            id="skipped-with-a-date",
        ),
        pytest.param(
            {"administered_on": None},
            "Administered on is required when a dose is given.",
            id="given-without-a-date",
        ),
    ],
)
def test_administration_date_rule_is_shown_on_the_date_field(
    client, today, dosed, coordinator_a, changes, expected
):
    today(C2D1_TARGET)
    client.force_login(coordinator_a)
    values = dose_values(dosed, administered_on=C2D1_TARGET) | changes

    response = client.post(dosing_url(dosed, "C2D1"), form_data(values))

    assert response.status_code == 400
    messages = [m for errors in response.context["form"].errors.values() for m in errors]
    assert not any("is violated" in m for m in messages)
    assert expected in messages


# "Save and go to the next form"


def test_save_and_next_goes_to_the_next_dosing_visit_s_form(client, today, subject, coordinator_a):
    client.force_login(coordinator_a)
    today(PLANNED_C1D1)

    response = client.post(
        dosing_url(subject, "C1D1"), form_data(dose_values(subject), save_next="1")
    )

    assert response.status_code == 302
    assert response.url == dosing_url(subject, "C2D1")
    assert DosingRecord.objects.filter(visit__code="C1D1").exists()


def test_plain_save_goes_back_to_the_subject_page(client, today, subject, coordinator_a):
    client.force_login(coordinator_a)
    today(PLANNED_C1D1)

    response = client.post(dosing_url(subject, "C1D1"), form_data(dose_values(subject)))

    assert response.url == reverse("subject_detail", args=[subject.pk])


def test_the_last_dosing_visit_offers_no_next_form(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    assert (
        "Save and go to the next form (C2D1)"
        in client.get(dosing_url(dosed, "C1D1")).content.decode()
    )
    assert (
        "Save and go to the next form" not in client.get(dosing_url(dosed, "C6D1")).content.decode()
    )


# Nothing typed is lost (issue 13): each form posted with something invalid comes back with
# every value that was sent.


def test_dosing_form_refused_keeps_every_value(client, today, subject, coordinator_a):
    today(PLANNED_C1D1)
    client.force_login(coordinator_a)
    values = dose_values(subject, stop_time=None, pre_pulse_bpm=None)
    posted = form_data(values) | {"pre_pulse_bpm": "seventy", "immediate_reaction": "Mild flush"}
    del posted["pregnancy_test"]  # not asked for a man
    del posted["dose_unit"]  # shown disabled (the level's unit): a browser does not post it

    response = client.post(reverse("visit_dosing", args=[visit_of(subject, "C1D1").pk]), posted)

    assert response.status_code == 400
    assert "pre_pulse_bpm" in response.context["form"].errors
    assert lost_values(posted, response.content.decode()) == {}
    assert not DosingRecord.objects.exists()


def test_no_dosing_form_at_a_visit_without_a_dose(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("visit_dosing", args=[visit_of(dosed, "C1D8").pk]))

    assert response.status_code == 404


# Read-only for the roles that may read a CRF but not change it (issue 13).


def test_monitor_reads_the_dosing_form_without_a_save_button_or_enabled_input(
    client, today, dosed, monitor
):
    client.force_login(monitor)
    url = reverse("visit_dosing", args=[visit_of(dosed, "C1D1").pk])

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Save dosing" not in html
    assert enabled_fields(html, action="") == set()
    assert {"lot_number", "administered_on", "pre_pulse_bpm"} <= disabled_fields(html, action="")
    assert 'data-testid="read-only"' in html


def test_monitor_posting_the_dosing_form_anyway_is_refused(client, today, dosed, monitor):
    client.force_login(monitor)
    record = DosingRecord.objects.get()
    posted = form_data(dose_values(dosed, lot_number="CHANGED")) | {
        "version": str(record.version),
        "reason": "try",
    }

    response = client.post(reverse("visit_dosing", args=[visit_of(dosed, "C1D1").pk]), posted)

    assert response.status_code == 403
    record.refresh_from_db()
    assert record.lot_number != "CHANGED"


def test_coordinator_gets_the_dosing_form_editable(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("visit_dosing", args=[visit_of(dosed, "C1D1").pk]))

    html = response.content.decode()
    assert "Save dosing" in html
    assert {"lot_number", "administered_on", "reason"} <= enabled_fields(html, action="")


# Voiding a dose entered in error


def test_coordinator_voids_a_dose_with_a_reason_and_the_subject_page_says_so(
    client, dosed, coordinator_a, today
):
    client.force_login(coordinator_a)
    visit = visit_of(dosed, "C1D1")

    response = client.post(
        reverse("visit_dosing_void", args=[visit.pk]), {"reason": "Wrong subject"}
    )

    assert response.status_code == 302
    record = DosingRecord.objects.get(visit=visit)
    assert (record.void_reason, record.voided_at is not None) == ("Wrong subject", True)
    page = client.get(reverse("subject_detail", args=[dosed.pk])).content.decode()
    assert "Dosing: voided" in page
    form = client.get(reverse("visit_dosing", args=[visit.pk])).content.decode()
    assert "Voided" in form and "Wrong subject" in form
    assert "Void the dose" not in form


def test_void_without_a_reason_changes_nothing(client, dosed, coordinator_a, today):
    client.force_login(coordinator_a)
    visit = visit_of(dosed, "C1D1")

    client.post(reverse("visit_dosing_void", args=[visit.pk]), {"reason": ""})

    assert DosingRecord.objects.get(visit=visit).voided_at is None


def test_a_monitor_cannot_void_a_dose(client, dosed, monitor):
    client.force_login(monitor)
    visit = visit_of(dosed, "C1D1")

    response = client.post(reverse("visit_dosing_void", args=[visit.pk]), {"reason": "x"})

    assert response.status_code == 403
    assert DosingRecord.objects.get(visit=visit).voided_at is None


def test_a_coordinator_of_another_site_cannot_void_a_dose(client, dosed, coordinator_b):
    client.force_login(coordinator_b)
    visit = visit_of(dosed, "C1D1")

    response = client.post(reverse("visit_dosing_void", args=[visit.pk]), {"reason": "x"})

    assert response.status_code == 404
    assert DosingRecord.objects.get(visit=visit).voided_at is None
