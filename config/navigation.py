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
from dudao.imports.permissions import can_run_imports


def _has_any_role(person) -> bool:
    return bool(person.roles())


def _anyone(person) -> bool:
    return True


def _org_admin(person) -> bool:
    return person.is_org_admin


# (url name, label, predicate over the signed-in person) in display order.
NAVIGATION: list[tuple[str, object, Callable[..., bool]]] = [
    ("home", _("首页"), _anyone),
    ("inspections:my-work", _("巡店"), _has_any_role),
    ("findings:finding-list", _("整改"), _has_any_role),
    ("planning:calendar", _("计划"), _has_any_role),
    ("approvals:inbox", _("审批"), _has_any_role),
    ("reporting:report-list", _("报告"), _has_any_role),
    ("analytics:dashboard", _("分析"), can_view_analytics),
    ("checklists:template-list", pgettext_lazy("navigation", "检查标准"), _has_any_role),
    ("org:tree", _("组织架构"), _anyone),
    ("org:people", _("人员"), _anyone),
    ("imports:run-list", _("导入"), can_run_imports),
    ("policies:detail", _("制度"), _org_admin),
]


def navigation(request):
    """Context processor: `nav_items` [{url, label, active}] the signed-in person may use."""
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, allowed in NAVIGATION:
        if not allowed(person):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path == url or (
            url != "/" and request.path.startswith(url))})
    return {"nav_items": items}
