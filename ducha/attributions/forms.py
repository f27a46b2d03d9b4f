from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.attributions.models import Attribution
from ducha.ratings.display import MARKS


class ClaimForm(forms.Form):
    """The lead unit's claim: which node, which cooperating unit, why."""

    node = forms.TypedChoiceField(label=_("延误的节点"), coerce=int)
    unit = forms.TypedChoiceField(label=_("造成延误的配合单位"), coerce=int)
    reason = forms.CharField(
        label=_("延误原因"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明配合单位应做而未做的事项、时间和对节点的影响"),
    )

    def __init__(self, *args, nodes=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [(n.pk, f"{n.code} {n.title}") for n in nodes]
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class AnswerForm(forms.Form):
    stance = forms.ChoiceField(
        label=_("意见"), choices=Attribution.Stance.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("回复说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class DecideForm(forms.Form):
    ACCEPT, REJECT = "accept", "reject"

    outcome = forms.ChoiceField(
        label=_("认定结果"),
        choices=[(ACCEPT, _("认定（调整评价）")), (REJECT, _("不予认定"))],
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(
        label=_("认定后的评价"),
        required=False,
        help_text=_("认定时按所选评价调整该月评价；预选为按规则计算的评价"),
    )
    decision = forms.CharField(
        label=_("认定意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("认定时写入评价调整理由，随公示发布"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [("", "—"), *((k, m.name) for k, m in MARKS.items())]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == self.ACCEPT and not data.get("rating"):
            self.add_error("rating", _("认定时请选择调整后的评价"))
        return data
