"""Early warning (预警, DESIGN.md 2.13): a failed critical (red-line) item or a critical finding
alerts the region manager, the operations manager and the executive over the unit at once.

The alert goes to their inbox, by mail at once (kind `warning.critical` is never held for the daily
digest) and to the organisation's chat robot. It is deduplicated: one alert per inspection however
many red-line items failed in it, one per hand-made critical finding, and a retried or repeated
call tells nobody twice (`notify`'s dedupe key).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.selectors import role_holders
from dudao.policies.choices import Severity

WARNED_ROLES = (Role.REGION_MANAGER, Role.OPS_MANAGER, Role.EXECUTIVE)
WARNING_KIND = "warning.critical"


def warned_people(unit) -> list:
    """The region manager(s) over the unit, the operations manager (the nearest one when none
    covers the unit: they work from the operations center) and the executive."""
    return role_holders(unit, WARNED_ROLES, nearest={Role.OPS_MANAGER})


def is_critical(finding) -> bool:
    item = getattr(finding, "item", None) if finding.item_id else None
    return finding.severity == Severity.CRITICAL or bool(item is not None and item.critical)


def warn_inspection_findings(*, inspection, findings, at) -> list:
    """One alert for the critical findings an inspection submit made (none when there are none)."""
    critical = [f for f in findings if is_critical(f)]
    if not critical:
        return []
    unit = inspection.unit
    lines = [_("· %(title)s（期限 %(due)s）") % {"title": f.title, "due": f.due_date.isoformat()} for f in critical]
    return notify(
        recipients=warned_people(unit), kind=WARNING_KIND, obj=critical[0], at=at,
        title=_("【预警】%(unit)s 检查发现 %(count)s 项红线/严重问题") % {"unit": unit.name, "count": len(critical)},
        body=_("检查人：%(inspector)s\n") % {"inspector": inspection.inspector.display_name} + "\n".join(lines),
        dedupe_key=f"warning:inspection:{inspection.pk}",
    )


def warn_finding(*, finding, at) -> list:
    """An alert for one critical finding recorded by hand (a complaint, a data check, a self-report)."""
    if not is_critical(finding):
        return []
    return notify(
        recipients=warned_people(finding.unit), kind=WARNING_KIND, obj=finding, at=at,
        title=_("【预警】%(unit)s 严重问题：%(title)s") % {"unit": finding.unit.name, "title": finding.title},
        body=_("来源：%(source)s；整改期限 %(due)s") % {"source": finding.get_source_display(),
                                                   "due": finding.due_date.isoformat()},
        dedupe_key=f"warning:finding:{finding.pk}",
    )
