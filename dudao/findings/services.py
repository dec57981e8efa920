"""Findings and their rectification: creation (by inspection submit or by hand) and every transition."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_events, snapshot
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.models import RoleAssignment
from dudao.policies.registry import policy_for

from .choices import FindingEventKind, FindingSource, FindingStatus
from .models import Finding, FindingEvent

FINDING_AUDIT_FIELDS = [
    "unit", "source", "inspection", "item", "item_code", "title", "category", "severity", "status", "round",
    "responsible_person", "owner", "due_date", "policy_due_date", "escalation_level", "repeat", "repeat_of",
]


def unit_manager_of(unit):
    """The person answerable for a unit (its active unit manager), or None."""
    assignment = (
        RoleAssignment.objects.filter(unit=unit, role=Role.UNIT_MANAGER, person__is_active=True)
        .select_related("person")
        .order_by("granted_at", "id")
        .first()
    )
    return assignment.person if assignment else None


@transaction.atomic
def findings_create_for_inspection(*, actor, inspection, failed_answers: list, now: dt.datetime | None = None) -> list[Finding]:
    """One finding per failed answer, in a fixed number of queries whatever the count.

    Severity and category come from the item; the due date is today plus the policy's days for that
    severity; the unit's manager is responsible; an earlier finding on the same item at the same
    unit within the policy's repeat window makes the new one a repeat linked to it.
    """
    if not failed_answers:
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = policy_for(inspection.organization_id, on=today)
    template = inspection.template
    responsible = unit_manager_of(inspection.unit)
    codes = [answer.item.code for answer in failed_answers]
    window_start = now - dt.timedelta(days=policy.findings.repeat_window_days)
    earlier: dict[str, Finding] = {}
    for finding in (
        Finding.objects.filter(
            unit_id=inspection.unit_id, template_lineage=template.lineage, item_code__in=codes,
            created_at__gte=window_start,
        ).order_by("created_at", "id")
    ):
        earlier[finding.item_code] = finding  # the latest one wins
    findings = []
    for answer in failed_answers:
        item = answer.item
        due = today + dt.timedelta(days=policy.findings.due_days_for(item.severity))
        previous = earlier.get(item.code)
        findings.append(Finding(
            organization_id=inspection.organization_id, unit_id=inspection.unit_id,
            source=FindingSource.INSPECTION, inspection=inspection, answer=answer, item=item,
            template_lineage=template.lineage, item_code=item.code, title=item.text[:300],
            description=answer.note, category=item.category, severity=item.severity,
            status=FindingStatus.OPEN, responsible_person=responsible, due_date=due, policy_due_date=due,
            repeat=previous is not None, repeat_of=previous, created_by=actor, created_at=now,
        ))
    Finding.objects.bulk_create(findings)
    if any(f.pk is None for f in findings):  # databases that cannot return ids from a bulk insert
        findings = list(Finding.objects.filter(inspection=inspection).order_by("id"))
    FindingEvent.objects.bulk_create([
        FindingEvent(finding=f, kind=FindingEventKind.CREATED, actor=actor, at=now, round=1,
                     note=_("检查提交时发现"), data={"inspection_id": inspection.pk})
        for f in findings
    ])
    record_events(actor=actor, action="finding.create", objects=findings,
                  after=[snapshot(f, FINDING_AUDIT_FIELDS) for f in findings], at=now)
    if responsible is not None:
        notify(
            recipients=[responsible], kind="finding.assigned", obj=inspection,
            title=_("%(unit)s 检查发现 %(count)s 个问题待整改") % {"unit": inspection.unit.name, "count": len(findings)},
            body="\n".join(f"· {f.title}(期限 {f.due_date:%Y-%m-%d})" for f in findings),
            dedupe_key=f"inspection:{inspection.pk}:findings",
        )
    return findings
