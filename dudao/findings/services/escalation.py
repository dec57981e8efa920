"""Deadlines, run by `jobs.findings_escalate`: due-soon reminders and overdue notices to the unit
side, and the policy's escalation ladder (region manager at once, ops manager after 3 days, executive
after 7 by default) for findings past due, each level once per deadline."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import snapshot
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.selectors import RoleHolders
from dudao.policies.registry import policy_for

from ..choices import FindingEventKind, FindingStatus
from ..models import Finding
from . import records
from .people import unit_side


def _remind_due_soon(organization_id: int, policy, now: dt.datetime, today: dt.date) -> int:
    horizon = today + dt.timedelta(days=policy.findings.due_soon_reminder_days)
    due_soon = (
        Finding.objects.filter(organization_id=organization_id, status__in=[FindingStatus.OPEN, FindingStatus.PLANNED],
                               due_date__gte=today, due_date__lte=horizon)
        .exclude(due_soon_notified_for=F("due_date"))
        .select_related("unit", "owner", "responsible_person")
        .order_by("due_date", "id")
    )
    count = 0
    for finding in due_soon:
        with transaction.atomic():
            # Compare-and-set: only the run that marks the deadline tells people about it.
            marked = Finding.objects.filter(pk=finding.pk, due_date=finding.due_date).exclude(
                due_soon_notified_for=finding.due_date).update(due_soon_notified_for=finding.due_date)
            if not marked:
                continue
            count += 1
            records.tell([finding.owner or finding.responsible_person], actor=None, finding=finding,
                         kind="finding.due_soon", at=now,
                         title=_("整改即将到期(%(due)s):%(title)s") % {"due": finding.due_date.isoformat(),
                                                                  "title": finding.title},
                         dedupe_key=f"finding:{finding.pk}:due_soon:{finding.due_date.isoformat()}")
    return count


def _notify_overdue(organization_id: int, now: dt.datetime, today: dt.date) -> int:
    overdue = (
        Finding.objects.filter(organization_id=organization_id, status__in=[FindingStatus.OPEN, FindingStatus.PLANNED],
                               due_date__lt=today)
        .exclude(overdue_notified_for=F("due_date"))
        .select_related("unit", "owner", "responsible_person")
        .order_by("due_date", "id")
    )
    count = 0
    for finding in overdue:
        with transaction.atomic():
            marked = Finding.objects.filter(pk=finding.pk, due_date=finding.due_date).exclude(
                overdue_notified_for=finding.due_date).update(overdue_notified_for=finding.due_date)
            if not marked:
                continue
            count += 1
            records.tell(unit_side(finding), actor=None, finding=finding, kind="finding.overdue", at=now,
                         title=_("整改已逾期(期限 %(due)s):%(title)s") % {"due": finding.due_date.isoformat(),
                                                                    "title": finding.title},
                         dedupe_key=f"finding:{finding.pk}:overdue:{finding.due_date.isoformat()}")
    return count


def _escalate(organization_id: int, policy, now: dt.datetime, today: dt.date) -> tuple[int, int]:
    ladder = policy.findings.escalation
    if not ladder:
        return 0, 0
    candidates = list(
        Finding.objects.filter(organization_id=organization_id, due_date__lt=today,
                               escalation_level__lt=len(ladder))
        .exclude(status=FindingStatus.CLOSED)
        .values_list("pk", flat=True)
        .order_by("due_date", "id")
    )
    holders = RoleHolders(organization_id, {str(step.role) for step in ladder}) if candidates else None
    escalated = notified = 0
    for pk in candidates:
        with transaction.atomic():
            finding = (
                Finding.objects.select_for_update(of=("self",)).select_related("unit")
                .filter(pk=pk).exclude(status=FindingStatus.CLOSED).first()
            )
            if finding is None:
                continue
            days = finding.days_overdue(today)
            level = len(policy.findings.escalation_steps_reached(days)) if days > 0 else 0
            if level <= finding.escalation_level:
                continue
            before = snapshot(finding, records.FINDING_AUDIT_FIELDS)
            reached = range(finding.escalation_level + 1, level + 1)
            finding.escalation_level = level
            finding.save(update_fields=["escalation_level"])
            escalated += 1
            for number in reached:
                step = ladder[number - 1]
                # An escalation must never go nowhere: nobody holding the role over the unit (an ops
                # manager granted on the operations center), every holder in the organisation.
                people = holders.over(finding.unit, str(step.role), fallback="organisation")
                records.timeline(finding, FindingEventKind.ESCALATED, actor=None, at=now,
                                 note=_("逾期 %(days)s 天,升级至%(role)s") % {"days": days, "role": Role(step.role).label},
                                 data={"level": number, "role": step.role, "days_overdue": days,
                                       "recipient_ids": [p.pk for p in people]})
                sent = notify(
                    recipients=people, kind="finding.escalated", obj=finding, at=now,
                    title=_("【%(level)s级升级】%(unit)s 整改逾期 %(days)s 天:%(title)s") % {
                        "level": number, "unit": finding.unit.name, "days": days, "title": finding.title},
                    body=_("整改期限 %(due)s") % {"due": finding.due_date.isoformat()},
                    dedupe_key=f"finding:{finding.pk}:escalation:{number}:{finding.due_date.isoformat()}",
                )
                notified += len(sent)
            records.audit(None, "finding.escalate", finding, before, {"days_overdue": days}, at=now)
    return escalated, notified


def findings_escalate(*, now: dt.datetime) -> dict:
    """Tell people about deadlines as of `now`: due-soon reminders and overdue notices to the unit
    side, and the escalation ladder for findings past due (each level's role holders over the unit,
    once per level and deadline; a long gap lands on the right level and still tells each level)."""
    today = timezone.localdate(now)
    result = {"due_soon": 0, "overdue": 0, "escalated": 0, "notified": 0}
    organizations = (
        Finding.objects.exclude(status=FindingStatus.CLOSED).order_by().values_list("organization_id", flat=True)
        .distinct()
    )
    for organization_id in sorted(set(organizations)):
        policy = policy_for(organization_id, on=today)
        result["due_soon"] += _remind_due_soon(organization_id, policy, now, today)
        result["overdue"] += _notify_overdue(organization_id, now, today)
        escalated, notified = _escalate(organization_id, policy, now, today)
        result["escalated"] += escalated
        result["notified"] += notified
    return result
