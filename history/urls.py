from django.urls import path

from history import prior_therapy_views, views

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
    path(
        "subjects/<int:pk>/prior-therapy/",
        prior_therapy_views.prior_therapy_list,
        name="prior_therapy_list",
    ),
]

# Systemic lines, radiotherapy and surgery: the same pages, each under its own names.
for therapy, page in prior_therapy_views.THERAPIES.items():
    urlpatterns += [
        path(
            f"subjects/<int:pk>/prior-therapy/{therapy}/new/",
            prior_therapy_views.prior_therapy_new,
            {"therapy": therapy},
            name=f"{page.url}_new",
        ),
        path(
            f"prior-therapy/{therapy}/<int:pk>/",
            prior_therapy_views.prior_therapy_detail,
            {"therapy": therapy},
            name=f"{page.url}_detail",
        ),
        path(
            f"prior-therapy/{therapy}/<int:pk>/void/",
            prior_therapy_views.prior_therapy_void,
            {"therapy": therapy},
            name=f"{page.url}_void",
        ),
    ]
