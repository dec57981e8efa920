from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    """First set-up of an instance and the demo organisation; sits above every domain app."""

    name = "dudao.provisioning"
    label = "provisioning"
    verbose_name = _("初始化")
