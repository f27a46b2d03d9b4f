"""延误归因 in the admin: read only (the workflow is the record, every step audited), each
office its own jurisdiction's."""

from django.contrib import admin

from ducha.attributions.models import Attribution, AttributionFile
from ducha.audit.admin import ReadOnly
from ducha.org.admin import InJurisdiction


class AttributionFileInline(ReadOnly, admin.TabularInline):
    model = AttributionFile
    fields = ["side", "original_name", "kind", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Attribution)
class AttributionAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["task", "month", "node", "claimant", "unit", "state", "claimed_at"]
    list_filter = ["state", "month"]
    search_fields = ["task__code", "unit__name", "claimant__name"]
    list_select_related = ["task", "node", "claimant", "unit"]
    raw_id_fields = ["task", "node", "override"]
    inlines = [AttributionFileInline]
