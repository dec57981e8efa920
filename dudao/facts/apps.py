from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactsConfig(AppConfig):
    name = "dudao.facts"
    label = "facts"
    verbose_name = _("业务指标")

    def ready(self) -> None:
        from dudao.core.figure_changes import on_figures_changed

        from . import receivers
        from .rollups import mark_changed

        on_figures_changed(mark_changed)
        receivers.connect()
