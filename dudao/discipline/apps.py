from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "dudao.discipline"
    label = "discipline"
    verbose_name = _("违规与奖惩")

    def ready(self) -> None:
        from dudao.appraisal.scoring import register_forfeit_rule
        from dudao.approvals.registry import register_outcome_handler

        from .selectors import year_end_forfeits
        from .services import appeal_outcome

        register_forfeit_rule(year_end_forfeits)
        register_outcome_handler("appeal", appeal_outcome, subject="discipline.violation")
