from django.contrib import admin

from followup.models import Notification, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Sent and failing reminders: `last_error` shows why a send failed (it is retried)."""

    list_display = ("title", "kind", "recipient", "due_at", "sent_at", "attempts", "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "key", "recipient__username")
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "created_at", "read_at")
    readonly_fields = [f.name for f in Notification._meta.fields]
