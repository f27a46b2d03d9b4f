"""挂图作战 in the admin, each office its own jurisdiction's: the command posts and service
teams are kept here (every change audited); projects and phases through the office's own
audited pages, and the units' monthly reports as they sent them (read only)."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin, ReadOnly
from ducha.org.admin import InJurisdiction
from ducha.warmap.models import CommandPost, Phase, PhaseProgress, Project, ServiceTeam


@admin.register(CommandPost)
class CommandPostAdmin(InJurisdiction, AuditedAdmin):
    list_display = ["name", "commander", "order"]
    search_fields = ["name"]
    list_select_related = ["commander"]
    autocomplete_fields = ["commander"]


@admin.register(ServiceTeam)
class ServiceTeamAdmin(InJurisdiction, AuditedAdmin):
    list_display = ["name", "lead_unit", "order"]
    search_fields = ["name"]
    list_select_related = ["lead_unit"]
    autocomplete_fields = ["lead_unit"]


class PhaseInline(ReadOnly, admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["code", "kind", "title", "planned_start", "planned_end", "actual_start", "actual_end"]


@admin.register(Project)
class ProjectAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "post", "unit", "investment", "status"]
    list_filter = ["status", ("post", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "unit__name"]
    list_select_related = ["post", "unit"]
    inlines = [PhaseInline]


@admin.register(PhaseProgress)
class PhaseProgressAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    jurisdiction_path = "project__jurisdiction"
    list_display = ["project", "phase", "month", "status", "percent", "done_on"]
    list_filter = ["month", "status"]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project", "phase"]
    raw_id_fields = ["project", "phase", "reported_by"]
    date_hierarchy = "month"
