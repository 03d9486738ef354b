"""API tokens (exports/tokens.py): shown once and stored as a hash, expiring, revoked by
their owner or an administrator, and refused for a role that requires a second factor
until the user has a confirmed authenticator app."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from tests.exports.factories import api_token
from trial.models import Role, RolePolicy

pytestmark = pytest.mark.django_db


def _api(client, secret):
    return client.get("/api/subjects/", HTTP_AUTHORIZATION=f"Token {secret}")


def test_the_token_page_shows_a_new_token_once_and_stores_only_its_hash(client, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(reverse("api_tokens"))
    [token] = AuthToken.objects.filter(user=coordinator_a)
    secret = response.context["created"]["secret"]
    assert secret in response.content.decode()
    assert secret not in (token.digest, token.token_key) and len(secret) == 64
    assert secret not in client.get(reverse("api_tokens")).content.decode()
    client.logout()
    assert _api(client, secret).status_code == 200


def test_a_token_expires_after_the_configured_number_of_days(client, coordinator_a, settings):
    assert settings.API_TOKEN_TTL_DAYS == 30
    secret = api_token(coordinator_a)
    token = AuthToken.objects.get(user=coordinator_a)
    assert abs(token.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert _api(client, secret).status_code == 200

    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _api(client, secret).status_code == 401


def test_the_ttl_setting_changes_the_expiry(coordinator_a, settings):
    settings.REST_KNOX = {"TOKEN_TTL": timedelta(days=2)}
    api_token(coordinator_a)
    expiry = AuthToken.objects.get(user=coordinator_a).expiry
    assert abs(expiry - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)


def test_the_owner_revokes_a_token_on_the_page(client, coordinator_a):
    secret = api_token(coordinator_a)
    digest = AuthToken.objects.get(user=coordinator_a).digest
    client.force_login(coordinator_a)
    client.post(reverse("api_token_revoke"), {"token": digest})
    client.logout()
    assert not AuthToken.objects.exists()
    assert _api(client, secret).status_code == 401


def test_another_user_cannot_revoke_someone_s_token(client, coordinator_a, coordinator_b):
    secret = api_token(coordinator_a)
    digest = AuthToken.objects.get(user=coordinator_a).digest
    client.force_login(coordinator_b)
    response = client.post(reverse("api_token_revoke"), {"token": digest}, follow=True)
    assert "No such token of yours" in response.content.decode()
    client.logout()
    assert _api(client, secret).status_code == 200


def test_an_administrator_revokes_a_token_in_the_admin(client, coordinator_a, admin_user):
    secret = api_token(coordinator_a)
    token = AuthToken.objects.get(user=coordinator_a)
    client.force_login(admin_user)
    changelist = reverse("admin:knox_authtoken_changelist")
    assert client.get(reverse("admin:knox_authtoken_add")).status_code == 403
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    client.logout()
    assert not AuthToken.objects.exists()
    assert _api(client, secret).status_code == 401


@pytest.fixture
def monitors_need_totp(db):
    return RolePolicy.objects.create(role=Role.MONITOR, require_totp=True)


def test_a_token_is_refused_for_a_role_requiring_totp_without_a_device(
    client, monitor, monitors_need_totp
):
    RolePolicy.objects.filter(pk=monitors_need_totp.pk).update(require_totp=False)
    secret = api_token(monitor)  # created before the policy required a second factor
    RolePolicy.objects.filter(pk=monitors_need_totp.pk).update(require_totp=True)
    response = _api(client, secret)
    assert response.status_code == 401
    assert "requires a second factor" in response.json()["detail"]


def test_a_token_works_for_a_role_requiring_totp_once_the_device_is_confirmed(
    client, monitor, monitors_need_totp
):
    TOTPDevice.objects.create(user=monitor, name="app", confirmed=True)
    assert _api(client, api_token(monitor)).status_code == 200


def test_the_token_page_comes_after_the_second_factor(client, monitor, monitors_need_totp):
    TOTPDevice.objects.create(user=monitor, name="app", confirmed=True)
    client.force_login(monitor)  # password only
    for response in (client.get(reverse("api_tokens")), client.post(reverse("api_tokens"))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("otp_verify"))
    assert not AuthToken.objects.exists()
