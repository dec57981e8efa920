"""The small forms around the area editor: the effective date and the note of a new version.

The area's own keys are not a Django form: their inputs come from the schema (editing.py).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def next_monday(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def first_of_next_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


class VersionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("今天或以后;同一天已有的版本会被替换。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
