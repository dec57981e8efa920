"""Forms of the template pages. They gather what people typed; the rules live in validation.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.policies.choices import Severity

from .choices import ItemKind
from .document import option_text, parse_option_text


class TemplateMetaForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SectionForm(forms.Form):
    title = forms.CharField(label=_("分组标题"), max_length=200)


class ItemForm(forms.Form):
    """One item as the builder edits it. Numbers stay text here so that the template validation
    (the same for every write and import) is what judges them and names the field."""

    code = forms.CharField(label=_("编码"), max_length=50, required=False)
    text = forms.CharField(label=_("检查内容"), max_length=500, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=ItemKind.choices, initial=ItemKind.CHECK)
    points = forms.CharField(
        label=_("分值"), required=False, help_text=_("合格/不合格项留空记 1 分;文字和照片项不计分"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1"}),
    )
    pass_points = forms.CharField(
        label=_("合格分"), required=False, help_text=_("低于此分为不合格;留空即为满分"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    min = forms.CharField(
        label=_("最小值"), required=False, help_text=_("只填最小值即为 ≥ 最小值"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    max = forms.CharField(
        label=_("最大值"), required=False, help_text=_("只填最大值即为 ≤ 最大值;至少填一个"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    options = forms.CharField(
        label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个选项:标签:分值,不合格的选项末尾加 :fails,例如 差:0:fails"),
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.MEDIUM)
    category = forms.ChoiceField(label=_("问题类别"), required=False)
    section = forms.TypedChoiceField(label=_("所在分组"), coerce=int, required=False)
    critical = forms.BooleanField(label=_("红线项(一票否决)"), required=False)
    photo_required = forms.BooleanField(label=_("必须拍照"), required=False)
    guidance = forms.CharField(
        label=_("检查方法/标准说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, sections=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        if sections:
            self.fields["section"].choices = [(s.pk, s.title) for s in sections]
        else:
            del self.fields["section"]
        # The organisation's finding categories; a category an import brought in stays choosable.
        choices = [("", "—"), *dict(categories).items()]
        current = self.data.get(self.add_prefix("category")) if self.is_bound else self.initial.get("category")
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["category"].choices = choices

    def clean_options(self):
        text = self.cleaned_data.get("options", "")
        try:
            return parse_option_text(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("选项 %(option)s 格式不对:应为 标签:分值[:fails]") % {"option": str(exc)}
            ) from None

    def item_data(self) -> dict:
        """The item as the template validation reads it."""
        data = {key: self.cleaned_data.get(key) for key in (
            "code", "text", "guidance", "kind", "points", "pass_points", "min", "max", "options", "severity",
            "critical", "photo_required", "category")}
        return data

    @staticmethod
    def initial_for(item) -> dict:
        from .document import item_document

        data = item_document(item)
        for key in ("points", "pass_points", "min", "max"):
            data[key] = "" if data[key] is None else str(data[key])
        data["options"] = option_text(data["options"], separator="\n")
        data["section"] = item.section_id
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"), help_text=_("导出的 .json 文件,或 .xlsx 工作簿(每行一个检查项,第一列为分组)"),
        widget=forms.FileInput(attrs={"accept": f".json,.xlsx,application/json,{XLSX_CONTENT_TYPE}"}),
    )
