from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "dudao.reporting"
    label = "reporting"
    verbose_name = _("报告与通报")

    def ready(self) -> None:
        # A report's approval decides its fate: approved reports go out, rejected ones return to draft.
        from dudao.approvals.registry import register_outcome_handler

        from .services import report_approval_outcome

        register_outcome_handler("report", report_approval_outcome)
