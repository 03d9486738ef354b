"""Session limits, no caching of clinical pages, and the security event log.

Security events (sign-in, failure, lockout, permission denied, sign-out) go to the
"ecrf.security" logger with the username and address only: never clinical data.

A form posted after the session ended is not lost: its values are kept as a FormDraft of
the user (server-side, never in the URL or a log) and put back on the form once the user
has signed in again (static/js/ecrf.js asks for them with `form_draft_restore`).
"""

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from axes.attempts import get_cool_off_threshold
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

log = logging.getLogger("ecrf.security")
# Activity is recorded at most this often (less for very short idle limits, as in the
# browser tests); the idle limit is therefore exact to this much.
ACTIVITY_WRITE_SECONDS = 30
# Never kept in a draft: the CSRF token of the old session, and anything that is a password
# (an e-signature's re-entered password).
NOT_KEPT_IN_DRAFTS = ("csrfmiddlewaretoken",)
DRAFT_PAGES_KEY = "form_draft_pages"


def idle_timeout_seconds() -> float:
    return settings.ECRF_IDLE_TIMEOUT_MINUTES * 60


def _activity_write_seconds() -> float:
    return min(ACTIVITY_WRITE_SECONDS, idle_timeout_seconds() / 10)


def _kept(name: str) -> bool:
    return name not in NOT_KEPT_IN_DRAFTS and "password" not in name.lower()


def _page_of(request) -> str:
    """The path of the page the form was on: htmx names it; a browser's same-origin Referer
    otherwise (SECURE_REFERRER_POLICY is same-origin); else the path posted to."""
    for candidate in (request.headers.get("HX-Current-URL"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            path = urlsplit(candidate).path
            if path.startswith("/") and not path.startswith(reverse("login")):
                return path
    return request.path


def keep_form_draft(request, user) -> str | None:
    """Keep what `request` (a POST on an ended session) carried as a draft of `user`; return
    the page to go back to after sign-in, or None when there was nothing to keep."""
    from trial.models import FormDraft

    values = {
        name: request.POST.getlist(name)
        for name in request.POST
        if _kept(name) and any(v != "" for v in request.POST.getlist(name))
    }
    if not values:
        return None
    now = timezone.now()
    page = _page_of(request)[:500]
    FormDraft.objects.filter(expires_at__lte=now).delete()
    FormDraft.objects.filter(user=user, page=page).delete()
    FormDraft.objects.create(
        user=user,
        page=page,
        action=request.path[:500],
        values=values,
        created_at=now,
        expires_at=now + timedelta(hours=settings.ECRF_FORM_DRAFT_HOURS),
    )
    return page


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
            if now - last > idle_timeout_seconds():
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
                back_to = request.get_full_path()
                kept = None
                if request.method == "POST":
                    kept = keep_form_draft(request, user)
                    back_to = kept or _page_of(request)
                logout(request)
                login_url = f"{reverse('login')}?{urlencode({'next': back_to})}"
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
                    + ". Sign in again to continue."
                    + (
                        " What you had entered was kept: it is put back on the form after you "
                        "sign in. Check it, then save."
                        if kept
                        else ""
                    ),
                )
                return redirect(login_url)
            if now - last >= _activity_write_seconds() or "last_activity" not in session:
                # Not on every request: a session write per page costs a database UPDATE.
                session["last_activity"] = now
        return self.get_response(request)


@login_required
@require_POST
def session_keepalive(request):
    """ "Stay signed in" (the idle warning of static/js/ecrf.js): the session's activity is
    now, whatever ACTIVITY_WRITE_SECONDS skipped."""
    request.session["last_activity"] = time.time()
    return JsonResponse({"idle_timeout_seconds": idle_timeout_seconds()})


@login_required
@require_POST
def form_draft_restore(request):
    """The values kept when this user's session ended on the page `page`, given once: the
    draft is deleted as it is handed back."""
    from trial.models import FormDraft

    page = request.POST.get("page", "")
    draft = (
        FormDraft.objects.filter(user=request.user, page=page, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    FormDraft.objects.filter(user=request.user, page=page).delete()
    pending = [p for p in request.session.get(DRAFT_PAGES_KEY, []) if p != page]
    request.session[DRAFT_PAGES_KEY] = pending
    if draft is None:
        return JsonResponse({"values": {}})
    return JsonResponse({"action": draft.action, "values": draft.values})


def session_context(request):
    """What base.html gives ecrf.js: the idle limit and warning, and whether this page has
    values to put back."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    session = getattr(request, "session", None)
    pending = session.get(DRAFT_PAGES_KEY, []) if session is not None else []
    return {
        "idle_timeout_seconds": int(idle_timeout_seconds()),
        "idle_warning_seconds": settings.ECRF_IDLE_WARNING_SECONDS,
        "form_draft_pending": request.path in pending,
    }


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


# --- password re-entry (e-signatures) and the sign-in lockout ------------------------------------


def _axes_request(request) -> HttpRequest:
    """django-axes keys its records on a request; a service called without one (a shell, a
    management command) is recorded with no address."""
    if request is None:
        request = HttpRequest()
        request.path = request.path_info = "(service call)"
    return request


def password_locked(*, username: str, request=None) -> bool:
    """Whether the sign-in lockout is in force for this username (django-axes)."""
    return AxesProxyHandler.is_locked(_axes_request(request), {"username": username})


def password_failure_record(*, username: str, request=None) -> bool:
    """Count a wrong password re-entered on a page (an e-signature) as a failed sign-in.

    The record must outlive the error that follows it, so this refuses to run inside a
    caller's transaction (which that error would roll back, failure count and all): Django's
    durable atomic block raises RuntimeError when nested. Returns whether the lockout is now
    in force.
    """
    request = _axes_request(request)
    with transaction.atomic(durable=True):
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return password_locked(username=username, request=request)


def password_failures_forget(*, username: str) -> None:
    """A correct password ends the run of failures, as a successful sign-in does."""
    axes_reset(username=username)


def lockout_message(username: str) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Signing is refused: too many wrong passwords for the account {username} or from "
        f"this address. Ask an administrator to unlock it, or wait {minutes} minutes without "
        "another attempt."
    )


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: django-axes compares one limit with the larger of the username's
    and the address's failure counts (AXES_LOCKOUT_PARAMETERS). Once the username has reached
    its limit, that limit applies; below it, the address's higher one does, so the address is
    locked only by failures over many usernames."""
    AxesProxyHandler.update_request(request)
    username = get_client_username(request, credentials)
    username_limit = settings.ECRF_USERNAME_FAILURE_LIMIT
    failures = (
        AccessAttempt.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        or 0
    )
    if failures >= username_limit:
        return username_limit
    return settings.ECRF_ADDRESS_FAILURE_LIMIT


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
    password_failures_forget(username=user.get_username())
    if request is not None and hasattr(request, "session"):
        from trial.models import FormDraft

        pages = FormDraft.objects.filter(user=user, expires_at__gt=timezone.now()).values_list(
            "page", flat=True
        )
        request.session[DRAFT_PAGES_KEY] = sorted(set(pages))


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
