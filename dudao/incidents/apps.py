from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "dudao.incidents"
    label = "incidents"
    verbose_name = _("事故、投诉与咨询")
