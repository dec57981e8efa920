from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"))
    file = forms.FileField(label=_("文件"), help_text=_("Excel（.xlsx）或 CSV（UTF-8 / GB18030）"))
    dry_run = forms.BooleanField(label=_("试运行（不写入）"), required=False, initial=True,
                                 help_text=_("先检查并预览会发生的变更，确认后再导入"))

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds (or none: the column is ignored)."""

    def __init__(self, *args, kind, headers: list[str], initial_mapping: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("（忽略此列）"))] + [
            (f.code, f"{f.label}{' *' if f.required else ''}") for f in kind.fields
        ]
        self.headers = [h for h in headers if h]
        for position, header in enumerate(self.headers):
            self.fields[f"column_{position}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=initial_mapping.get(header, "")
            )

    def mapping(self) -> dict[str, str]:
        return {header: self.cleaned_data.get(f"column_{i}", "") for i, header in enumerate(self.headers)}
