from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class MeetingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("会议名称"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("会议日期"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class MinutesForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("会议纪要"), widget=forms.Textarea(attrs={"rows": 8}), required=False)


class ActionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("事项"), max_length=300, required=False)
    owner_id = forms.TypedChoiceField(label=gettext_lazy("负责人"), coerce=int, required=False, empty_value=None)
    due_date = forms.DateField(label=gettext_lazy("完成期限"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", "—")] + [(p.pk, p.display_name) for p in people]
