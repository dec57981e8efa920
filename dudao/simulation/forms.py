"""The simulation form: the period, the draft overrides (the complete set, as a policy version
stores them) and two quick values most people change first (the pass marks)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.core.errors import ApplicationError
from dudao.core.numbers import parse_number
from dudao.policies.registry import deep_merge


class SimulationForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    inspection_pass_mark = forms.CharField(
        label=_("检查合格分"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("留空则按下方覆盖值"))
    evaluation_pass_mark = forms.CharField(
        label=_("综合评估合格分"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("留空则按下方覆盖值;低于此分的门店列为重点整改对象"))
    overrides = forms.CharField(
        label=_("制度覆盖值(JSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "json"}),
        help_text=_("与制度包不同的全部取值,与保存制度版本时相同;例如 {\"findings\": {\"due_days\": {\"high\": 5}}}"))

    def _mark(self, name: str):
        raw = self.cleaned_data.get(name)
        if raw in (None, ""):
            return None
        try:
            value = parse_number(raw, name)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.detail["fields"][name][0]) from None
        return int(value) if value == value.to_integral_value() else float(value)

    def clean_inspection_pass_mark(self):
        return self._mark("inspection_pass_mark")

    def clean_evaluation_pass_mark(self):
        return self._mark("evaluation_pass_mark")

    def clean_overrides(self):
        raw = (self.cleaned_data.get("overrides") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON:%(error)s") % {"error": exc}) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("必须是对象(键值表)"))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", _("开始日期不能晚于结束日期"))
        return data

    def draft_overrides(self) -> dict:
        """The overrides with the quick pass marks laid over them."""
        data = self.cleaned_data
        quick: dict = {}
        if data.get("inspection_pass_mark") is not None:
            quick["inspections"] = {"pass_mark": data["inspection_pass_mark"]}
        if data.get("evaluation_pass_mark") is not None:
            quick["evaluation"] = {"pass_mark": data["evaluation_pass_mark"]}
        return deep_merge(data.get("overrides") or {}, quick)


class SaveForm(forms.Form):
    overrides = forms.CharField(widget=forms.HiddenInput)
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_overrides(self):
        try:
            value = json.loads(self.cleaned_data["overrides"])
        except ValueError:
            raise forms.ValidationError(_("不是有效的 JSON")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("必须是对象(键值表)"))
        return value
