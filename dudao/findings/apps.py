from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    name = "dudao.findings"
    label = "findings"
    verbose_name = _("问题与整改")

    def ready(self) -> None:
        # Extensions are decided by the approval engine; the finding hears the outcome here.
        from dudao.approvals.registry import register_outcome_handler

        from .services import extension_outcome

        register_outcome_handler("rectification_extension", extension_outcome)
