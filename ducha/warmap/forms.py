from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.lib.months import format_month, parse_month
from ducha.org.models import Unit
from ducha.warmap.models import CommandPost, Phase, Project, ServiceTeam


class ProjectForm(forms.ModelForm):
    """A project of the office's own jurisdiction: every choice is of it."""

    start = forms.CharField(
        label=_("起始月份"),
        required=False,
        max_length=7,
        help_text=_("写作 YYYY-MM；空白时为最早阶段完成时限所在年度的1月"),
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "post",
            "team",
            "unit",
            "location",
            "investment",
            "annual_investment",
            "plan_year",
            "status",
            "scope",
        ]
        labels = {
            "code": _("项目编号"),
            "name": _("项目名称"),
            "post": _("作战指挥部"),
            "team": _("服务专班"),
            "unit": _("责任单位"),
            "location": _("建设地点"),
            "investment": _("计划总投资（万元）"),
            "annual_investment": _("年度计划投资（万元）"),
            "plan_year": _("计划年度"),
            "status": _("状态"),
            "scope": _("建设内容"),
        }
        widgets = {"scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, jurisdiction_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction_id = jurisdiction_id
        self.fields["post"].queryset = CommandPost.objects.filter(jurisdiction_id=jurisdiction_id)
        self.fields["team"].queryset = ServiceTeam.objects.filter(jurisdiction_id=jurisdiction_id)
        self.fields["unit"].queryset = Unit.objects.filter(
            jurisdiction_id=jurisdiction_id, is_active=True
        )
        if self.instance.start_month and not self.is_bound:
            self.initial["start"] = format_month(self.instance.start_month)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        taken = Project.objects.filter(jurisdiction_id=self.jurisdiction_id, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("项目编号 %(code)s 已被使用") % {"code": code})
        return code

    def clean_start(self):
        text = self.cleaned_data["start"].strip()
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError:
            raise forms.ValidationError(_("应写作 YYYY-MM，例如 2021-06")) from None

    def clean_plan_year(self):
        year = self.cleaned_data["plan_year"]
        if year is not None and not 2000 <= year <= 2100:
            raise forms.ValidationError(_("%(year)s 不是可用的年份") % {"year": year})
        return year

    def clean_investment(self):
        return _not_negative(self.cleaned_data["investment"])

    def clean_annual_investment(self):
        return _not_negative(self.cleaned_data["annual_investment"])

    def save(self, commit=True):
        self.instance.start_month = self.cleaned_data.get("start")
        return super().save(commit)


def _not_negative(value):
    if value is not None and value < 0:
        raise forms.ValidationError(_("不能为负数"))
    return value


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["code", "kind", "title", "planned_start", "planned_end", "order"]
        labels = {
            "code": _("阶段编号"),
            "kind": _("类型"),
            "title": _("阶段目标"),
            "planned_start": _("计划开始"),
            "planned_end": _("计划完成"),
            "order": _("排序"),
        }
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.instance.project = project

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        taken = Phase.objects.filter(project=self.project, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("阶段编号 %(code)s 已被使用") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("计划完成不能早于计划开始"))
        return data
