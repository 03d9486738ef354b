from django.urls import path

from ecg import views

urlpatterns = [
    path("visits/<int:pk>/ecgs/", views.visit_ecgs, name="visit_ecgs"),
    path("ecgs/<int:pk>/", views.ecg_detail, name="ecg_detail"),
    path("ecgs/<int:pk>/void/", views.ecg_void, name="ecg_void"),
]
