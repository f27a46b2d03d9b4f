from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.assignments.models import Assignment
from ducha.lib import clock


class AssignForm(forms.Form):
    """The office records an instruction or a decision and assigns it to a unit."""

    kind = forms.ChoiceField(label=_("类别"), choices=Assignment.Kind.choices)
    title = forms.CharField(label=_("交办事项"), max_length=200)
    instruction = forms.CharField(
        label=_("批示或决定内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    leader = forms.TypedChoiceField(
        label=_("批示领导"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("领导批示时填写"),
    )
    origin = forms.CharField(
        label=_("来源"),
        max_length=200,
        required=False,
        help_text=_("如：市委深改委2021年第2次会议、某文件上的批示"),
    )
    unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int)
    deadline = forms.DateField(label=_("办理时限"), widget=forms.DateInput(attrs={"type": "date"}))
    task = forms.CharField(
        label=_("关联任务编号"),
        max_length=40,
        required=False,
        help_text=_("可选：与台账中的改革任务关联"),
    )

    def __init__(self, *args, units=(), leaders=(), tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *((u.pk, u.name) for u in units)]
        self.fields["leader"].choices = [("", "—"), *((x.pk, x.name) for x in leaders)]
        self.tasks = tasks  # the jurisdiction's tasks, to find the code typed

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < clock.today():
            raise forms.ValidationError(_("办理时限不能早于今天"))
        return deadline

    def clean_task(self):
        code = self.cleaned_data["task"].strip()
        if not code:
            return None
        task = self.tasks.filter(code=code).first() if self.tasks is not None else None
        if task is None:
            raise forms.ValidationError(_("台账中没有编号为 %(code)s 的任务") % {"code": code})
        return task

    def clean(self):
        data = super().clean()
        if data.get("kind") == Assignment.Kind.INSTRUCTION and not data.get("leader"):
            self.add_error("leader", _("领导批示请选择批示领导"))
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("办理情况"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明采取的措施、取得的成效和下一步打算"),
    )


class ReviewForm(forms.Form):
    CLOSE, RETURN = "close", "return"

    outcome = forms.ChoiceField(
        label=_("审核结果"),
        choices=[(CLOSE, _("办结销号")), (RETURN, _("退回重办"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("审核意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必须写明理由"),
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回时请写明理由"))
        return data
