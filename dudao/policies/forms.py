"""The form an admin sets policy overrides with: an effective date and a JSON document."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

EXAMPLE_OVERRIDES = {"inspections": {"pass_mark": 85}, "findings": {"due_days": {"medium": 5}}}


class PolicyOverrideForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("今天或以后;同一天已有的版本会被替换。"),
    )
    overrides = forms.CharField(
        label=_("覆盖值(JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "json", "spellcheck": "false"}),
        help_text=_("与制度包不同的全部取值;未列出的键自该日起恢复为制度包的默认值。列表整体替换,对象逐键合并。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_overrides(self) -> dict:
        text = (self.cleaned_data.get("overrides") or "").strip() or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON:第 %(line)s 行第 %(column)s 列(%(reason)s)"),
                params={"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("必须是 JSON 对象,例如 {\"inspections\": {\"pass_mark\": 85}}"))
        return value


def overrides_text(overrides: dict) -> str:
    return json.dumps(overrides, ensure_ascii=False, indent=2, sort_keys=True)
