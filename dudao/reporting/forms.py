from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ReportSection, ReportSource
from .services import SECTION_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportCreateForm(forms.Form):
    """What a report is drafted from: an inspection, a plan, or a period and scope (one of them)."""

    source = forms.ChoiceField(label=_("起草依据"), choices=ReportSource.choices, widget=forms.RadioSelect,
                               initial=ReportSource.INSPECTION)
    inspection = forms.TypedChoiceField(label=_("检查"), coerce=int, required=False, empty_value=None)
    plan = forms.TypedChoiceField(label=_("督导计划"), coerce=int, required=False, empty_value=None)
    scope_unit = forms.TypedChoiceField(label=_("范围"), coerce=int, required=False, empty_value=None)
    period_start = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    title = forms.CharField(label=_("标题(可选,留空自动生成)"), max_length=200, required=False)

    def __init__(self, *args, inspections=(), plans=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].choices = [("", "—"), *inspections]
        self.fields["plan"].choices = [("", "—"), *plans]
        self.fields["scope_unit"].choices = [("", "—"), *units]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        required = {
            ReportSource.INSPECTION: ["inspection"],
            ReportSource.PLAN: ["plan"],
            ReportSource.PERIOD: ["scope_unit", "period_start", "period_end"],
        }.get(source, [])
        for name in required:
            if data.get(name) in (None, ""):
                self.add_error(name, _("请填写此项"))
        return data


class ReportEditForm(forms.Form):
    """A draft's title and section texts."""

    title = forms.CharField(label=_("标题"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for section in ReportSection:
            self.fields[section.value] = forms.CharField(
                label=section.label, required=False, max_length=SECTION_MAX, widget=forms.Textarea(attrs={"rows": 6}),
            )

    def sections(self) -> dict[str, str]:
        return {section.value: self.cleaned_data.get(section.value, "") for section in ReportSection}


class BulletinCreateForm(forms.Form):
    scope_unit = forms.TypedChoiceField(label=_("范围"), coerce=int)
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_unit"].choices = list(units)
