from django.urls import path

from history import views

urlpatterns = [
    path(
        "subjects/<int:pk>/medical-history/",
        views.medical_history_list,
        name="medical_history_list",
    ),
    path(
        "subjects/<int:pk>/medical-history/new/",
        views.medical_history_new,
        name="medical_history_new",
    ),
    path("medical-history/<int:pk>/", views.medical_history_detail, name="medical_history_detail"),
    path("medical-history/<int:pk>/void/", views.medical_history_void, name="medical_history_void"),
]
