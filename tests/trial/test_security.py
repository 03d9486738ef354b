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


def _sign_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_forty_guesses_over_ten_addresses_lock_the_username(client, coordinator_a):
    for n in range(10):
        for guess in range(4):
            _sign_in(client, "coord_a", f"guess-{guess}-{n}", f"203.0.113.{n + 1}")
    from_a_new_address = _sign_in(client, "coord_a", PASSWORD, "198.51.100.7")
    assert from_a_new_address.status_code == 429
    assert "_auth_user_id" not in client.session


def test_five_failures_from_two_addresses_lock_the_username(client, coordinator_a):
    for n in range(5):
        _sign_in(client, "coord_a", "wrong-password-1", f"203.0.113.{n % 2 + 1}")
    assert _sign_in(client, "coord_a", PASSWORD, "198.51.100.7").status_code == 429


def test_password_spraying_from_one_address_is_refused(client, make_user):
    for name in ("spray_1", "spray_2", "spray_3", "spray_4", "bystander"):
        make_user(name)
    statuses = [
        _sign_in(client, f"spray_{user}", f"Winter-2026-{guess}", "203.0.113.9").status_code
        for user in range(1, 5)
        for guess in range(4)
    ]
    # No username reaches its limit (4 guesses each): the address does, at its 10th failure.
    assert statuses == [200] * 9 + [429] * 7
    assert _sign_in(client, "bystander", PASSWORD, "203.0.113.9").status_code == 429
    assert _sign_in(client, "bystander", PASSWORD, "198.51.100.7").status_code == 302


def test_a_sign_in_forgets_only_that_username_s_failures(client, make_user):
    make_user("user_a"), make_user("user_b")
    for username in ("user_a", "user_b"):
        for _ in range(4):
            _sign_in(client, username, "wrong-password-1", "203.0.113.9")
    assert _sign_in(client, "user_a", PASSWORD, "203.0.113.9").status_code == 302
    assert not AccessAttempt.objects.filter(username="user_a").exists()
    assert AccessAttempt.objects.get(username="user_b").failures_since_start == 4
    client.logout()
    # user_b's count survived user_a's success: one more guess locks user_b.
    _sign_in(client, "user_b", "wrong-password-1", "198.51.100.7")
    assert _sign_in(client, "user_b", PASSWORD, "198.51.100.7").status_code == 429


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
