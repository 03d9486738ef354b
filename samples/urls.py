from django.urls import path

from samples import views

urlpatterns = [
    path("visits/<int:pk>/samples/", views.visit_samples, name="visit_samples"),
    path("samples/<int:pk>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:pk>/stage/", views.sample_stage, name="sample_stage"),
    path("samples/<int:pk>/void/", views.sample_void, name="sample_void"),
]
