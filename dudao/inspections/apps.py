from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class InspectionsConfig(AppConfig):
    name = "dudao.inspections"
    label = "inspections"
    verbose_name = pgettext_lazy("navigation", "检查")
