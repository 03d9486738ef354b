"""A TOTP second factor that an administrator can require per role."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from trial.models import Role, RolePolicy


def _code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for `device` (RFC 6238)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def monitors_need_totp(db):
    return RolePolicy.objects.create(role=Role.MONITOR, require_totp=True)


def test_role_without_policy_is_not_asked_for_a_code(client, coordinator_a, monitors_need_totp):
    client.force_login(coordinator_a)
    assert client.get(reverse("subject_list")).status_code == 200


def test_role_with_policy_must_set_up_totp_first(client, monitor, monitors_need_totp):
    client.force_login(monitor)
    response = client.get(reverse("subject_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_setup_confirms_the_device_with_a_valid_code(client, monitor, monitors_need_totp):
    client.force_login(monitor)
    page = client.get(reverse("otp_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=monitor)
    assert not device.confirmed
    response = client.post(reverse("otp_setup"), {"token": _code(device), "next": "/subjects/"})
    assert response.status_code == 302 and response["Location"] == "/subjects/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("subject_list")).status_code == 200


def test_wrong_code_is_refused(client, monitor, monitors_need_totp):
    device = TOTPDevice.objects.create(user=monitor, name="app", confirmed=True)
    client.force_login(monitor)
    response = client.post(reverse("otp_verify"), {"token": "000000"})
    assert b"That code is not valid" in response.content
    wrong = f"{(int(_code(device)) + 1) % 1000000:06d}"
    client.post(reverse("otp_verify"), {"token": wrong})
    assert client.get(reverse("subject_list")).status_code == 302


def test_next_cannot_send_the_user_to_another_site(client, monitor, monitors_need_totp):
    device = TOTPDevice.objects.create(user=monitor, name="app", confirmed=True)
    client.force_login(monitor)
    response = client.post(
        reverse("otp_verify"), {"token": _code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_the_password_change_page_comes_after_the_second_factor(
    client, monitor, monitors_need_totp
):
    TOTPDevice.objects.create(user=monitor, name="app", confirmed=True)
    client.force_login(monitor)  # password only: someone who knows it cannot change it
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery-9",
            "new_password1": "a-brand-new-passphrase-7",
            "new_password2": "a-brand-new-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))
    monitor.refresh_from_db()
    assert monitor.check_password("correct-horse-battery-9")
