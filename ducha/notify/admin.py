"""Notifications in the admin: a unit's channels are the office's to set (audited, its own
jurisdiction's alone); messages and deliveries are read only (the log is the record)."""

from django.contrib import admin

from ducha.audit.admin import AuditedAdmin, ReadOnly
from ducha.notify.models import Delivery, Message, QuietHours, UnitChannel
from ducha.org.admin import InJurisdiction


@admin.register(UnitChannel)
class UnitChannelAdmin(InJurisdiction, AuditedAdmin):
    """A channel is added on the office's channel page (/office/channels/), which checks
    the robot's host against DUCHA_ROBOT_HOSTS. Here its label and switch may change; its
    address (a robot's webhook carries its access token) and its signing secret are
    neither shown nor changed."""

    jurisdiction_path = "unit__jurisdiction"
    exclude = ["secret", "address"]
    readonly_fields = ["unit", "channel", "shown_address"]
    list_display = ["unit", "channel", "shown_address", "label", "active"]
    list_filter = ["channel", "active"]
    search_fields = ["unit__name", "label"]
    list_select_related = ["unit"]

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "kind", "subject", "by_name", "key"]
    list_filter = ["kind"]
    search_fields = ["subject", "key"]
    date_hierarchy = "created_at"


@admin.register(Delivery)
class DeliveryAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    jurisdiction_path = "message__jurisdiction"
    list_display = ["pk", "message", "channel", "user", "status", "attempts", "last_error"]
    list_filter = ["channel", "status"]
    search_fields = ["message__subject", "key"]
    list_select_related = ["message", "user"]
    raw_id_fields = ["message", "user", "via"]
    exclude = ["address"]  # a robot's webhook carries its token


@admin.register(QuietHours)
class QuietHoursAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    """Set by each person on /inbox/quiet-hours/; the office reads them."""

    jurisdiction_path = "user__jurisdiction"
    list_display = ["user", "start", "end"]
    list_select_related = ["user"]
