from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.org.models import Unit

from .choices import ApprovalKind, Decision

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input (quotes, photos of the damaged asset, the activity plan)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("最多上传 %(n)s 个附件") % {"n": MAX_FILES})
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


# What each request form asks besides title, amount and unit; the answers go into `detail`.
KIND_FIELDS = {
    ApprovalKind.PURCHASE: [
        ("items", lambda: forms.CharField(label=_("申购物品(名称、规格、数量)"), widget=forms.Textarea(attrs={"rows": 3}),
                                          max_length=2000)),
        ("reason", lambda: forms.CharField(label=_("申购理由"), widget=forms.Textarea(attrs={"rows": 2}),
                                           max_length=2000)),
        ("supplier", lambda: forms.CharField(label=_("供应商(可选)"), required=False, max_length=200)),
    ],
    ApprovalKind.ASSET_WRITE_OFF: [
        ("asset_name", lambda: forms.CharField(label=_("资产名称"), max_length=200)),
        ("asset_code", lambda: forms.CharField(label=_("资产编号(可选)"), required=False, max_length=100)),
        ("reason", lambda: forms.CharField(label=_("报损原因"), widget=forms.Textarea(attrs={"rows": 3}),
                                           max_length=2000)),
    ],
    ApprovalKind.CONSUMABLES_WRITE_OFF: [
        ("items", lambda: forms.CharField(label=_("报损物品(名称、规格、数量)"), widget=forms.Textarea(attrs={"rows": 3}),
                                          max_length=2000)),
        ("reason", lambda: forms.CharField(label=_("报损原因"), widget=forms.Textarea(attrs={"rows": 2}),
                                           max_length=2000)),
    ],
    ApprovalKind.ACTIVITY_FUNDS: [
        ("activity", lambda: forms.CharField(label=_("活动名称"), max_length=200)),
        ("activity_date", lambda: forms.DateField(label=_("活动日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))),
        ("participants", lambda: forms.IntegerField(label=_("参与人数"), min_value=1, max_value=100000,
                                                    required=False)),
        ("purpose", lambda: forms.CharField(label=_("经费用途"), widget=forms.Textarea(attrs={"rows": 3}),
                                            max_length=2000)),
    ],
    ApprovalKind.TARGET_REVISION: [
        ("target_of", lambda: forms.CharField(label=_("指标对象(人员或机构)"), max_length=200)),
        ("kpi", lambda: forms.CharField(label=_("指标"), max_length=200)),
        ("target_period", lambda: forms.CharField(label=_("指标期间(如 2026-12、2026-Q4)"), max_length=20)),
        ("current_value", lambda: forms.DecimalField(label=_("原指标值"), max_digits=14, decimal_places=2)),
        ("requested_value", lambda: forms.DecimalField(label=_("修正为"), max_digits=14, decimal_places=2)),
        ("reason", lambda: forms.CharField(label=_("修正理由"), widget=forms.Textarea(attrs={"rows": 3}),
                                           max_length=2000)),
    ],
    ApprovalKind.RECRUITMENT_PLAN: [
        ("month", lambda: forms.CharField(label=_("招募月份(如 2026-12)"), max_length=7)),
        ("positions", lambda: forms.CharField(label=_("岗位及人数"), widget=forms.Textarea(attrs={"rows": 3}),
                                              max_length=2000)),
        ("headcount", lambda: forms.IntegerField(label=_("合计人数"), min_value=1, max_value=10000)),
        ("reason", lambda: forms.CharField(label=_("招募理由"), widget=forms.Textarea(attrs={"rows": 2}),
                                           max_length=2000)),
    ],
}

# Short labels for showing a request's detail (the form's labels explain what to write).
DETAIL_LABELS = {
    "items": _("申购物品"),
    "reason": _("理由"),
    "supplier": _("供应商"),
    "asset_name": _("资产名称"),
    "asset_code": _("资产编号"),
    "activity": _("活动名称"),
    "activity_date": _("活动日期"),
    "participants": _("参与人数"),
    "purpose": _("经费用途"),
    "target_of": _("指标对象"),
    "kpi": _("指标"),
    "target_period": _("指标期间"),
    "current_value": _("原指标值"),
    "requested_value": _("修正为"),
    "month": _("招募月份"),
    "positions": _("岗位及人数"),
    "headcount": _("合计人数"),
    # Rectification extensions (made by findings).
    "finding_title": _("问题"),
    "previous_due_date": _("原整改期限"),
    "requested_due_date": _("申请延至"),
    # Requests made by other apps (plans, reports).
    "period": _("计划期间"),
    "visits": _("走访次数"),
    "problems": _("未满足的覆盖要求"),
    "period_start": _("开始日期"),
    "period_end": _("结束日期"),
    # Appraisal results and appeals (made by appraisal).
    "appraisal_cycle": _("考核周期"),
    "appraisees": _("被考核人及结果"),
    "bonus_total": _("奖金合计"),
    "results_due_on": _("结果截止日"),
    "first_step": _("第一步"),
    # Violation appeals (made by discipline).
    "fine": _("罚款（元）"),
    "card": _("牌"),
}

AMOUNT_LABELS = {
    ApprovalKind.PURCHASE: _("申购金额(元)"),
    ApprovalKind.ASSET_WRITE_OFF: _("损失金额(元)"),
    ApprovalKind.CONSUMABLES_WRITE_OFF: _("损失金额(元)"),
    ApprovalKind.ACTIVITY_FUNDS: _("申请经费(元)"),
}


class ApprovalRequestForm(forms.Form):
    """A request of one requestable kind; kind-specific fields go into `detail`. Kinds routed by
    amount ask for it; the others (target revision, recruitment plan) have no amount."""

    unit = forms.ModelChoiceField(label=_("申请机构"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("标题"), max_length=200)
    amount = forms.DecimalField(label=_("金额(元)"), min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args, kind: str, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda unit: f"{'—' * unit.depth} {unit.name}"
        if kind in AMOUNT_LABELS:
            self.fields["amount"].label = AMOUNT_LABELS[kind]
        else:
            del self.fields["amount"]
        for name, make in KIND_FIELDS[kind]:
            self.fields[name] = make()
        self.fields["files"] = MultipleFileField(
            label=_("附件(报价单、照片或 PDF,可多选)"),
        )

    def detail(self) -> dict:
        data = {}
        for name, _make in KIND_FIELDS[self.kind]:
            value = self.cleaned_data.get(name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            if value not in (None, ""):
                data[name] = value
        return data


class DecisionForm(forms.Form):
    """A decision on the current step: the comment, and the button pressed (同意 or 驳回)."""

    decision = forms.ChoiceField(label=_("审批结果"), choices=Decision.choices)
    comment = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=2000)
