from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .choices import Role, UnitKind
from .models import Unit


class UnitForm(forms.Form):
    code = forms.CharField(label=_("编码"), max_length=50)
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=[c for c in UnitKind.choices if c[0] != UnitKind.COMPANY])
    latitude = forms.DecimalField(
        label=_("纬度"), required=False, min_value=-90, max_value=90, max_digits=9, decimal_places=6,
        help_text=_("WGS-84 坐标(手机浏览器定位所用),例如 31.230416;现场检查据此计算签到距离。"),
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("经度"), required=False, min_value=-180, max_value=180, max_digits=9, decimal_places=6,
        help_text=_("WGS-84 坐标,例如 121.473701。高德、百度地图显示的是加偏坐标,直接抄录会有几百米误差。"),
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not self.errors:
            missing = "longitude" if data.get("longitude") is None else "latitude"
            self.add_error(missing, _("纬度和经度须同时填写"))
        return data


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


class PersonEditForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("邮箱"), required=False, help_text=_("忘记密码时,重置链接发到这个邮箱。"))
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)


class PersonPasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("临时密码"), strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("告知本人;其所有登录会话和接口令牌立即失效,下次登录须先修改密码。"),
    )


class DeactivateForm(forms.Form):
    left_on = forms.DateField(
        label=_("离职日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("最后工作日;考核据此判断离职人员的奖金。停用立即生效,其所有登录会话和接口令牌失效。"),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 个字符,不能全是数字,不能是常见密码,不能与用户名或姓名相似。"),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return cleaned


class ForgotPasswordForm(forms.Form):
    identifier = forms.CharField(
        label=_("邮箱或用户名"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "autocapitalize": "none", "autofocus": True}),
    )


class ResetSetPasswordForm(SetPasswordForm):
    """Django's set-password form for a reset link; saving goes through the service (sessions, audit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password1"].help_text = PasswordChangeForm.base_fields["new_password"].help_text
        self.fields["new_password2"].label = _("再次输入新密码")

    def save(self, commit=True):
        from .services import password_reset_complete

        return password_reset_complete(person=self.user, new_password=self.cleaned_data["new_password1"])
