import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ducha.lib import clock
from ducha.lib.months import FIRST_YEAR

ASCII_NUMBER = re.compile(r"[0-9]{1,9}")
QUARTERS = [
    ("", _("全年")),
    ("1", _("第一季度")),
    ("2", _("第二季度")),
    ("3", _("第三季度")),
    ("4", _("第四季度")),
]
GROUPINGS = [
    ("unit", _("牵头单位")),
    ("area", _("领域")),
    ("leader", _("分管市领导")),
    ("county", _("县市区")),
]
# The public table ranks units, areas and counties; the city leaders' own tables are not
# published here.
PUBLIC_GROUPINGS = [g for g in GROUPINGS if g[0] in ("unit", "area", "county")]


def default_year() -> int:
    """The year of the last month that has ended (last year's table in January)."""
    today = clock.today()
    return today.year if today.month > 1 else today.year - 1


class FilterForm(forms.Form):
    """The table's period and grouping, read from the query; what was typed is shown again
    with what is wrong when it cannot be read."""

    # A text box, so that whatever was typed is shown again as typed.
    year = forms.IntegerField(label=_("年度"), min_value=FIRST_YEAR, widget=forms.TextInput)
    quarter = forms.TypedChoiceField(
        label=_("季度"), choices=QUARTERS, coerce=int, empty_value=None, required=False
    )
    by = forms.ChoiceField(label=_("排名对象"), choices=GROUPINGS, required=False)

    def __init__(self, query, groupings=GROUPINGS):
        data = {
            "year": query.get("year", "").strip() or default_year(),
            "quarter": query.get("quarter", "").strip(),
            "by": query.get("by", "").strip() or "unit",
        }
        super().__init__(data)
        self.fields["by"].choices = groupings
        self.fields["year"].widget.attrs.update({"inputmode": "numeric", "size": 6})

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not ASCII_NUMBER.fullmatch(str(self.data["year"])):  # int() reads ２０２１ and ٢٠٢١
            raise forms.ValidationError(_("请用半角数字填写年度，例如 2021"))
        if year > clock.today().year:
            raise forms.ValidationError(_("年度不能晚于今年"))
        return year

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or "unit"

    def problems(self) -> str:
        """Every error in one sentence, each after its field's name."""
        return "；".join(
            f"{self.fields[name].label}：{'，'.join(errors)}"
            for name, errors in self.errors.items()
        )


class PolicyForm(forms.Form):
    min_rated = forms.IntegerField(
        label=_("参与排名的最少评定任务月数"), min_value=0, max_value=999, required=False
    )
    public = forms.BooleanField(label=_("向社会公开考核得分（只含已发布的月份）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_rated"].help_text = _("空白时用系统默认（%(n)s 个）") % {
            "n": settings.DUCHA_SCORES_MIN_RATED
        }
