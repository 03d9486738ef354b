"""Review rows in the admin: readable, never editable there.

Signatures, queries, locks and verifications change only through review.services (which
check roles, passwords and reasons); the admin shows them for support and inspection.
"""

from django.contrib import admin

from review.models import Query, QueryMessage, RecordLock, Signature, SourceVerification
from review.selectors import lock_of
from review.services import assert_editable


class LockAwareAdminMixin:
    """For any admin of a CRF model: a locked record (or a record of a locked subject) is
    read-only, and a save that slips through is refused by the same check as the services."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and lock_of(obj) is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and lock_of(obj) is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            assert_editable(obj)
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("signed_at", "printed_name", "meaning", "subject", "content_type", "object_id")
    list_filter = ("meaning", "content_type")
    search_fields = ("printed_name", "subject__subject_number", "subject__screening_number")


class QueryMessageInline(admin.TabularInline):
    model = QueryMessage
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "author", "text", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Query)
class QueryAdmin(ReadOnlyAdmin):
    list_display = ("raised_at", "subject", "content_type", "field_name", "status", "origin")
    list_filter = ("status", "origin", "content_type")
    search_fields = ("text", "subject__subject_number", "subject__screening_number")
    inlines = [QueryMessageInline]


@admin.register(RecordLock)
class RecordLockAdmin(ReadOnlyAdmin):
    list_display = ("locked_at", "subject", "content_type", "object_id", "locked_by", "unlocked_at")
    list_filter = ("content_type",)


@admin.register(SourceVerification)
class SourceVerificationAdmin(ReadOnlyAdmin):
    list_display = ("verified_at", "subject", "content_type", "object_id", "field_name")
