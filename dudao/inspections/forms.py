"""Forms of the inspection pages: start, list filters, acknowledgement, follow-up."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.checklists.models import Template
from dudao.org.models import Person, Unit

from .choices import InspectionMode, InspectionStatus


def new_client_id() -> str:
    """A fresh idempotency key for one form: a double-tap posts it twice and gets one inspection."""
    return uuid.uuid4().hex


class StartForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("被检机构"), queryset=Unit.objects.none(), empty_label=_("请选择门店"))
    template = forms.ModelChoiceField(
        label=_("检查标准"), queryset=Template.objects.none(), empty_label=_("请选择检查标准")
    )
    mode = forms.ChoiceField(label=_("方式"), choices=InspectionMode.choices, initial=InspectionMode.ON_SITE,
                             widget=forms.RadioSelect)
    performed_at = forms.DateTimeField(
        label=_("检查时间"), required=False, help_text=_("补录时填写实际检查时间;留空即为现在。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # Filled by the page's script from the browser's position (WGS-84).
    latitude = forms.DecimalField(required=False, min_value=-90, max_value=90, decimal_places=6,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, min_value=-180, max_value=180, decimal_places=6,
                                   widget=forms.HiddenInput)
    location_accuracy_m = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)
    location_reason = forms.CharField(
        label=_("定位说明"), required=False, max_length=500,
        help_text=_("无法定位或不在门店范围内时,写明原因(例如:地下室无信号、门店坐标有误)。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units=None, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["template"].queryset = templates if templates is not None else Template.objects.none()
        self.fields["template"].label_from_instance = lambda t: f"{t.name} v{t.version}"


class InspectionFilterForm(forms.Form):
    """The list's filters; every field optional, bad values are simply ignored by the view."""

    unit = forms.ModelChoiceField(label=_("机构"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("全部"))
    region = forms.ModelChoiceField(label=_("区域"), queryset=Unit.objects.none(), required=False,
                                    empty_label=_("全部"))
    template = forms.ModelChoiceField(label=_("检查标准"), queryset=Template.objects.none(), required=False,
                                      empty_label=_("全部"))
    inspector = forms.ModelChoiceField(label=_("督导"), queryset=Person.objects.none(), required=False,
                                       empty_label=_("全部"))
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *InspectionStatus.choices],
                               required=False)
    date_from = forms.DateField(label=_("开始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("结束日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    score_min = forms.DecimalField(label=_("最低分"), required=False, min_value=0, max_value=100,
                                   decimal_places=1, widget=forms.NumberInput(attrs={"step": "0.1"}))
    score_max = forms.DecimalField(label=_("最高分"), required=False, min_value=0, max_value=100,
                                   decimal_places=1, widget=forms.NumberInput(attrs={"step": "0.1"}))

    def __init__(self, *args, units=None, regions=None, templates=None, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["region"].queryset = regions if regions is not None else Unit.objects.none()
        self.fields["template"].queryset = templates if templates is not None else Template.objects.none()
        self.fields["inspector"].queryset = inspectors if inspectors is not None else Person.objects.none()

    def selector_filters(self) -> dict:
        """The cleaned filters as `selectors.inspection_list` keywords (invalid fields left out)."""
        data = getattr(self, "cleaned_data", {})
        filters = {
            "unit_id": data.get("unit").pk if data.get("unit") else None,
            "region_id": data.get("region").pk if data.get("region") else None,
            "template_id": data.get("template").pk if data.get("template") else None,
            "inspector_id": data.get("inspector").pk if data.get("inspector") else None,
            "status": data.get("status") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "score_min": data.get("score_min"),
            "score_max": data.get("score_max"),
        }
        return filters


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=_("签收意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    mode = forms.ChoiceField(choices=InspectionMode.choices, initial=InspectionMode.ON_SITE, required=False)
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    latitude = forms.DecimalField(required=False, min_value=-90, max_value=90, decimal_places=6,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, min_value=-180, max_value=180, decimal_places=6,
                                   widget=forms.HiddenInput)
    location_accuracy_m = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)
    location_reason = forms.CharField(required=False, max_length=500)
