from django.conf import settings
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from dudao.inspections import offline
from dudao.org import views as org_views
from dudao.workbench import views as workbench_views

from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", workbench_views.home, name="home"),
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("login/", org_views.LoginView.as_view(), name="login"),
    path("logout/", org_views.logout_view, name="logout"),
    path("", include("dudao.org.urls")),
    path("policy/", include("dudao.policies.urls")),
    path("templates/", include("dudao.checklists.urls")),
    path("inspections/", include("dudao.inspections.urls")),
    path("findings/", include("dudao.findings.urls")),
    path("plans/", include("dudao.planning.urls")),
    path("approvals/", include("dudao.approvals.urls")),
    path("notifications/", include("dudao.notifications.urls")),
    path("reports/", include("dudao.reporting.urls")),
    path("analytics/", include("dudao.analytics.urls")),
    path("imports/", include("dudao.imports.urls")),
    path("appraisal/", include("dudao.appraisal.urls")),
    path("discipline/", include("dudao.discipline.urls")),
    path("work-plans/", include("dudao.workplans.urls")),
    path("incidents/", include("dudao.incidents.urls")),
    path("calibration/", include("dudao.calibration.urls")),
    path("training/", include("dudao.training.urls")),
    path("meetings/", include("dudao.meetings.urls")),
    path("cadres/", include("dudao.cadres.urls")),
    path("simulation/", include("dudao.simulation.urls")),
    path("help/", include("dudao.help.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
