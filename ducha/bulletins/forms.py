from django import forms
from django.utils.translation import gettext_lazy as _


class IssueForm(forms.Form):
    file = forms.FileField(label=_("定稿的通报（.docx）"))
    number = forms.CharField(
        label=_("文号"),
        max_length=50,
        required=False,
        help_text=_("例如 德改办〔2022〕1号，可不填"),
    )
