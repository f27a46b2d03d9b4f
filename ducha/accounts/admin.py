from django.contrib import admin
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ducha.accounts.models import LoginAttempt
from ducha.audit import record
from ducha.audit.admin import AuditedAdmin
from ducha.org.admin import InJurisdiction


@admin.register(LoginAttempt)
class LoginAttemptAdmin(AuditedAdmin):
    """Read only; deleting a username's failed attempts lifts its wait early (audited)."""

    list_display = ["at", "username", "address", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# django-otp's own pages show and edit the secrets (TOTP keys, recovery codes) and let an
# administrator bind a device for somebody else. Here a device can only be seen and
# removed: removing it is the reset for a lost phone, and its owner binds a new one. An
# office sees its own jurisdiction's people's devices alone.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(InJurisdiction, admin.ModelAdmin):
    jurisdiction_path = "user__jurisdiction"
    list_display = ["user", "name", "created_at", "last_used_at"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "name", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """An office resets its own people's authenticators, never a superuser's: that would
        let it sign in as the superuser once it knew his password."""
        if obj is not None and obj.user.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self.delete_queryset(request, TOTPDevice.objects.filter(pk=obj.pk))

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser:  # the list's bulk action, too
            queryset = queryset.exclude(user__is_superuser=True)
        for device in queryset.select_related("user"):
            StaticDevice.objects.filter(user=device.user).delete()
            device.delete()
            record("mfa_reset", request=request, target=device.user)
