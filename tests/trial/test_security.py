"""Lockout, session limits, no-store, CSP and the security event log."""

import logging
import time

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

from tests.conftest import PASSWORD


def _fail(client, username, times):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password-1"})


def test_five_failed_sign_ins_lock_the_account_from_that_address(client, coordinator_a):
    _fail(client, "coord_a", 5)
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_success_resets_the_count(client, coordinator_a):
    _fail(client, "coord_a", 4)
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="coord_a", failures_since_start__gt=0).exists()


def test_lockout_is_per_username_and_address(client, coordinator_a):
    _fail(client, "coord_a", 5)
    other_address = client.post(
        reverse("login"),
        {"username": "coord_a", "password": PASSWORD},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other_address.status_code == 302


def test_admin_unlock_lets_the_user_sign_in_again(client, coordinator_a):
    _fail(client, "coord_a", 5)
    reset(username="coord_a")
    response = client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})
    assert response.status_code == 302


def test_idle_session_is_signed_out_after_15_minutes(client, coordinator_a):
    client.force_login(coordinator_a)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["last_activity"] = time.time() - 15 * 60 - 5
    session.save()
    response = client.get(reverse("subject_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_activity_within_15_minutes_keeps_the_session(client, coordinator_a):
    client.force_login(coordinator_a)
    client.get(reverse("home"))
    session = client.session
    session["last_activity"] = time.time() - 14 * 60
    session.save()
    assert client.get(reverse("subject_list")).status_code == 200


def test_absolute_session_lifetime_ends_an_active_session(client, coordinator_a, settings):
    client.force_login(coordinator_a)
    client.get(reverse("home"))
    session = client.session
    session["started_at"] = time.time() - settings.SESSION_COOKIE_AGE - 5
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_htmx_request_after_timeout_is_told_to_redirect(client, coordinator_a):
    client.force_login(coordinator_a)
    client.get(reverse("home"))
    session = client.session
    session["last_activity"] = time.time() - 3600
    session.save()
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_clinical_pages_are_not_cached(client, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get(reverse("subject_list"))
    assert response["Cache-Control"] == "no-store"


def test_content_security_policy_forbids_inline_script(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("event", ["failed", "in"])
def test_sign_in_events_are_logged_without_clinical_data(client, coordinator_a, caplog, event):
    caplog.set_level(logging.INFO, logger="ecrf.security")
    password = PASSWORD if event == "in" else "wrong-password-1"
    client.post(reverse("login"), {"username": "coord_a", "password": password})
    messages = [r.getMessage() for r in caplog.records if r.name == "ecrf.security"]
    expected = "sign-in user=coord_a" if event == "in" else "sign-in failed user=coord_a"
    assert any(m.startswith(expected) for m in messages), messages


def test_permission_denied_is_logged_and_explained(client, monitor, caplog):
    caplog.set_level(logging.INFO, logger="ecrf.security")
    client.force_login(monitor)
    response = client.get(reverse("screening_register"))
    assert response.status_code == 403
    assert b"Only site coordinators and investigators register patients" in response.content
    assert any("permission denied user=monitor" in r.getMessage() for r in caplog.records)


def test_lockout_is_logged(client, coordinator_a, caplog):
    caplog.set_level(logging.INFO, logger="ecrf.security")
    _fail(client, "coord_a", 5)
    assert any("locked out user=coord_a" in r.getMessage() for r in caplog.records)
