from django.contrib import admin
from knox.models import AuthToken

from exports.models import ExportRun
from exports.tokens import api_token_revoke


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


# knox registers an admin that creates tokens for any user (and shows them): an administrator
# could then read the API as someone else. Ours lists and revokes only.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: an administrator revokes (deletes) them; only their owner creates them."""

    list_display = ("key", "user", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="key")
    def key(self, obj):
        return f"{obj.token_key[:8]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            api_token_revoke(token=token, by=request.user)
        self.message_user(request, "Tokens revoked.")

    def delete_model(self, request, obj):
        api_token_revoke(token=obj, by=request.user)
