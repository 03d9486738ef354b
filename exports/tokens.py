"""API tokens (django-rest-knox): created by their owner on the tokens page, shown once, stored
only as a hash, expiring after API_TOKEN_TTL_DAYS, revoked by their owner or an administrator.

A token stands in for the password only, never for the second factor: a user whose role
requires TOTP (trial.otp) is refused with a token until they have a confirmed authenticator
app, and creates tokens only from a session that passed it.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from trial.models import User
from trial.otp import totp_required

log = logging.getLogger("ecrf.security")

SECOND_FACTOR_MISSING = (
    "Your role requires a second factor: confirm an authenticator app (Account → Two-factor "
    "sign-in) before using an API token."
)


def second_factor_missing(user: User) -> bool:
    """The user's role requires TOTP and the user has no confirmed device."""
    return totp_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication (hashed, expiring tokens) with the second-factor rule."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if second_factor_missing(user):
            raise exceptions.AuthenticationFailed(SECOND_FACTOR_MISSING)
        return user, token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ApiTokenAuthentication (`Authorization: Token ...`)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"


def tokens_of(user: User):
    """The user's tokens that have not expired, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for `user`; the returned string is the only copy of the token."""
    if second_factor_missing(user):
        raise PermissionDenied(SECOND_FACTOR_MISSING)
    token, secret = AuthToken.objects.create(user=user)
    log.info(
        "api token created user=%s key=%s expires=%s",
        user.get_username(),
        token.token_key[:8],
        f"{token.expiry:%Y-%m-%dT%H:%MZ}",
    )
    return token, secret


def api_token_revoke(*, token: AuthToken, by: User) -> None:
    """Revoke (delete: a token is a credential, not clinical data) the owner's or, for an
    administrator, anyone's token."""
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only the token's owner or an administrator revokes it.")
    with transaction.atomic():
        AuthToken.objects.filter(digest=token.digest).delete()
    log.info(
        "api token revoked user=%s key=%s by=%s",
        token.user.get_username(),
        token.token_key[:8],
        by.get_username(),
    )
