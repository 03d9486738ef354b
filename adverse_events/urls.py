from django.urls import path

from adverse_events import views

urlpatterns = [
    path("subjects/<int:pk>/adverse-events/new/", views.ae_new, name="ae_new"),
    path("adverse-events/", views.ae_list, name="ae_list"),
    path("adverse-events/<int:pk>/", views.ae_detail, name="ae_detail"),
    path("adverse-events/<int:pk>/causality/", views.ae_causality, name="ae_causality"),
    path("adverse-events/<int:pk>/dlt/", views.ae_dlt, name="ae_dlt"),
    path("adverse-events/<int:pk>/sign/", views.ae_sign, name="ae_sign"),
    path("adverse-events/<int:pk>/void/", views.ae_void, name="ae_void"),
    path("saes/", views.sae_list, name="sae_list"),
    path("ctcae/grades/", views.ctcae_grades, name="ctcae_grades"),
    path("ctcae/search/", views.ctcae_search, name="ctcae_search"),
]
