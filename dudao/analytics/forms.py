"""Forms of the analytics pages: dashboard filters, the evaluation month, a review decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ReviewCaseStatus, ReviewDecision


class DashboardFilterForm(forms.Form):
    """Scope and period; every field optional (defaults: all the person reads, this month)."""

    scope = forms.TypedChoiceField(label=_("范围"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("开始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("结束日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, scope_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [("", _("我的全部范围")), *scope_choices]


class MonthForm(forms.Form):
    month = forms.CharField(label=_("评估月份"), required=False,
                            widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}))
    key_targets = forms.BooleanField(label=_("只看重点整改对象"), required=False)


class RunForm(forms.Form):
    month = forms.CharField(label=_("评估月份"), widget=forms.DateInput(attrs={"type": "month"}))


class ReviewCaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *ReviewCaseStatus.choices], required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("评议决定"), choices=ReviewDecision.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("评议意见"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 4}))
