from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from ducha.org.models import Area, Leader, Unit, User


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "key", "aliases", "order"]
    list_editable = ["order"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "order"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
