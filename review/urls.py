from django.urls import path

from review import subject_views, views

RECORD = "review/records/<str:model_label>/<int:pk>"

urlpatterns = [
    path("review/queue/", views.review_queue, name="review_queue"),
    path("subjects/matrix/", views.subject_matrix, name="subject_matrix"),
    path("subjects/<int:pk>/void/", subject_views.subject_void, name="subject_void"),
    path("subjects/<int:pk>/correct/", subject_views.subject_correct, name="subject_correct"),
    path("review/queries/", views.query_list, name="query_list"),
    path("review/queries/<int:pk>/", views.query_detail, name="query_detail"),
    path("review/queries/<int:pk>/answer/", views.query_answer, name="query_answer"),
    path("review/queries/<int:pk>/close/", views.query_close, name="query_close"),
    path("review/queries/<int:pk>/reopen/", views.query_reopen, name="query_reopen"),
    path(f"{RECORD}/sign/", views.record_sign, name="record_sign"),
    path(f"{RECORD}/lock/", views.record_lock, name="record_lock"),
    path(f"{RECORD}/unlock/", views.record_unlock, name="record_unlock"),
    path(f"{RECORD}/verify/", views.record_verify, name="record_verify"),
    path(f"{RECORD}/queries/", views.query_raise, name="query_raise"),
    path("subjects/<int:pk>/lock/", views.subject_lock, name="subject_lock"),
    path("subjects/<int:pk>/unlock/", views.subject_unlock, name="subject_unlock"),
    path("subjects/<int:pk>/audit/", views.subject_audit, name="subject_audit"),
]
