from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "dudao.discipline"
    label = "discipline"
    verbose_name = _("违规与奖惩")

    def ready(self) -> None:
        from dudao.appraisal.scoring import register_forfeit_rule

        from .selectors import year_end_forfeits

        register_forfeit_rule(year_end_forfeits)
