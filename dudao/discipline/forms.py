from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.findings.forms import PhotosField

from .choices import ViolationKind


class ViolationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("机构"), queryset=None)
    person = forms.ModelChoiceField(label=_("当事人"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=ViolationKind.choices)
    occurred_at = forms.DateTimeField(label=_("发生时间"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M"))
    witness = forms.ModelChoiceField(label=_("证明人"), queryset=None)
    card = forms.ChoiceField(label=_("牌"), required=False)
    fine = forms.DecimalField(label=_("罚款（元）"), required=False, min_value=0, max_digits=9, decimal_places=2,
                              help_text=_("留空按制度默认金额"))
    description = forms.CharField(label=_("经过"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("证据照片"))

    def __init__(self, *args, units=None, people=None, witnesses=None, cards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["person"].queryset = people
        self.fields["witness"].queryset = witnesses
        self.fields["card"].choices = [("", _("不出牌")), *cards]


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("复议理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
