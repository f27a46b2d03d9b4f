"""What the admin may change, and the audit of every change it makes.

The admin is a window on the data, not a way around the audited paths: the ledger,
progress, publications and the audit log are read only there (`ReadOnly`); ledger changes
go through the import, ratings through the override. Every model that stays editable
(users, units, leaders, areas) has an `AuditedAdmin`, which writes an audit entry for each
addition, change or deletion, in the same transaction: who, which object, which fields.
"""

import json

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth import get_user_model
from django.db import transaction

from ducha.audit.log import append
from ducha.audit.models import AuditEntry

Action = AuditEntry.Action
CHANGES = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


class ReadOnly:
    """Mixed into a ModelAdmin or an inline: viewable (with the view permission), never
    added, changed or deleted in the admin, not even by a superuser."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every write is audited (the admin's own log calls are the hook:
    the add and change forms, list_editable, the password form and deletions all log)."""

    def log_addition(self, request, obj, message):
        logged = super().log_addition(request, obj, message)
        audit_admin_change(request.user, obj, ADDITION, message)
        return logged

    def log_change(self, request, obj, message):
        logged = super().log_change(request, obj, message)
        audit_admin_change(request.user, obj, CHANGE, message)
        return logged

    def log_deletions(self, request, queryset):
        logged = super().log_deletions(request, queryset)
        for obj in queryset:
            audit_admin_change(request.user, obj, DELETION, [])
        return logged

    def response_action(self, request, queryset):
        # "Delete selected" logs, then deletes: one transaction, so neither stands alone.
        with transaction.atomic():
            return super().response_action(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "seq",
        "at",
        "actor_name",
        "role",
        "action",
        "task_code",
        "month",
        "target_label",
        "address",
    ]
    list_filter = ["action", "role"]
    search_fields = ["actor_name", "task_code", "target_label", "target_id", "address"]
    date_hierarchy = "at"


def changed_fields(message) -> list[str]:
    """The labels of the object's own changed fields in an admin change message (the list
    the admin builds, or its JSON text)."""
    parts = message
    if isinstance(message, str):
        try:
            parts = json.loads(message or "[]")
        except ValueError:
            return []
    fields = []
    for part in parts if isinstance(parts, list) else []:
        changed = part.get("changed") if isinstance(part, dict) else None
        if isinstance(changed, dict) and "name" not in changed:  # "name": an inline's
            fields.extend(str(f) for f in changed.get("fields", []))
    return fields


def audit_admin_change(actor, obj, flag: int, message) -> None:
    """The audit entry (two for a user whose role changed) of one change made in the admin."""
    User = get_user_model()
    fields = changed_fields(message)
    target = {
        "target_type": type(obj).__name__,
        "target_id": "" if obj.pk is None else str(obj.pk),
        "target_label": str(obj)[:200],
    }
    detail = {"change": CHANGES[flag], "fields": fields}
    if not isinstance(obj, User):
        detail["model"] = str(obj._meta.verbose_name)
        append(Action.ADMIN_CHANGED, actor=actor, detail=detail, **target)
        return
    append(Action.USER_CHANGED, actor=actor, detail=detail, **target)
    role = User._meta.get_field("role")
    if {"role", str(role.verbose_name), str(role.verbose_name).capitalize()} & set(fields):
        detail = {"role": obj.role, "role_name": User.role_label(obj.role)}
        append(Action.ROLE_CHANGED, actor=actor, detail=detail, **target)
