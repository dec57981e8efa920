from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dudao.checklists.models import Template
from dudao.org.models import Person, Unit

from .choices import PlanKind, ScheduleFrequency, VisitMode, Weekday, WeekOfMonth
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


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    """A recurring visit: which unit, by whom, how often. Fields a frequency does not read are ignored
    (the service clears them); field names are the API's, so a refusal lands on its field."""

    unit_id = forms.ModelChoiceField(label=_("机构"), queryset=Unit.objects.none())
    supervisor_id = forms.ModelChoiceField(label=_("督导"), queryset=Person.objects.none())
    frequency = forms.ChoiceField(label=_("频次"), choices=ScheduleFrequency.choices,
                                  initial=ScheduleFrequency.WEEKLY)
    weekday = forms.TypedChoiceField(label=_("星期"), choices=[("", "—"), *Weekday.choices], coerce=int,
                                     empty_value=None, required=False,
                                     help_text=_("每周、每隔数周,以及每月“第几个周几”时填写。"))
    interval_weeks = forms.IntegerField(label=_("间隔周数"), min_value=2, max_value=26, required=False,
                                        help_text=_("每隔数周时填写,例如 2 表示隔一周一次。"))
    anchor_on = forms.DateField(label=_("起算日期"), widget=_date_input(), required=False,
                                help_text=_("每隔数周从这一天所在的周开始计算;不填则从开始日期算起。"))
    day_of_month = forms.IntegerField(label=_("几号"), min_value=1, max_value=31, required=False,
                                      help_text=_("每月或每季度的几号;31 号在小月取当月最后一天。"))
    week_of_month = forms.TypedChoiceField(label=_("第几个周几"), choices=[("", "—"), *WeekOfMonth.choices],
                                           coerce=int, empty_value=None, required=False,
                                           help_text=_("每月按“第几个周几”时选择,与“几号”二选一。"))
    month_of_quarter = forms.TypedChoiceField(
        label=_("季度第几个月"), choices=[("", "—"), (1, _("第一个月")), (2, _("第二个月")), (3, _("第三个月"))],
        coerce=int, empty_value=None, required=False)
    template_id = forms.ModelChoiceField(label=_("检查标准"), queryset=Template.objects.none(), required=False,
                                         help_text=_("不选则使用默认的检查标准。"))
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices, initial=VisitMode.ON_SITE)
    starts_on = forms.DateField(label=_("开始日期"), widget=_date_input())
    ends_on = forms.DateField(label=_("结束日期"), widget=_date_input(), required=False,
                              help_text=_("不填表示长期有效。"))

    def __init__(self, *args, units=None, supervisors=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit_id"].label_from_instance = _unit_label
        self.fields["supervisor_id"].queryset = supervisors if supervisors is not None else Person.objects.none()
        self.fields["template_id"].queryset = templates if templates is not None else Template.objects.none()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": data["unit_id"], "supervisor": data["supervisor_id"], "template": data["template_id"],
            "mode": data["mode"], "frequency": data["frequency"], "weekday": data["weekday"],
            "interval_weeks": data["interval_weeks"], "anchor_on": data["anchor_on"],
            "day_of_month": data["day_of_month"], "week_of_month": data["week_of_month"],
            "month_of_quarter": data["month_of_quarter"], "starts_on": data["starts_on"], "ends_on": data["ends_on"],
        }


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=_date_input())
    name = forms.CharField(label=_("名称"), max_length=60)
    workday = forms.BooleanField(label=_("调休上班"), required=False,
                                 help_text=_("勾选表示这一天(通常是周末)调休上班,是工作日。"))
