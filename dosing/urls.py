from django.urls import path

from dosing import views

urlpatterns = [
    path("subjects/<int:pk>/", views.subject_page, name="subject_detail"),
    path("subjects/<int:pk>/disposition/", views.disposition, name="subject_disposition"),
    path("visits/<int:visit_pk>/dosing/", views.dosing_form, name="visit_dosing"),
    path("visits/<int:visit_pk>/dosing/void/", views.dose_void, name="visit_dosing_void"),
    path("visits/<int:visit_pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visits/<int:visit_pk>/missed/", views.visit_missed, name="visit_missed"),
    path("worklist/", views.worklist, name="worklist"),
    path("subjects/<int:pk>/tumour/baseline/", views.tumour_baseline, name="tumour_baseline"),
    path("subjects/<int:pk>/tumour/new/", views.tumour_follow_up, name="tumour_follow_up"),
    path("tumour/<int:pk>/", views.tumour_assessment, name="tumour_assessment"),
    path("tumour/<int:pk>/void/", views.tumour_void, name="tumour_void"),
]
