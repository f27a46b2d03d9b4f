"""The audit log in the admin (read only), and user changes made in the admin, audited.

org/admin.py owns UserAdmin; rather than reach into it, the admin's own LogEntry is
watched: every add, change or delete of a user there becomes an audit entry.
"""

import json

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from ducha.audit.log import append
from ducha.audit.models import AuditEntry

Action = AuditEntry.Action
CHANGES = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def changed_fields(change_message: str) -> list[str]:
    """The labels of the object's own changed fields in an admin change message."""
    try:
        parts = json.loads(change_message or "[]")
    except ValueError:
        return []
    fields = []
    for part in parts if isinstance(parts, list) else []:
        changed = part.get("changed") if isinstance(part, dict) else None
        if isinstance(changed, dict) and "name" not in changed:  # "name": an inline's
            fields.extend(changed.get("fields", []))
    return fields


def record_user_change(sender, instance, created, raw=False, **kwargs):
    """post_save of admin.LogEntry: audit changes to users made in the admin."""
    User = get_user_model()
    if not created or raw or instance.action_flag not in CHANGES:
        return
    if instance.content_type_id != ContentType.objects.get_for_model(User).id:
        return
    fields = changed_fields(instance.change_message)
    target = {
        "target_type": User.__name__,
        "target_id": instance.object_id or "",
        "target_label": instance.object_repr,
    }
    actor = instance.user
    detail = {
        "change": CHANGES[instance.action_flag],
        "fields": fields,
        "message": str(instance.get_change_message()),
    }
    append(Action.USER_CHANGED, actor=actor, detail=detail, **target)
    role = User._meta.get_field("role")
    if {"role", role.verbose_name, str(role.verbose_name).capitalize()} & set(fields):
        current = User.objects.filter(pk=instance.object_id).values_list("role", flat=True)
        new_role = current.first() or ""
        detail = {"role": new_role, "role_name": dict(User.Role.choices).get(new_role, "")}
        append(Action.ROLE_CHANGED, actor=actor, detail=detail, **target)
