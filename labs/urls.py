from django.urls import path

from labs import views

urlpatterns = [
    path("visits/<int:pk>/labs/", views.visit_labs, name="visit_labs"),
    path("labs/<int:pk>/", views.lab_result_detail, name="lab_result_detail"),
    path("labs/<int:pk>/void/", views.lab_result_void, name="lab_result_void"),
    path("sites/<int:site_pk>/lab-ranges/", views.site_lab_ranges, name="site_lab_ranges"),
]
