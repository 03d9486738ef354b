from django.urls import path

from dispositions import views

urlpatterns = [
    # The path and name the form had on the subject page.
    path("subjects/<int:pk>/disposition/", views.disposition, name="subject_disposition"),
    path("dispositions/<int:pk>/", views.disposition_detail, name="disposition_detail"),
    path("dispositions/<int:pk>/void/", views.disposition_void_view, name="disposition_void"),
]
