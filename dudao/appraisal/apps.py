from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "dudao.appraisal"
    label = "appraisal"
    verbose_name = _("绩效考核")

    def ready(self) -> None:
        from dudao.approvals.registry import register_outcome_handler
        from dudao.imports.registry import register_kind

        from .import_kinds import AttendanceKind, BonusBasesKind, KpiValuesKind, TargetsKind
        from .results import appeal_outcome, cycle_result_outcome
        from .services import target_revision_outcome

        for kind in (KpiValuesKind(), TargetsKind(), AttendanceKind(), BonusBasesKind()):
            register_kind(kind)
        register_outcome_handler("target_revision", target_revision_outcome)
        register_outcome_handler("appraisal_result", cycle_result_outcome)
        # Appeals against penalties (discipline) share the kind: this handler hears only appraisals.
        register_outcome_handler("appeal", appeal_outcome, subject="appraisal.appraisal")
