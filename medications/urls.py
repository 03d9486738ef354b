from django.urls import path

from medications import views

urlpatterns = [
    path("subjects/<int:pk>/medications/", views.medication_list, name="medication_list"),
    path("subjects/<int:pk>/medications/new/", views.medication_new, name="medication_new"),
    path("medications/<int:pk>/", views.medication_detail, name="medication_detail"),
    path("medications/<int:pk>/void/", views.medication_void, name="medication_void"),
]
