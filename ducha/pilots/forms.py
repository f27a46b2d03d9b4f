import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ducha.ledger.models import Task
from ducha.lib import clock
from ducha.org.models import Area, Unit
from ducha.pilots.models import Pilot, Practice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


class PilotForm(forms.ModelForm):
    """A pilot as the office registers it; its linked ledger tasks are typed as codes of the
    jurisdiction's ledger (a list of 186 tasks is no choice to scroll)."""

    task_codes = forms.CharField(
        label=_("关联改革任务"),
        required=False,
        max_length=2000,
        help_text=_("填写本级台账的任务编号，多个用逗号或空格分隔"),
    )

    class Meta:
        model = Pilot
        fields = [
            "title",
            "level",
            "approving_body",
            "approval_number",
            "approved_on",
            "area",
            "lead_unit",
            "evaluation_due",
            "evaluation_summary",
        ]
        labels = {
            "title": _("试点名称"),
            "level": _("试点层级"),
            "approving_body": _("批准单位"),
            "approval_number": _("批复文号"),
            "approved_on": _("批复日期"),
            "area": _("领域"),
            "lead_unit": _("牵头单位"),
            "evaluation_due": _("评估期限"),
            "evaluation_summary": _("评估结论"),
        }
        help_texts = {
            "approving_body": _("例如：国家发展改革委、省委改革办"),
            "evaluation_due": _("到期前和逾期未评估时，系统提醒牵头单位和改革办"),
        }
        widgets = {
            "approved_on": DATE,
            "evaluation_due": DATE,
            "evaluation_summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, jurisdiction, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        # Active units, and the one leading it now even if it has since been deactivated.
        self.fields["lead_unit"].queryset = Unit.objects.filter(jurisdiction=jurisdiction).filter(
            Q(is_active=True) | Q(pk=self.instance.lead_unit_id)
        )
        self.fields["area"].queryset = Area.objects.all()
        if self.instance.pk and "task_codes" not in self.initial:
            codes = self.instance.tasks.order_by("code").values_list("code", flat=True)
            self.initial["task_codes"] = "，".join(codes)
        self.tasks: list[Task] = []

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        same = Pilot.objects.filter(jurisdiction=self.jurisdiction, title=title)
        if same.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("本辖区已有同名的改革试点"))
        return title

    def clean_approved_on(self):
        day = self.cleaned_data["approved_on"]
        if day > clock.today():
            raise forms.ValidationError(gettext("批复日期不能晚于今天"))
        return day

    def clean_task_codes(self):
        codes = list(
            dict.fromkeys(c for c in _SEPARATORS.split(self.cleaned_data["task_codes"]) if c)
        )
        found = {
            t.code: t
            for t in Task.objects.filter(jurisdiction=self.jurisdiction, code__in=codes[:200])
        }
        missing = [c for c in codes if c not in found]
        if missing:
            shown = "、".join(missing[:10])
            raise forms.ValidationError(
                gettext("本级台账中没有这些任务编号：%(codes)s") % {"codes": shown}
            )
        self.tasks = [found[c] for c in codes]
        return "，".join(codes)

    def clean(self):
        data = super().clean()
        approved, due = data.get("approved_on"), data.get("evaluation_due")
        if approved and due and due < approved:
            self.add_error("evaluation_due", gettext("评估期限不能早于批复日期"))
        return data


class StepForm(forms.Form):
    """One status step: the status it goes to, the day it was reached, and for an evaluation
    its conclusion."""

    to = forms.ChoiceField(
        label=_("目标状态"), choices=Pilot.Status.choices, widget=forms.HiddenInput
    )
    on = forms.DateField(label=_("日期"), required=False, widget=DATE)
    summary = forms.CharField(
        label=_("评估结论"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PracticeForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = ["title", "description", "scope", "promoted_on"]
        labels = {
            "title": _("经验名称"),
            "description": _("主要做法"),
            "scope": _("推广范围"),
            "promoted_on": _("推广日期"),
        }
        help_texts = {"scope": _("例如：在全市推广、被省委改革办印发推广")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "promoted_on": DATE,
        }

    def clean_promoted_on(self):
        day = self.cleaned_data["promoted_on"]
        if day and day > clock.today():
            raise forms.ValidationError(gettext("推广日期不能晚于今天"))
        return day
