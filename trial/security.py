"""Session limits, no caching of clinical pages, and the security event log.

Security events (sign-in, failure, lockout, permission denied, sign-out) go to the
"ecrf.security" logger with the username and address only: never clinical data.
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

log = logging.getLogger("ecrf.security")
# Activity is recorded at most this often; the idle limit is therefore exact to this much.
ACTIVITY_WRITE_SECONDS = 30


def client_address(request) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


class SessionTimeoutMiddleware:
    """Sign out after ECRF_IDLE_TIMEOUT_MINUTES without a request, and after the absolute
    session lifetime (SESSION_COOKIE_AGE) whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault("started_at", now)
            last = session.get("last_activity", now)
            reason = None
            if now - last > settings.ECRF_IDLE_TIMEOUT_MINUTES * 60:
                reason = "idle"
            elif now - started > settings.SESSION_COOKIE_AGE:
                reason = "lifetime"
            if reason:
                log.info(
                    "session ended (%s) user=%s addr=%s",
                    reason,
                    user.get_username(),
                    client_address(request),
                )
                logout(request)
                login_url = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = login_url
                    return response
                messages.info(
                    request,
                    "You were signed out after "
                    + (
                        f"{settings.ECRF_IDLE_TIMEOUT_MINUTES} minutes without activity"
                        if reason == "idle"
                        else "the maximum session length"
                    )
                    + ". Sign in again to continue.",
                )
                return redirect(login_url)
            if now - last >= ACTIVITY_WRITE_SECONDS or "last_activity" not in session:
                # Not on every request: a session write per page costs a database UPDATE.
                session["last_activity"] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a signed-in user carry clinical data: never cached by the browser or a
    proxy (Cache-Control: no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


def permission_denied(request, exception=None):
    """403 page; the refusal is a security event."""
    user = getattr(request, "user", None)
    log.warning(
        "permission denied user=%s addr=%s method=%s path=%s",
        user.get_username() if user is not None and user.is_authenticated else "-",
        client_address(request),
        request.method,
        request.path,
    )
    message = (
        str(exception)
        if exception and str(exception)
        else ("You do not have permission to do this.")
    )
    return render(request, "403.html", {"message": message}, status=403)


def _logged_in(sender, request, user, **kwargs):
    log.info("sign-in user=%s addr=%s", user.get_username(), client_address(request))


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log.info("sign-out user=%s addr=%s", user.get_username(), client_address(request))


def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning(
        "sign-in failed user=%s addr=%s",
        credentials.get("username", "-"),
        client_address(request),
    )


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning("locked out user=%s addr=%s", username or "-", ip_address or "-")


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="ecrf.security.in")
    user_logged_out.connect(_logged_out, dispatch_uid="ecrf.security.out")
    user_login_failed.connect(_login_failed, dispatch_uid="ecrf.security.failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="ecrf.security.locked")
