from django.urls import path

from vitals import views

urlpatterns = [
    path("visits/<int:pk>/vitals/", views.visit_vitals, name="visit_vitals"),
    path("vitals/<int:pk>/", views.vitals_detail, name="vitals_detail"),
    path("vitals/<int:pk>/void/", views.vitals_void, name="vitals_void"),
]
