"""Password policy (AUTH_PASSWORD_VALIDATORS): 12 characters at least, not like the user's
names, not one of the last 5 passwords (trial.passwords, hashes only)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import PASSWORD
from trial.models import PasswordHistory, User

pytestmark = pytest.mark.django_db


def _refusal(password, user) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("password", "valid"),
    [("eleven-char", False), ("twelve-chars", True), ("a-much-longer-passphrase", True)],
)
def test_a_password_has_at_least_12_characters(make_user, password, valid):
    user = make_user("someone")
    if valid:
        validate_password(password, user)
    else:
        assert "at least 12 characters" in _refusal(password, user)


@pytest.mark.parametrize(
    "password", ["camille-1968", "durand-lefebvre", "coordinator01!", "c.durand@site.example"]
)
def test_a_password_like_the_user_s_names_or_email_is_refused(password):
    user = User(
        username="coordinator01",
        first_name="Camille",
        last_name="Durand-Lefebvre",
        email="c.durand@site.example",
    )
    assert "too similar" in _refusal(password, user)


def _change(user, new_password):
    user.set_password(new_password)
    user.save()


def test_none_of_the_last_five_passwords_is_accepted_again(make_user):
    user = make_user("rotating")  # password PASSWORD
    used = [PASSWORD] + [f"rotation-passphrase-{n}" for n in range(1, 5)]
    for password in used[1:]:
        _change(user, password)
    for password in used:
        assert "one of your last 5 passwords" in _refusal(password, user)
    _change(user, "rotation-passphrase-5")
    # The first password is now the sixth last: allowed again.
    validate_password(PASSWORD, user)


def test_the_history_keeps_hashes_never_passwords(make_user):
    user = make_user("hashed")
    _change(user, "rotation-passphrase-1")
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 2
    assert not any("passphrase" in value or PASSWORD in value for value in stored)
    assert all(value.startswith(("md5$", "argon2", "pbkdf2")) for value in stored)


def test_a_user_from_before_the_history_cannot_keep_the_current_password(make_user):
    user = make_user("older")
    PasswordHistory.objects.filter(user=user).delete()
    assert "one of your last 5 passwords" in _refusal(PASSWORD, user)


def test_the_password_change_page_refuses_a_reused_password(client, make_user):
    user = make_user("changer")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "one of your last 5 passwords" in response.content.decode()


# The demo logins of the README (one per role, all with this password).
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("coordinator", "Camille", "Durand"),
    ("investigator", "Pierre", "Martin"),
    ("monitor", "Anna", "Schmidt"),
    ("datamanager", "Sofia", "Rossi"),
    ("safety", "James", "Walker"),
    ("admin", "Ada", "Admin"),
]


@pytest.mark.parametrize(("username", "first", "last"), DEMO_USERS)
def test_the_demo_password_meets_the_policy_for_every_demo_user(username, first, last):
    user = User(username=username, first_name=first, last_name=last, email=f"{username}@x.org")
    validate_password(DEMO_PASSWORD, user)
