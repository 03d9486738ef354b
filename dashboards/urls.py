from django.urls import path, re_path

from dashboards import views

urlpatterns = [
    path("overview/", views.overview, name="dashboard_overview"),
    path("overview/safety/", views.safety, name="dashboard_safety"),
    path("overview/oncology/", views.oncology, name="dashboard_oncology"),
    re_path(
        r"^overview/(?P<page>overview|safety|oncology)/(?P<chart>[a-z0-9-]+)\.(?P<fmt>svg|csv)$",
        views.download,
        name="dashboard_download",
    ),
]
