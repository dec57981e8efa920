from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ChecklistsConfig(AppConfig):
    name = "dudao.checklists"
    label = "checklists"
    verbose_name = pgettext_lazy("navigation", "检查标准")
