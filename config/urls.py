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
    path("", include("trial.urls")),
    path("", include("screening.urls")),
    path("", include("dosing.urls")),
    path("", include("adverse_events.urls")),
    path("", include("history.urls")),
    path("", include("medications.urls")),
    path("", include("labs.urls")),
    path("", include("followup.urls")),
    path("", include("review.urls")),
    path("", include("exports.urls")),
    path("", include("dashboards.urls")),
    path("", include("subjects.urls")),
]

handler403 = "trial.security.permission_denied"
