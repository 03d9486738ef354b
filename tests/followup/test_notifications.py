"""A query's thread notifies who must act next, in the app at once and by e-mail after commit;
opening a notification marks it read."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followup import rules
from followup.models import Notification, Reminder
from review.services import query_answer, query_close, query_raise, query_reopen
from tests.dosing.factories import dosed_subject
from tests.review.factories import c1d1_dose
from trial.models import Role

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize(
    ("event", "by_a_person", "audience"),
    [
        ("raised", True, rules.SITE_COORDINATORS),
        ("raised", False, None),  # an edit check's query shows on the form that raised it
        ("answered", True, rules.RAISER),
        ("answered", False, rules.SITE_MONITORS),
        ("closed", True, rules.SITE_COORDINATORS),
        ("closed", False, rules.SITE_COORDINATORS),
        ("reopened", True, rules.SITE_COORDINATORS),
        ("comment", True, None),
    ],
)
def test_query_event_audience(event, by_a_person, audience):
    assert rules.query_event_audience(event, raised_by_a_person=by_a_person) == audience


@pytest.fixture
def dose(study, site_a, coordinator_a, investigator_a):
    return c1d1_dose(dosed_subject(study, site_a, coordinator_a, investigator_a))


def titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_raised_query_notifies_the_site_coordinators_only(
    dose, monitor, coordinator_a, coordinator_b, make_user, site_a
):
    second = make_user("coord_a2", Role.COORDINATOR, site_a)

    query = query_raise(record=dose, by=monitor, text="Volume?", field_name="volume_ml", now=NOW)

    for coordinator in (coordinator_a, second):
        (notification,) = Notification.objects.filter(user=coordinator)
        assert notification.title.startswith("Query raised by monitor:")
        assert notification.url == reverse("query_detail", args=[query.pk])
        assert notification.read_at is None
    assert not Notification.objects.filter(user__in=[coordinator_b, monitor]).exists()
    # The e-mail goes through a reminder, sent once by the worker after commit.
    assert Reminder.objects.filter(kind="query_raised").count() == 2


def test_answer_notifies_the_monitor_close_and_reopen_notify_the_site(dose, monitor, coordinator_a):
    query = query_raise(record=dose, by=monitor, text="Volume?", now=NOW)
    query_answer(query=query, by=coordinator_a, text="2.0 mL per source", now=NOW)
    assert [t.split(" by ")[0] for t in titles(monitor)] == ["Query answered"]

    query_close(query=query, by=monitor, text="", now=NOW + timedelta(minutes=5))
    query_reopen(query=query, by=monitor, text="Source says 2.5", now=NOW + timedelta(minutes=9))

    kinds = {t.split(" by ")[0] for t in titles(coordinator_a)}
    assert kinds == {"Query raised", "Query closed", "Query re-opened"}
    # Nobody is notified of their own act.
    assert len(titles(monitor)) == 1


def test_each_step_notifies_once(dose, monitor, coordinator_a):
    from followup.services import query_event_notify

    query = query_raise(record=dose, by=monitor, text="Volume?", now=NOW)
    message = query.messages.get()
    query_event_notify(message=message, now=NOW)  # a retry of the same step

    assert Notification.objects.filter(user=coordinator_a).count() == 1


def test_opening_a_notification_marks_it_read_and_goes_to_its_target(
    client, dose, monitor, coordinator_a
):
    query = query_raise(record=dose, by=monitor, text="Volume?", now=NOW)
    notification = Notification.objects.get(user=coordinator_a)
    client.force_login(coordinator_a)
    assert client.get(reverse("home")).context["unread_notifications"] == 1

    response = client.get(reverse("notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response.url == reverse("query_detail", args=[query.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client.get(reverse("home")).context["unread_notifications"] == 0


def test_someone_else_s_notification_is_not_found_and_stays_unread(
    client, dose, monitor, coordinator_a, coordinator_b
):
    query_raise(record=dose, by=monitor, text="Volume?", now=NOW)
    notification = Notification.objects.get(user=coordinator_a)
    client.force_login(coordinator_b)

    response = client.get(reverse("notification_open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_notification_never_redirects_off_site(client, coordinator_a, dose, monitor):
    query_raise(record=dose, by=monitor, text="Volume?", now=NOW)
    notification = Notification.objects.get(user=coordinator_a)
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    client.force_login(coordinator_a)

    response = client.get(reverse("notification_open", args=[notification.pk]))

    assert response.url == reverse("notifications")
