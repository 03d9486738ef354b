"""The disposition form of the subject page's disposition section, through Django's client."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dispositions.models import Disposition
from tests.dosing.factories import dosed_subject
from tests.rendered_form import lost_values
from tests.screening.factories import PLANNED_C1D1
from trial.models import SubjectStatus

pytestmark = pytest.mark.django_db

C1D8_TARGET = PLANNED_C1D1 + timedelta(days=7)


@pytest.fixture
def today(monkeypatch):
    """The pages' "today": the day C1D8 is due."""
    for view in ("subjects.views", "dispositions.views"):
        monkeypatch.setattr(f"{view}._today", lambda: C1D8_TARGET)
    return C1D8_TARGET


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


def test_the_subject_page_shows_the_section_and_its_form_to_site_staff(
    client, today, dosed, coordinator_a
):
    client.force_login(coordinator_a)

    html = client.get(reverse("subject_detail", args=[dosed.pk])).content.decode()

    assert 'data-testid="dispositions"' in html
    assert reverse("subject_disposition", args=[dosed.pk]) in html


def test_the_section_shows_what_was_recorded_and_no_form_once_the_study_ended(
    client, today, dosed, coordinator_a
):
    client.force_login(coordinator_a)
    client.post(
        reverse("subject_disposition", args=[dosed.pk]),
        {"kind": "death", "event_date": C1D8_TARGET.isoformat(), "reason": "Progression"},
    )

    html = client.get(reverse("subject_detail", args=[dosed.pk])).content.decode()

    assert f"<strong>Death</strong> {C1D8_TARGET:%Y-%m-%d}: Progression" in html
    assert reverse("subject_disposition", args=[dosed.pk]) not in html


def test_withdrawal_from_the_subject_page(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(
        reverse("subject_disposition", args=[dosed.pk]),
        {"kind": "withdrawal", "event_date": C1D8_TARGET.isoformat(), "reason": "Consent"},
    )

    assert response.status_code == 302
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.WITHDRAWN


def test_disposition_refused_keeps_every_value(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    action = reverse("subject_disposition", args=[dosed.pk])
    posted = {"kind": "withdrawal", "event_date": "2026-02-30", "reason": "Consent withdrawn"}

    response = client.post(action, posted)

    assert response.status_code == 400
    assert lost_values(posted, response.content.decode(), action) == {}
    dosed.refresh_from_db()
    assert dosed.status != SubjectStatus.WITHDRAWN


def test_a_disposition_refused_by_the_service_comes_back_with_its_message(
    client, today, dosed, coordinator_a
):
    """A date after today passes the form and is refused by the service's date rule."""
    client.force_login(coordinator_a)
    action = reverse("subject_disposition", args=[dosed.pk])
    later = (C1D8_TARGET + timedelta(days=1)).isoformat()
    posted = {"kind": "withdrawal", "event_date": later, "reason": "Consent withdrawn"}

    response = client.post(action, posted)

    assert response.status_code == 400
    html = response.content.decode()
    assert "is in the future" in html
    assert lost_values(posted, html, action) == {}
    assert not Disposition.objects.filter(subject=dosed).exists()
