from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trial import otp

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/otp/setup/", otp.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", otp.otp_verify, name="otp_verify"),
    path("admin/", admin.site.urls),
    # Each of the product's apps that has pages, in settings.ECRF_APPS's order.
    *(
        path("", include(f"{app}.urls"))
        for app in settings.ECRF_APPS
        if find_spec(f"{app}.urls") is not None
    ),
]

handler403 = "trial.security.permission_denied"
