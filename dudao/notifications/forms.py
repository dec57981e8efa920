from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MailMode


class DeliveryPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("接收邮件通知"), required=False)
    mail_mode = forms.ChoiceField(
        label=_("邮件方式"), choices=MailMode.choices, widget=forms.RadioSelect, initial=MailMode.SINGLE
    )
