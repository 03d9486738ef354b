from django.urls import path

from followup import views

urlpatterns = [
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
