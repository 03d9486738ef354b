from django.urls import path

from dispositions import views

# The path and name the form had on the subject page.
urlpatterns = [
    path("subjects/<int:pk>/disposition/", views.disposition, name="subject_disposition"),
]
