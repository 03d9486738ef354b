"""Optional TOTP second factor (django-otp), required per role by RolePolicy."""

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from trial.access import roles_of
from trial.models import RolePolicy

# Only signing in and out and the second factor itself: the password change and API token
# pages come after the second factor, like everything else.
EXEMPT_PREFIXES = ("/accounts/login/", "/accounts/logout/", "/accounts/otp/", "/static/")


def totp_required(user) -> bool:
    roles = roles_of(user)
    return bool(roles) and RolePolicy.objects.filter(role__in=roles, require_totp=True).exists()


class TotpRequiredMiddleware:
    """A user whose role requires TOTP reaches nothing but sign-in pages until verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and totp_required(user)
        ):
            target = (
                "otp_verify"
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                else "otp_setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("home")
    return target


@login_required
def otp_setup(request):
    """Register an authenticator app: scan the QR code, then type a code to confirm."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('otp_verify')}?next={_next(request)}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next(request))
        error = "That code is not valid: check the time on your phone and type the current code."
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "registration/otp_setup.html",
        {
            "qr_svg": qr_svg,
            "secret": device.bin_key.hex(),
            "error": error,
            "next": _next(request),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", "eCRF"),
        },
    )


@login_required
def otp_verify(request):
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        error = "That code is not valid."
    return render(request, "registration/otp_verify.html", {"error": error, "next": _next(request)})
