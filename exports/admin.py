from django.contrib import admin

from exports.models import ExportRun


@admin.register(ExportRun)
class ExportRunAdmin(admin.ModelAdmin):
    """Read-only: runs are created by the export services and never edited by hand."""

    list_display = ("id", "format", "status", "requested_by", "requested_at", "channel")
    list_filter = ("format", "status", "channel")
    readonly_fields = [f.name for f in ExportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
