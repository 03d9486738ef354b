from django.urls import path

from dosing import views

urlpatterns = [
    path("visits/<int:visit_pk>/dosing/", views.dosing_form, name="visit_dosing"),
    path("visits/<int:visit_pk>/dosing/void/", views.dose_void, name="visit_dosing_void"),
    path("subjects/<int:pk>/tumour/baseline/", views.tumour_baseline, name="tumour_baseline"),
    path("subjects/<int:pk>/tumour/new/", views.tumour_follow_up, name="tumour_follow_up"),
    path("tumour/<int:pk>/", views.tumour_assessment, name="tumour_assessment"),
    path("tumour/<int:pk>/void/", views.tumour_void, name="tumour_void"),
]
