"""The site navigation: which app pages appear in the top bar, in order, and for whom.

It lives in `config/` because only the project knows every app: core, which renders the bar
(`base.html` reads `nav_items`), names no domain app. An app with a page for the bar adds its entry
here with the permission predicate it already exports.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dudao.analytics.permissions import can_view_analytics
from dudao.appraisal.permissions import can_view_appraisal_data, can_view_results
from dudao.approvals.permissions import can_request_approval
from dudao.cadres.permissions import can_view_cadre_reports
from dudao.calibration.permissions import can_view_calibration
from dudao.checklists.permissions import can_manage_templates
from dudao.discipline.permissions import can_view_ledger
from dudao.findings.models import FINDING_READERS
from dudao.imports.permissions import can_run_imports
from dudao.incidents.permissions import REPORTERS as INCIDENT_REPORTERS
from dudao.inspections.models import INSPECTION_READERS
from dudao.inspections.permissions import can_inspect
from dudao.meetings.permissions import can_hold_meetings
from dudao.org.choices import Role
from dudao.org.permissions import can_manage_people
from dudao.planning.permissions import can_plan, can_see_surprise_visits
from dudao.policies.permissions import can_view_policy
from dudao.reporting.models import READERS as REPORT_READERS
from dudao.reporting.models import UNIT_MANAGERS
from dudao.simulation.permissions import can_simulate_policy
from dudao.training.permissions import can_view_training
from dudao.workplans.permissions import READERS as WORK_PLAN_READERS
from dudao.workplans.permissions import can_plan as can_plan_work

# Roles that work with the organisation as a whole (its tree, its people), not one store or desk.
ORG_READERS = frozenset(Role.values) - {Role.STAFF, Role.UNIT_MANAGER}
PEOPLE_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.HR})


def _anyone(person) -> bool:
    return True


def _holds(roles) -> Callable[..., bool]:
    def allowed(person) -> bool:
        return person.is_active and person.has_role(*roles)

    return allowed


def _does_inspection_work(person) -> bool:
    """Inspects, or signs the inspections of their store: the phone start page is theirs."""
    return can_inspect(person) or (person.is_active and person.has_role(Role.UNIT_MANAGER))


def _reads_inspections_only(person) -> bool:
    """Follows inspections without making or signing them: the list of records is theirs."""
    return _holds(INSPECTION_READERS)(person) and not _does_inspection_work(person)


def _follows_plans(person) -> bool:
    return can_plan(person) or can_see_surprise_visits(person)


def _reads_bulletins_only(person) -> bool:
    """A store manager reads the bulletins sent to the store; reports are for the readers above."""
    return _holds(UNIT_MANAGERS)(person) and not _holds(REPORT_READERS)(person)


def _manages_or_reads_people(person) -> bool:
    return can_manage_people(person) or _holds(PEOPLE_READERS)(person)


# The dropdowns of the bar. The pages used every day stay first-level links; the rest sit in a
# group so an administrator's bar keeps to one row on a laptop.
OPERATIONS = _("运营")
PEOPLE_AND_PERFORMANCE = _("人事绩效")
SETTINGS = _("设置")

# (url name, label, predicate over the signed-in person, group or None) in display order; a group
# takes the place of its first entry. Each predicate is the app's own permission (or the roles its
# pages serve), so a person sees only what they can use.
NAVIGATION: list[tuple[str, object, Callable[..., bool], object | None]] = [
    ("home", _("首页"), _anyone, None),
    ("inspections:my-work", _("巡店"), _does_inspection_work, None),
    ("inspections:inspection-list", _("巡店"), _reads_inspections_only, None),
    ("findings:finding-list", _("整改"), _holds(FINDING_READERS), None),
    ("planning:calendar", _("计划"), _follows_plans, None),
    ("approvals:inbox", _("审批"), can_request_approval, None),
    ("reporting:report-list", _("报告"), _holds(REPORT_READERS), None),
    ("reporting:bulletin-list", _("公报"), _reads_bulletins_only, None),
    ("analytics:dashboard", _("分析"), can_view_analytics, None),
    ("incidents:incident-list", _("事故投诉"), _holds(INCIDENT_REPORTERS), OPERATIONS),
    ("meetings:list", _("会议"), can_hold_meetings, OPERATIONS),
    ("workplans:plan-list", _("工作计划"), lambda person: can_plan_work(person) or _holds(WORK_PLAN_READERS)(person),
     OPERATIONS),
    ("calibration:overview", _("督导校准"), can_view_calibration, OPERATIONS),
    ("appraisal:cycle-list", _("考核"), can_view_results, PEOPLE_AND_PERFORMANCE),
    ("appraisal:kpi-value-list", _("考核数据"), can_view_appraisal_data, PEOPLE_AND_PERFORMANCE),
    ("cadres:report-list", _("干部评估"), can_view_cadre_reports, PEOPLE_AND_PERFORMANCE),
    ("discipline:ledger", _("违规"), can_view_ledger, PEOPLE_AND_PERFORMANCE),
    ("training:session-list", _("培训"), can_view_training, PEOPLE_AND_PERFORMANCE),
    ("checklists:template-list", pgettext_lazy("navigation", "检查标准"), can_manage_templates, SETTINGS),
    ("org:tree", _("组织架构"), _holds(ORG_READERS), SETTINGS),
    ("org:people", _("人员"), _manages_or_reads_people, SETTINGS),
    ("imports:run-list", _("导入"), can_run_imports, SETTINGS),
    ("policies:detail", _("制度"), can_view_policy, SETTINGS),
    ("simulation:simulate", _("制度模拟"), can_simulate_policy, SETTINGS),
]


# The user menu beside the name: pages about the signed-in person themself, open to everyone.
USER_MENU: list[tuple[str, object, Callable[..., bool]]] = [
    ("appraisal:mine", _("我的考核"), _anyone),
    ("discipline:my-record", _("我的违规记录"), _anyone),
    ("training:mine", _("我的培训"), _anyone),
    ("meetings:list", _("我的会议事项"), _anyone),
    ("cadres:mine", _("我的季度评估"), _holds(UNIT_MANAGERS)),
]


def _is_active(path: str, url: str) -> bool:
    return path == url or (url != "/" and path.startswith(url))


def nav_items_for(person, path: str) -> list[dict]:
    """The bar of `person` on the page at `path`: links {url, label, active} and groups
    {label, active, children: [links]}. A group shows only the entries the person may use; with one
    it becomes that plain link, with none it is left out."""
    items: list[dict] = []
    groups: dict[object, dict] = {}
    for name, label, allowed, group in NAVIGATION:
        if not allowed(person):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        link = {"url": url, "label": label, "active": _is_active(path, url)}
        if group is None:
            items.append(link)
        elif group in groups:
            groups[group]["children"].append(link)
        else:
            groups[group] = {"label": group, "children": [link]}
            items.append(groups[group])
    for index, item in enumerate(items):
        if "children" not in item:
            continue
        if len(item["children"]) == 1:
            items[index] = item["children"][0]
        else:
            item["active"] = any(child["active"] for child in item["children"])
    return items


def navigation(request):
    """Context processor: `nav_items` (see `nav_items_for`) the signed-in person may use, and
    `user_menu` [{url, label, active}] beside their name."""
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated:
        return {"nav_items": [], "user_menu": []}
    menu = [{"url": reverse(name), "label": label, "active": request.path == reverse(name)}
            for name, label, allowed in USER_MENU if allowed(person)]
    return {"nav_items": nav_items_for(person, request.path), "user_menu": menu}
