from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplansConfig(AppConfig):
    name = "dudao.workplans"
    label = "workplans"
    verbose_name = _("工作计划与总结")
