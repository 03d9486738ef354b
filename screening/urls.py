from django.urls import path

from screening import views

urlpatterns = [
    path("screening/register/", views.register, name="screening_register"),
    path("screening/log/", views.screening_log, name="screening_log"),
    path("dose-escalation/", views.dose_escalation, name="dose_escalation"),
    path("subjects/<int:pk>/screening/", views.screening_subject, name="screening_subject"),
    path("subjects/<int:pk>/consent/", views.consent, name="screening_consent"),
    path("subjects/<int:pk>/consent/void/", views.consent_void, name="screening_consent_void"),
    path("subjects/<int:pk>/eligibility/", views.eligibility, name="screening_eligibility"),
    path(
        "subjects/<int:pk>/eligibility/preview/",
        views.eligibility_preview,
        name="screening_eligibility_preview",
    ),
    path(
        "subjects/<int:pk>/eligibility/confirm/",
        views.eligibility_confirm,
        name="screening_eligibility_confirm",
    ),
    path(
        "subjects/<int:pk>/eligibility/void/",
        views.eligibility_void,
        name="screening_eligibility_void",
    ),
    path("subjects/<int:pk>/screen-fail/", views.screen_fail, name="screening_screen_fail"),
    path("subjects/<int:pk>/enroll/", views.enroll, name="screening_enroll"),
]
