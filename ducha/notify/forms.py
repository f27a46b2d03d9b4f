from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.notify.models import QuietHours, UnitChannel


class UnitChannelForm(forms.ModelForm):
    """A unit's mailbox or group robot, as the office adds it (the unit is the page's)."""

    class Meta:
        model = UnitChannel
        fields = ["channel", "address", "secret", "label"]
        widgets = {"secret": forms.PasswordInput(render_value=False)}
        labels = {
            "channel": _("渠道"),
            "address": _("地址"),
            "secret": _("签名密钥"),
            "label": _("备注"),
        }
        help_texts = {
            "address": _("电子邮件地址，或群机器人的 Webhook 地址（http/https）"),
            "secret": _("钉钉“加签”或飞书“签名校验”的密钥；企业微信和电子邮件不填"),
            "label": _("例如：办公室工作群"),
        }

    def clean(self):
        cleaned = super().clean()
        unit = self.instance.unit
        address = (cleaned.get("address") or "").strip()
        channel = cleaned.get("channel")
        if address and channel and unit.channels.filter(channel=channel, address=address).exists():
            self.add_error("address", _("该单位已有这一渠道地址"))
        return cleaned


class QuietHoursForm(forms.ModelForm):
    class Meta:
        model = QuietHours
        fields = ["start", "end"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {"start": _("开始"), "end": _("结束")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") is not None and cleaned.get("start") == cleaned.get("end"):
            raise forms.ValidationError(_("开始和结束不能是同一时刻"))
        return cleaned
