import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.ledger.models import Task
from ducha.opendoor.models import CONTACT_MAX, NAME_MAX, TITLE_MAX, Suggestion

_CODES = re.compile(r"[\s,，、;；]+")


def _limited(form: forms.Form, name: str, limit: int) -> str:
    """A text field's value with Windows line ends made one character, refused (naming the
    field and its limit) when longer than `limit`. No maxlength on the page: a browser would
    cut a pasted text short without a word."""
    value = form.cleaned_data.get(name, "").replace("\r\n", "\n")
    if len(value) > limit:
        raise forms.ValidationError(
            _("“%(field)s”最多 %(limit)s 字，现有 %(n)s 字：请精简后再提交。")
            % {"field": form.fields[name].label, "limit": limit, "n": len(value)}
        )
    return value


class SuggestionForm(forms.Form):
    """The public form. Lengths are checked here (DUCHA_OPEN_DOOR_MAX_CHARS for the text,
    shorter fixed ones for the rest); the time stamp and the rate limit in submission.py."""

    category = forms.ChoiceField(
        label=gettext_lazy("您的身份"),
        choices=Suggestion.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择您的身份")},
    )
    area = forms.TypedChoiceField(
        label=gettext_lazy("涉及领域（选填）"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        error_messages={"required": gettext_lazy("请填写标题")},
    )
    text = forms.CharField(
        label=gettext_lazy("意见建议内容"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": gettext_lazy("请填写意见建议内容")},
    )
    name = forms.CharField(label=gettext_lazy("姓名或单位名称（选填）"), required=False)
    contact = forms.CharField(
        label=gettext_lazy("联系电话或电子邮箱（选填）"),
        required=False,
        help_text=gettext_lazy("仅供改革办联系您了解情况，不公开"),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["area"].choices = [("", "—"), *((a.pk, a.name) for a in areas)]
        self.areas = {a.pk: a for a in areas}
        self.fields["title"].help_text = _("一句话概括您的意见建议（不超过 %(n)s 字）") % {
            "n": TITLE_MAX
        }
        self.fields["text"].help_text = _("不超过 %(n)s 字") % {
            "n": settings.DUCHA_OPEN_DOOR_MAX_CHARS
        }

    def clean_title(self):
        return _limited(self, "title", TITLE_MAX)

    def clean_text(self):
        return _limited(self, "text", settings.DUCHA_OPEN_DOOR_MAX_CHARS)

    def clean_name(self):
        return _limited(self, "name", NAME_MAX)

    def clean_contact(self):
        return _limited(self, "contact", CONTACT_MAX)

    def clean_area(self):
        area = self.cleaned_data.get("area")
        return self.areas.get(area) if area else None


class TriageForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("办理状态"), choices=Suggestion.State.choices, widget=forms.RadioSelect
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("办理结果"),
        choices=[("", "—"), *Suggestion.Outcome.choices],
        required=False,
        help_text=gettext_lazy("答复时选择"),
    )
    reply = forms.CharField(
        label=gettext_lazy("答复意见"),
        required=False,
        max_length=settings.DUCHA_OPEN_DOOR_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("提出人凭回执码查看；采纳和部分采纳的，连同标题在统计页公开"),
    )
    reply_due = forms.DateField(
        label=gettext_lazy("答复期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tasks = forms.CharField(
        label=gettext_lazy("关联任务"),
        required=False,
        help_text=gettext_lazy("填写本辖区台账的任务编号，多个用空格或逗号分隔"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, jurisdiction=None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.jurisdiction = jurisdiction

    def clean_tasks(self) -> list[Task]:
        codes = list(dict.fromkeys(c for c in _CODES.split(self.cleaned_data["tasks"]) if c))
        if len(codes) > 50:
            raise forms.ValidationError(_("一条意见建议最多关联 50 项任务"))
        found = {
            t.code: t for t in Task.objects.filter(jurisdiction=self.jurisdiction, code__in=codes)
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(
                _("本辖区台账中没有任务 %(codes)s") % {"codes": "、".join(c[:40] for c in missing)}
            )
        return [found[c] for c in codes]
