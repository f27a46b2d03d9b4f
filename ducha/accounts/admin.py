from django.contrib import admin

from ducha.accounts.models import LoginAttempt


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Read only; deleting a username's failed attempts lifts its lock early."""

    list_display = ["at", "username", "address", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
