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


# A form posted on an ended session is kept and put back after sign-in (issue 13)


def _expire(client):
    session = client.session
    session["last_activity"] = time.time() - 16 * 60
    session.save()


@pytest.fixture
def expired_post(client, coordinator_a, caplog):
    """A form posted on the subject list 16 minutes after the last request (the list has
    no form: the middleware keeps the post before any view runs)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="ecrf.security")
    client.force_login(coordinator_a)
    client.get(reverse("home"))
    _expire(client)
    page = reverse("subject_list")
    response = client.post(
        page,
        {
            "csrfmiddlewaretoken": "old-token",
            "lot_number": "LOT-SECRET-0425",
            "injected_lesions": "T1 left cervical node",
            "serious_criteria": ["hospitalisation", "disability"],
            "password": "my-signing-password",
            "reason": "",
        },
        HTTP_REFERER=f"http://testserver{page}",
    )
    return page, response


def test_post_on_an_expired_session_is_kept_as_a_draft_of_the_user(expired_post, coordinator_a):
    from trial.models import FormDraft

    page, response = expired_post

    draft = FormDraft.objects.get()
    assert (draft.user, draft.page, draft.action) == (coordinator_a, page, page)
    assert draft.values == {
        "lot_number": ["LOT-SECRET-0425"],
        "injected_lesions": ["T1 left cervical node"],
        "serious_criteria": ["hospitalisation", "disability"],
    }
    assert draft.expires_at > draft.created_at


def test_draft_is_never_in_the_url_nor_the_logs(expired_post, caplog):
    page, response = expired_post

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page.replace('/', '%2F')}"
    logged = " ".join(r.getMessage() for r in caplog.get_records("setup"))
    assert "LOT-SECRET" not in logged and "LOT-SECRET" not in response["Location"]
    assert "session ended (idle) user=coord_a" in logged


def test_after_sign_in_the_draft_is_handed_back_once(expired_post, client):
    page, _response = expired_post
    signed_in = client.post(
        f"{reverse('login')}?next={page}",
        {"username": "coord_a", "password": PASSWORD, "next": page},
    )
    assert signed_in["Location"] == page
    home = client.get(reverse("home"))
    assert home.context["form_draft_pending"] is False  # not this page's draft

    first = client.post(reverse("form_draft_restore"), {"page": page}).json()
    again = client.post(reverse("form_draft_restore"), {"page": page}).json()

    assert first == {
        "action": page,
        "values": {
            "lot_number": ["LOT-SECRET-0425"],
            "injected_lesions": ["T1 left cervical node"],
            "serious_criteria": ["hospitalisation", "disability"],
        },
    }
    assert again == {"values": {}}


def test_page_with_a_draft_tells_the_script_to_restore_it(expired_post, client, coordinator_a):
    page, _response = expired_post
    client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})

    assert client.session["form_draft_pages"] == [page]
    assert "data-draft-url" in client.get(page).content.decode()
    assert "data-draft-url" not in client.get(reverse("home")).content.decode()


def test_another_user_never_gets_the_draft(expired_post, client, monitor):
    page, _response = expired_post
    client.force_login(monitor)

    assert client.post(reverse("form_draft_restore"), {"page": page}).json() == {"values": {}}


def test_expired_draft_is_not_handed_back(expired_post, client):
    from trial.models import FormDraft

    page, _response = expired_post
    FormDraft.objects.update(expires_at=FormDraft.objects.get().created_at)
    client.post(reverse("login"), {"username": "coord_a", "password": PASSWORD})

    assert client.post(reverse("form_draft_restore"), {"page": page}).json() == {"values": {}}
    assert not FormDraft.objects.exists()


def test_htmx_post_on_an_expired_session_keeps_the_page_s_form(client, coordinator_a):
    from trial.models import FormDraft

    client.force_login(coordinator_a)
    client.get(reverse("home"))
    _expire(client)
    response = client.post(
        "/subjects/7/eligibility/preview/",
        {"ecog": "1", "assessment_date": "2026-11-19"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/subjects/7/eligibility/",
    )

    assert response.status_code == 401
    assert response["HX-Redirect"].endswith("next=%2Fsubjects%2F7%2Feligibility%2F")
    draft = FormDraft.objects.get()
    assert (draft.page, draft.action) == (
        "/subjects/7/eligibility/",
        "/subjects/7/eligibility/preview/",
    )


def test_stay_signed_in_refreshes_the_session_activity(client, coordinator_a, settings):
    client.force_login(coordinator_a)
    client.get(reverse("home"))
    session = client.session
    session["last_activity"] = time.time() - 14 * 60  # the warning is showing
    session.save()

    response = client.post(reverse("session_keepalive"))

    assert response.status_code == 200
    assert response.json() == {"idle_timeout_seconds": settings.ECRF_IDLE_TIMEOUT_MINUTES * 60}
    assert time.time() - client.session["last_activity"] < 5


def test_pages_carry_the_idle_limit_and_warning_for_the_script(client, coordinator_a):
    client.force_login(coordinator_a)

    html = client.get(reverse("home")).content.decode()

    assert 'data-idle-timeout="900"' in html and 'data-idle-warning="120"' in html
    assert 'id="idle-stay"' in html and "Stay signed in" in html
