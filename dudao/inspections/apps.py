from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class InspectionsConfig(AppConfig):
    name = "dudao.inspections"
    label = "inspections"
    verbose_name = pgettext_lazy("navigation", "检查")

    def ready(self) -> None:
        # Planning sits below inspections and findings: it reads what they record through its registry.
        from dudao.planning import registry

        from . import planning_sources

        registry.register_source(registry.AD_HOC_INSPECTIONS, planning_sources.ad_hoc_inspections)
        registry.register_source(registry.RECENT_SCORES, planning_sources.recent_scores)
        registry.register_source(registry.OPEN_FINDINGS, planning_sources.open_findings)
