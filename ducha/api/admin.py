"""The API in the admin: tokens are read only there (issued by `ducha api-token`, which
shows each once) and revoked by an action; webhooks are registered and changed through
ducha.api.webhooks (host checked, audited), the signing secret shown once when added;
deliveries are the log. Each office sees its own jurisdiction's alone."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.api import tokens, webhooks
from ducha.api.models import ApiToken, Webhook, WebhookDelivery
from ducha.audit.admin import ReadOnly
from ducha.org.admin import InJurisdiction


@admin.register(ApiToken)
class ApiTokenAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    list_display = ["name", "prefix", "unit", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "unit__name"]
    list_select_related = ["unit"]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        user = request.user
        return user.is_superuser or user.runs(user.jurisdiction_id)

    @admin.action(description=gettext_lazy("吊销所选令牌"), permissions=["revoke"])
    def revoke(self, request, queryset):
        done = sum(
            tokens.revoke(token, by=request.user, request=request)
            for token in queryset.select_related("unit", "jurisdiction")
        )
        messages.success(request, _("已吊销 %(n)s 个令牌") % {"n": done})


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("推送地址"), max_length=500, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["jurisdiction", "url", "active"]

    def clean_url(self):
        try:
            return webhooks.check_url(self.cleaned_data["url"])
        except webhooks.WebhookError as e:
            raise forms.ValidationError(str(e)) from None


@admin.register(Webhook)
class WebhookAdmin(InJurisdiction, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "active", "created_at"]
    list_filter = ["active"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through webhooks.remove
        return actions

    def save_model(self, request, obj, form, change):
        fixed = self._fixed_jurisdiction(request)
        if fixed is not None:
            obj.jurisdiction_id = fixed  # never another's, whatever was sent
        webhooks.save(obj, by=request.user, request=request)
        if not change:
            text = _("签名密钥（只显示这一次，请交给接收方）：%(secret)s")
            messages.warning(request, text % {"secret": obj.secret})

    def delete_model(self, request, obj):
        webhooks.remove(obj, by=request.user, request=request)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(InJurisdiction, ReadOnly, admin.ModelAdmin):
    jurisdiction_path = "webhook__jurisdiction"
    list_display = ["pk", "webhook", "publication", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status"]
    list_select_related = ["webhook", "publication"]
