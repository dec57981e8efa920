from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "dudao.planning"
    label = "planning"
    verbose_name = _("督导计划")

    def ready(self) -> None:
        # The approval engine tells planning when a submitted plan is approved or rejected.
        from dudao.approvals.registry import register_outcome_handler

        from .services import plan_approval_outcome

        register_outcome_handler("plan", plan_approval_outcome)
