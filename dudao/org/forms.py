from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Role, UnitKind
from .models import Unit


class UnitForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=50)
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=[c for c in UnitKind.choices if c[0] != UnitKind.COMPANY])


class UnitCreateForm(UnitForm):
    parent = forms.ModelChoiceField(label=_("上级机构"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units if units is not None else Unit.objects.none()
        self.fields["parent"].label_from_instance = lambda unit: f"{'—' * unit.depth} {unit.name}"


class UnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("新的上级机构"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units if units is not None else Unit.objects.none()
        self.fields["parent"].label_from_instance = lambda unit: f"{'—' * unit.depth} {unit.name}"


class PersonForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), max_length=150, regex=r"^[\w.@+-]+$")
    display_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("邮箱"), required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(render_value=False))


class RoleGrantForm(forms.Form):
    # No preselected role: granting one, above all admin, is always a deliberate choice.
    role = forms.ChoiceField(label=_("角色"), choices=[("", "---------"), *Role.choices])
    unit = forms.ModelChoiceField(label=_("机构"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda unit: f"{'—' * unit.depth} {unit.name}"
