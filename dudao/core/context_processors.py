"""Template context every page needs: the navigation the signed-in person may use."""

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# (url name, label, predicate over the person) in display order; later apps add their entries here.
# A predicate may be the dotted path of an app's permission function, imported when first used, so
# core names no domain app at import time.
NAVIGATION = [
    ("home", _("首页"), lambda person: True),
    ("inspections:my-work", _("巡店"), lambda person: bool(person.roles())),
    ("findings:finding-list", _("整改"), lambda person: bool(person.roles())),
    ("planning:calendar", _("计划"), lambda person: bool(person.roles())),
    ("approvals:inbox", _("审批"), lambda person: bool(person.roles())),
    ("reporting:report-list", _("报告"), lambda person: bool(person.roles())),
    ("analytics:dashboard", _("分析"), "dudao.analytics.permissions.can_view_analytics"),
    ("checklists:template-list", pgettext_lazy("navigation", "检查标准"), lambda person: bool(person.roles())),
    ("org:tree", _("组织架构"), lambda person: True),
    ("org:people", _("人员"), lambda person: True),
    ("policies:detail", _("制度"), lambda person: person.is_org_admin),
]


def navigation(request):
    person = getattr(request, "user", None)
    if person is None or not person.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, allowed in NAVIGATION:
        if isinstance(allowed, str):
            allowed = import_string(allowed)
        if not allowed(person):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path == url or (
            url != "/" and request.path.startswith(url))})
    return {"nav_items": items}
