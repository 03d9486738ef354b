from django.urls import path

from subjects import views

urlpatterns = [
    path("subjects/<int:pk>/", views.subject_page, name="subject_detail"),
    path("visits/<int:visit_pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visits/<int:visit_pk>/missed/", views.visit_missed, name="visit_missed"),
    path("worklist/", views.worklist, name="worklist"),
]
