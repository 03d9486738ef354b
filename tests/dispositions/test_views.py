"""The disposition form of the subject page's disposition section, through Django's client."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dispositions.models import Disposition, DispositionKind
from dispositions.services import disposition_record
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


# A recorded disposition's own page: correct, void


@pytest.fixture
def withdrawal(client, today, dosed, coordinator_a):
    disposition_record(
        subject=dosed,
        by=coordinator_a,
        kind=DispositionKind.WITHDRAWAL,
        on=PLANNED_C1D1 + timedelta(days=2),
        reason="Consent withdrawn",
        today=today,
    )
    return Disposition.objects.get(subject=dosed)


def test_the_section_links_each_disposition_to_its_page(client, withdrawal, coordinator_a):
    client.force_login(coordinator_a)

    html = client.get(reverse("subject_detail", args=[withdrawal.subject_id])).content.decode()
    page = client.get(reverse("disposition_detail", args=[withdrawal.pk])).content.decode()

    assert reverse("disposition_detail", args=[withdrawal.pk]) in html
    assert 'data-testid="correct"' in page
    assert reverse("disposition_void", args=[withdrawal.pk]) in page


def test_a_monitor_reads_the_page_without_its_forms(client, withdrawal, monitor):
    client.force_login(monitor)

    response = client.get(reverse("disposition_detail", args=[withdrawal.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="correct"' not in html
    assert reverse("disposition_void", args=[withdrawal.pk]) not in html


def test_the_date_is_corrected_with_a_reason(client, withdrawal, investigator_a):
    client.force_login(investigator_a)
    later = PLANNED_C1D1 + timedelta(days=5)

    response = client.post(
        reverse("disposition_detail", args=[withdrawal.pk]),
        {
            "event_date": later.isoformat(),
            "reason": "Consent withdrawn",
            "reason_for_change": "Date of the letter, not of its arrival",
            "version": withdrawal.version,
        },
    )

    assert response.status_code == 302
    withdrawal.refresh_from_db()
    assert (withdrawal.event_date, withdrawal.version) == (later, 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason_for_change": ""}, "reason_for_change", "This field is required"),
        ({"event_date": "2026-02-30"}, "event_date", "Enter a valid date"),
        # The service's rule, under its field: a withdrawal after today.
        ({"event_date": "2099-01-01"}, "event_date", "is in the future"),
    ],
    ids=["no-reason-for-change", "bad-date", "future"],
)
def test_a_refused_correction_keeps_the_input_and_names_the_field(
    client, withdrawal, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    action = reverse("disposition_detail", args=[withdrawal.pk])
    posted = {
        "event_date": (PLANNED_C1D1 + timedelta(days=3)).isoformat(),
        "reason": "Consent withdrawn by letter",
        "reason_for_change": "Typo",
        "version": withdrawal.version,
    } | changes

    response = client.post(action, posted)

    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert lost_values(posted, response.content.decode(), action) == {}
    withdrawal.refresh_from_db()
    assert withdrawal.version == 1


def test_a_stale_correction_comes_back_with_the_stale_message(client, withdrawal, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(
        reverse("disposition_detail", args=[withdrawal.pk]),
        {
            "event_date": withdrawal.event_date.isoformat(),
            "reason": "Consent withdrawn by letter",
            "reason_for_change": "Typo",
            "version": withdrawal.version - 1 if withdrawal.version > 1 else 0,
        },
    )

    assert response.status_code == 400
    assert "saved by someone else" in response.content.decode()


def test_voiding_puts_the_subject_back_on_treatment(client, withdrawal, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(
        reverse("disposition_void", args=[withdrawal.pk]),
        {"reason": "Wrong subject", "version": withdrawal.version},
    )

    assert response.status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.void_reason == "Wrong subject"
    assert withdrawal.subject.status == SubjectStatus.ON_TREATMENT
    html = client.get(reverse("subject_detail", args=[withdrawal.subject_id])).content.decode()
    assert reverse("disposition_detail", args=[withdrawal.pk]) not in html


def test_a_void_without_a_reason_is_the_page_again(client, withdrawal, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(
        reverse("disposition_void", args=[withdrawal.pk]), {"version": withdrawal.version}
    )

    assert response.status_code == 400
    assert "reason" in response.context["void_form"].errors
    withdrawal.refresh_from_db()
    assert withdrawal.voided_at is None


@pytest.mark.parametrize("who", ["monitor", "coordinator_b", "data_manager"])
def test_others_cannot_correct_or_void(client, withdrawal, request, who):
    client.force_login(request.getfixturevalue(who))
    correction = {
        "event_date": withdrawal.event_date.isoformat(),
        "reason": "Changed",
        "reason_for_change": "Typo",
        "version": withdrawal.version,
    }

    corrected = client.post(reverse("disposition_detail", args=[withdrawal.pk]), correction)
    voided = client.post(
        reverse("disposition_void", args=[withdrawal.pk]),
        {"reason": "Error", "version": withdrawal.version},
    )

    expected = 404 if who == "coordinator_b" else 403
    assert (corrected.status_code, voided.status_code) == (expected, expected)
    withdrawal.refresh_from_db()
    assert (withdrawal.version, withdrawal.voided_at, withdrawal.reason) == (
        1,
        None,
        "Consent withdrawn",
    )
