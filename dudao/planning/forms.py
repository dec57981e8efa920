from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dudao.checklists.models import Template
from dudao.org.models import Person, Unit

from .choices import PlanKind, VisitMode
from .periods import plan_period


def _unit_label(unit) -> str:
    return f"{'—' * unit.depth} {unit.name}"


class PlanForm(forms.Form):
    """A new plan: its kind and any day in its period give the period (a week runs Monday to Sunday)."""

    kind = forms.ChoiceField(label=_("计划类型"), choices=PlanKind.choices, initial=PlanKind.WEEK)
    day = forms.DateField(label=_("计划期间内的任意一天"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          help_text=_("周计划为该日所在的周一至周日;月度、季度、年度计划同理。"))
    scope_unit = forms.ModelChoiceField(label=_("督导范围"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("标题"), max_length=200, required=False,
                            help_text=_("不填则自动生成,例如“华东区 2026年第48周督导计划”。"))
    focus = forms.CharField(label=_("督导重点"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            max_length=5000)
    methods = forms.MultipleChoiceField(label=_("督导方式"), choices=VisitMode.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple, initial=[VisitMode.ON_SITE])

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["scope_unit"].label_from_instance = _unit_label

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("day"):
            data["period_start"], data["period_end"] = plan_period(data["kind"], data["day"])
            if not data.get("title") and data.get("scope_unit"):
                data["title"] = default_title(data["kind"], data["period_start"], data["scope_unit"])
        return data


def default_title(kind: str, start: dt.date, scope_unit) -> str:
    if kind == PlanKind.WEEK:
        period = gettext("%(year)s年第%(week)s周") % {"year": start.isocalendar()[0], "week": start.isocalendar()[1]}
    elif kind == PlanKind.MONTH:
        period = gettext("%(year)s年%(month)s月") % {"year": start.year, "month": start.month}
    elif kind == PlanKind.QUARTER:
        period = gettext("%(year)s年第%(quarter)s季度") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    else:
        period = gettext("%(year)s年度") % {"year": start.year}
    return gettext("%(scope)s %(period)s督导计划") % {"scope": scope_unit.name, "period": period}


class VisitForm(forms.Form):
    """One visit added by hand on the plan page."""

    unit = forms.ModelChoiceField(label=_("机构"), queryset=Unit.objects.none())
    supervisor = forms.ModelChoiceField(label=_("督导"), queryset=Person.objects.none())
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    template = forms.ModelChoiceField(label=_("检查标准"), queryset=Template.objects.none(), required=False)
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices, initial=VisitMode.ON_SITE)

    def __init__(self, *args, units=None, supervisors=None, templates=None, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = _unit_label
        self.fields["supervisor"].queryset = supervisors if supervisors is not None else Person.objects.none()
        self.fields["template"].queryset = templates if templates is not None else Template.objects.none()
        if period:
            self.fields["date"].widget.attrs.update(min=period[0].isoformat(), max=period[1].isoformat())


class ProposalParamsForm(forms.Form):
    """Who will visit, with which standard: the inputs of a proposal."""

    supervisors = forms.ModelMultipleChoiceField(
        label=_("参与督导"), queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    template = forms.ModelChoiceField(label=_("检查标准"), queryset=Template.objects.none(), required=False)
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices, initial=VisitMode.ON_SITE)

    def __init__(self, *args, supervisors=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisors"].queryset = supervisors if supervisors is not None else Person.objects.none()
        self.fields["template"].queryset = templates if templates is not None else Template.objects.none()


class ProposedVisitForm(forms.Form):
    """One row of a proposal the supervisor may keep, change or drop before saving."""

    keep = forms.BooleanField(label=_("保留"), required=False, initial=True)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), widget=forms.HiddenInput)
    supervisor = forms.ModelChoiceField(label=_("督导"), queryset=Person.objects.none())
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    template = forms.ModelChoiceField(label=_("检查标准"), queryset=Template.objects.none(), required=False)
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices)

    def __init__(self, *args, units=None, supervisors=None, templates=None, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["supervisor"].queryset = supervisors if supervisors is not None else Person.objects.none()
        self.fields["template"].queryset = templates if templates is not None else Template.objects.none()
        if period:
            self.fields["date"].widget.attrs.update(min=period[0].isoformat(), max=period[1].isoformat())


ProposedVisitFormSet = forms.formset_factory(ProposedVisitForm, extra=0, max_num=2000, absolute_max=2000)
