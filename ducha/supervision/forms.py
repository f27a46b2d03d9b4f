from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.ratings.display import MARKS
from ducha.supervision.models import Rule, Step

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DraftForm(forms.Form):
    """What the office reviews before issuing: the requirements and the answer's deadline."""

    requirements = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 4}))
    due_on = forms.DateField(label=_("反馈期限"), widget=DATE)


class NewNoticeForm(DraftForm):
    """A notice written by hand for a task of the office's own ledger."""

    task = forms.CharField(label=_("任务编号"), max_length=32)
    reason = forms.CharField(
        label=_("督办事由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写入通知正文，例如：节点目标逾期未完成，工作进展缓慢"),
    )

    field_order = ["task", "reason", "requirements", "due_on"]


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label=_("新的反馈期限（可选）"), required=False, widget=DATE)


class AcceptForm(forms.Form):
    comment = forms.CharField(label=_("审核意见（可选）"), required=False, max_length=2000)


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("整改反馈"), widget=forms.Textarea(attrs={"rows": 8}))


class DismissForm(forms.Form):
    note = forms.CharField(label=_("不予采纳的理由（可选）"), required=False, max_length=2000)


def mark_choices():
    return [(key, m.name) for key, m in MARKS.items()]


class RuleForm(forms.ModelForm):
    """A rung changed: its number, its deduction, on or off."""

    class Meta:
        model = Rule
        fields = ["count", "deduction", "active"]

    def clean_count(self):
        count = self.cleaned_data["count"]
        if not 1 <= count <= 12:
            raise forms.ValidationError(_("N 应在 1 到 12 之间"))
        return count

    def clean_deduction(self):
        value = self.cleaned_data["deduction"]
        if value < 0:
            raise forms.ValidationError(_("扣分不能为负数"))
        return value


class NewRuleForm(RuleForm):
    """A rung added: its condition, mark and step too."""

    mark = forms.ChoiceField(label=_("等次"), choices=mark_choices, required=False)
    step = forms.ChoiceField(label=_("措施"), choices=Step.choices)

    class Meta:
        model = Rule
        fields = ["kind", "mark", "count", "step", "deduction", "active"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Rule.Kind.NODE_OVERDUE:
            data["mark"] = ""
        elif not data.get("mark"):
            self.add_error("mark", _("请选择等次"))
        return data
