from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from trial.models import (
    DoseLevel,
    EscalationDesign,
    Heartbeat,
    LabLimit,
    Membership,
    ProtocolThreshold,
    RolePolicy,
    Site,
    Study,
    Subject,
    User,
    VisitDefinition,
    VitalSignLimit,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class EcrfUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "last_login")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "active")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "site")
    list_filter = ("role", "site")


class ThresholdInline(admin.TabularInline):
    model = ProtocolThreshold
    extra = 0
    fields = ("key", "value", "unit", "protocol_text")


class LabLimitInline(admin.TabularInline):
    model = LabLimit
    extra = 0


class VitalSignLimitInline(admin.TabularInline):
    model = VitalSignLimit
    extra = 0


class DoseLevelInline(admin.TabularInline):
    model = DoseLevel
    extra = 0


class VisitDefinitionInline(admin.TabularInline):
    model = VisitDefinition
    extra = 0


class EscalationDesignInline(admin.StackedInline):
    """Read-only: the design changes only through the study file, and load_study refuses a
    change once a subject is enrolled."""

    model = EscalationDesign
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    """The study's configuration, as loaded from studies/*.toml by `manage.py load_study`."""

    list_display = ("protocol_number", "product", "phase", "target_enrollment")
    inlines = [
        EscalationDesignInline,
        DoseLevelInline,
        ThresholdInline,
        LabLimitInline,
        VitalSignLimitInline,
        VisitDefinitionInline,
    ]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    """Read-only here: subjects change only through the CRF pages and their services."""

    list_display = ("screening_number", "subject_number", "site", "status", "voided_at")
    list_filter = ("site", "status")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("process", "last_seen")


@admin.register(RolePolicy)
class RolePolicyAdmin(admin.ModelAdmin):
    list_display = ("role", "require_totp")
