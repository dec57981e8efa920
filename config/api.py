"""The one NinjaAPI of Dudao, mounted at /api/v1; each domain app contributes a router."""

from ninja import NinjaAPI

from dudao.core.api import install_error_handlers
from dudao.org.auth import BearerAuth, SessionAuth

api = NinjaAPI(
    title="Dudao API",
    version="1",
    description="督导 Dudao operations-supervision API. Errors: {code, message, detail}; "
    "lists: {items, count} with ?limit=&offset=.",
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
)
install_error_handlers(api)


def _mount() -> None:
    from dudao.analytics.api import evaluations_router
    from dudao.analytics.api import router as analytics_router
    from dudao.appraisal.api import appraisals_router, kpi_values_router, targets_router
    from dudao.approvals.api import router as approvals_router
    from dudao.cadres.api import router as cadre_reports_router
    from dudao.calibration.api import router as calibration_router
    from dudao.checklists.api import router as templates_router
    from dudao.core.attachments_api import router as attachments_router
    from dudao.discipline.api import people_discipline_router, violations_router
    from dudao.findings.api import router as findings_router
    from dudao.imports.api import router as imports_router
    from dudao.incidents.api import router as incidents_router
    from dudao.inspections.api import router as inspections_router
    from dudao.meetings.api import meeting_actions_router, meetings_router
    from dudao.notifications.api import router as notifications_router
    from dudao.org.api import auth_router, me_router, people_router, units_router
    from dudao.planning.api import router as plans_router
    from dudao.policies.api import router as policy_router
    from dudao.reporting.api import bulletins_router
    from dudao.reporting.api import router as reports_router
    from dudao.simulation.api import router as policy_simulation_router
    from dudao.training.api import router as training_router
    from dudao.workplans.api import router as work_plans_router

    api.add_router("/auth", auth_router)
    api.add_router("/me", me_router)
    api.add_router("/units", units_router)
    api.add_router("/people", people_router)
    api.add_router("/attachments", attachments_router)
    api.add_router("/imports", imports_router)
    api.add_router("/templates", templates_router)
    api.add_router("/inspections", inspections_router)
    api.add_router("/findings", findings_router)
    api.add_router("/plans", plans_router)
    api.add_router("/approvals", approvals_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/reports", reports_router)
    api.add_router("/bulletins", bulletins_router)
    api.add_router("/evaluations", evaluations_router)
    api.add_router("/analytics", analytics_router)
    api.add_router("/policy", policy_router)
    api.add_router("/policy", policy_simulation_router)
    api.add_router("/kpi-values", kpi_values_router)
    api.add_router("/targets", targets_router)
    api.add_router("/appraisals", appraisals_router)
    api.add_router("/violations", violations_router)
    api.add_router("/people", people_discipline_router)
    api.add_router("/work-plans", work_plans_router)
    api.add_router("/incidents", incidents_router)
    api.add_router("/calibration", calibration_router)
    api.add_router("/training", training_router)
    api.add_router("/meetings", meetings_router)
    api.add_router("/meeting-actions", meeting_actions_router)
    api.add_router("/cadre-reports", cadre_reports_router)


_mount()
