from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulationConfig(AppConfig):
    name = "dudao.simulation"
    label = "simulation"
    verbose_name = _("制度模拟")

    def ready(self):
        # The before/after comparison (analytics) offers training sessions as pivots; analytics sits
        # below training, so the source is registered from here, the app that sees both.
        from dudao.analytics.pivots import register_pivot_source

        from .pivots import training_sessions

        register_pivot_source("training", training_sessions)
