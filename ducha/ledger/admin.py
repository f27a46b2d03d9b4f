"""The ledger in the admin, read only: tasks, nodes and progress change through the audited
import (and reports), ratings through the override; never here, unaudited. Each office
reads its own jurisdiction's alone (`InJurisdiction`), a superuser every one's."""

from django.contrib import admin

from ducha.audit.admin import ReadOnly
from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.org.admin import InJurisdiction


class NodeInline(ReadOnly, admin.TabularInline):
    model = Node
    extra = 0
    fields = ["code", "title", "due_month", "due_text", "order"]


class CoUnitInline(ReadOnly, admin.TabularInline):
    """Cooperating units with their place in the list (a many-to-many widget has none)."""

    model = CoUnit
    extra = 0
    fields = ["unit", "order"]
    autocomplete_fields = ["unit"]


@admin.register(Task)
class TaskAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["code", "title", "area", "source", "leader", "lead_unit", "status"]
    # The leaders of the tasks listed only: not every jurisdiction's by name.
    list_filter = [
        "area",
        "source",
        "status",
        "plan_year",
        ("leader", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["code", "title", "lead_unit__name"]
    list_select_related = ["area", "leader", "lead_unit"]
    autocomplete_fields = ["lead_unit", "leader"]
    inlines = [CoUnitInline, NodeInline]


@admin.register(Progress)
class ProgressAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    jurisdiction_path = "task__jurisdiction"
    list_display = ["task", "node", "month", "status", "percent", "done_on", "origin"]
    list_filter = ["month", "status", "origin"]
    search_fields = ["task__code", "task__title"]
    list_select_related = ["task", "node"]
    raw_id_fields = ["task", "node", "import_run", "reported_by"]
    date_hierarchy = "month"


@admin.register(ImportRun)
class ImportRunAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["at", "kind", "filename", "rows", "created", "updated", "unchanged", "by"]
    list_filter = ["kind"]
