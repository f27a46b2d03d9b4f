"""People and organisation in the admin: every change audited (`AuditedAdmin`); the
flags and groups that grant power over the admin itself are a superuser's alone."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from ducha.audit.admin import AuditedAdmin
from ducha.org.models import Area, Jurisdiction, Leader, Unit, User

# Fields that make someone an administrator or widen what he may do there.
POWERS = ["is_superuser", "is_staff", "groups", "user_permissions"]


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "key", "aliases", "order"]
    list_editable = ["order"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedAdmin):
    list_display = ["name", "slug", "level", "parent", "home", "deadline_day", "publish_day"]
    list_filter = ["level"]
    search_fields = ["name", "slug"]
    # Which jurisdiction is this server's own is set once, when it is installed.
    readonly_fields = ["home"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    # A unit stays in the jurisdiction it was made in (the home one, made here).
    exclude = ["jurisdiction"]
    list_display = ["name", "short_name", "kind", "parent", "order", "is_active", "approves_alone"]
    list_filter = ["kind", "is_active", "approves_alone"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Leader)
class LeaderAdmin(AuditedAdmin):
    exclude = ["jurisdiction"]
    list_display = ["name", "title", "order"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "leader", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "unit__name"]
    list_select_related = ["unit", "leader"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("督查", {"fields": ["full_name", "role", "unit", "leader", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("督查", {"fields": ["full_name", "role", "unit", "leader"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Office staff manage people, not the admin's powers: otherwise any of them
            # could make himself (or a friend) superuser.
            readonly += [f for f in POWERS if f not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor take over a superuser (his password, name or role)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    """A group's permissions are powers over the admin: a superuser's to grant."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
