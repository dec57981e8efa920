import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.policies.choices import Severity

from .choices import MANUAL_SOURCES
from .services import MAX_ATTACHMENTS

NOTE_MAX = 4000


class PhotoInput(forms.ClearableFileInput):
    """A phone's camera or gallery: several photos at once."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", "multiple": True, **(attrs or {})})


class PhotosField(forms.FileField):
    widget = PhotoInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("照片"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("一次最多上传 %(count)s 张照片"), params={"count": MAX_ATTACHMENTS})
        return files


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


def new_client_id() -> str:
    """A fresh idempotency key, made when a form is rendered: a double-click or a browser's retry
    posts it twice and the step is taken once."""
    return uuid.uuid4().hex


class ClientIdField(forms.CharField):
    """The hidden idempotency key of a step's form (optional: a form without one still works)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=64, initial=new_client_id, widget=forms.HiddenInput, **kwargs)


class PlanForm(forms.Form):
    measures = forms.CharField(label=_("整改措施"), max_length=NOTE_MAX, widget=_textarea(4))
    owner = forms.ModelChoiceField(label=_("整改负责人"), queryset=None)
    due_date = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, owners=None, limit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        if limit is not None:
            self.fields["due_date"].widget.attrs["max"] = limit.isoformat()
            self.fields["due_date"].help_text = _("不晚于 %(limit)s;需要更多时间请申请延期") % {"limit": limit.isoformat()}


class NoteForm(forms.Form):
    """A progress note, a submission or a comment: text and photos."""

    note = forms.CharField(label=_("说明"), max_length=NOTE_MAX, required=False, widget=_textarea())
    photos = PhotosField()
    client_id = ClientIdField()

    def __init__(self, *args, note_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if note_label:
            self.fields["note"].label = note_label


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("验收意见"), max_length=NOTE_MAX, required=False, widget=_textarea(2))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=NOTE_MAX, widget=_textarea(2))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ExtensionRequestForm(forms.Form):
    due_date = forms.DateField(label=_("申请延至"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("延期理由"), max_length=NOTE_MAX, widget=_textarea(2))
    client_id = ClientIdField()


class FindingCreateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("责任机构"), queryset=None)
    source = forms.ChoiceField(label=_("来源"))
    title = forms.CharField(label=_("问题标题"), max_length=300)
    description = forms.CharField(label=_("问题描述"), max_length=NOTE_MAX, required=False, widget=_textarea(4))
    category = forms.ChoiceField(label=_("类别"))
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.MEDIUM)
    item_code = forms.CharField(label=_("检查项编码(可选)"), max_length=50, required=False,
                                help_text=_("填写后,同一机构同一编码的问题在制度期限内再次出现时标记为重复问题"))
    photos = PhotosField()
    client_id = ClientIdField()

    def __init__(self, *args, units=None, sources=MANUAL_SOURCES, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.name}({unit.code})"
        self.fields["source"].choices = [(s.value, s.label) for s in sources]
        self.fields["category"].choices = [(c.code, c.label) for c in categories]
