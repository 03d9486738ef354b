from django.urls import path

from trial import security, views

urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/", views.subject_list, name="subject_list"),
    path("history/<str:model_label>/<int:pk>/", views.record_history, name="record_history"),
    path("study/", views.study_overview, name="study_overview"),
    path("healthz", views.healthz, name="healthz"),
    path("session/keepalive/", security.session_keepalive, name="session_keepalive"),
    path("session/draft/", security.form_draft_restore, name="form_draft_restore"),
]
