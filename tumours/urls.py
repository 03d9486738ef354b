from django.urls import path

from tumours import views

# The paths and names these pages had in the dosing app.
urlpatterns = [
    path("subjects/<int:pk>/tumour/baseline/", views.tumour_baseline, name="tumour_baseline"),
    path("subjects/<int:pk>/tumour/new/", views.tumour_follow_up, name="tumour_follow_up"),
    path("tumour/<int:pk>/", views.tumour_assessment, name="tumour_assessment"),
    path("tumour/<int:pk>/void/", views.tumour_void, name="tumour_void"),
]
