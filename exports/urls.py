from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from exports import api, views
from review.records import api_endpoints

router = DefaultRouter()
router.include_root_view = False
router.register("subjects", api.SubjectViewSet, basename="api-subject")
# Every other endpoint is declared by its kind, in its own app (review.export_spec).
for endpoint in api_endpoints():
    router.register(endpoint.path, api.viewset_for(endpoint), basename=endpoint.basename)

urlpatterns = [
    path("exports/", views.export_page, name="export_page"),
    path("exports/<int:pk>/", views.export_run_detail, name="export_run"),
    path("exports/<int:pk>/status/", views.export_run_status, name="export_run_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("api/tokens/", views.api_tokens, name="api_tokens"),
    path("api/tokens/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from this URL (`?script`), not inline:
    # the CSP allows scripts from this origin only. A person signs in for it (302), the schema
    # itself answers 401 (SERVE_PERMISSIONS).
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
]
