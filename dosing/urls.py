from django.urls import path

from dosing import views

urlpatterns = [
    path("visits/<int:visit_pk>/dosing/", views.dosing_form, name="visit_dosing"),
    path("visits/<int:visit_pk>/dosing/void/", views.dose_void, name="visit_dosing_void"),
]
