"""Incidents, complaints and inquiries: reported with their deadlines from the policy, answered,
escalated when late (the daily job), and a complaint turned into a finding. Atomic, audited; a
major incident alerts the region manager, the operations manager and the executive at once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import ApplicationError, ErrorCode, deny_permission, validation_error
from dudao.core.idempotency import clean_client_id, earlier, save_once
from dudao.findings.choices import FindingSource
from dudao.findings.services import finding_create
from dudao.findings.services.early_warning import WARNING_KIND, warned_people
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.selectors import role_holders
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from .choices import IncidentKind, IncidentSeverity, IncidentStatus
from .models import Incident
from .permissions import can_report, can_respond

AUDIT_FIELDS = ["unit", "kind", "severity", "quality", "occurred_at", "reported_by", "due_at", "on_site_due_at",
                "reported_late", "status", "responded_at", "responded_by", "response", "escalated_at", "finding"]


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def deadlines(policy, *, kind: str, severity: str, quality: bool, occurred_at: dt.datetime,
              reported_at: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(due_at, on_site_due_at) by the policy: a major incident is reported within the policy's
    hours of happening; a complaint or an inquiry is answered by the end of the day it came in plus
    the policy's days; a quality complaint gets someone on site within the policy's days."""
    rules = policy.incidents
    received = timezone.localdate(reported_at)
    if kind == IncidentKind.INCIDENT:
        due = occurred_at + dt.timedelta(hours=rules.major_report_hours) if severity == IncidentSeverity.MAJOR else None
    elif kind == IncidentKind.COMPLAINT:
        due = _end_of_day(received + dt.timedelta(days=rules.complaint_response_days))
    else:
        due = _end_of_day(received + dt.timedelta(days=rules.inquiry_response_days))
    on_site = _end_of_day(received + dt.timedelta(days=rules.quality_on_site_days)) if quality else None
    return due, on_site


def _responders(unit) -> list:
    return role_holders(unit, [Role.UNIT_MANAGER, Role.REGION_MANAGER, Role.SUPERVISOR])


@transaction.atomic
def incident_report(*, actor, unit, kind: str, severity: str, occurred_at: dt.datetime, description: str,
                    quality: bool = False, client_id: str = "", now: dt.datetime | None = None
                    ) -> tuple[Incident, bool]:
    now = now or timezone.now()
    mine = Incident.objects.filter(organization_id=actor.organization_id, reported_by=actor)
    client_id = clean_client_id(client_id)
    if (first := earlier(mine, client_id)) is not None:
        return first, False
    if not can_report(actor, unit):
        deny_permission()
    if kind not in IncidentKind.values:
        raise validation_error("kind", _("未知的类型“%(kind)s”") % {"kind": kind})
    if severity not in IncidentSeverity.values:
        raise validation_error("severity", _("程度只能是重大或一般"))
    if occurred_at > now + dt.timedelta(minutes=5):
        raise validation_error("occurred_at", _("发生时间不能晚于现在"))
    description = (description or "").strip()
    if not description:
        raise validation_error("description", _("请描述经过"))
    if len(description) > 4000:
        raise validation_error("description", _("经过不能超过 4000 字"))
    policy = policy_for(actor.organization_id, on=timezone.localdate(now))
    due, on_site = deadlines(policy, kind=kind, severity=severity, quality=bool(quality), occurred_at=occurred_at,
                             reported_at=now)
    incident = Incident(
        organization_id=actor.organization_id, unit=unit, kind=kind, severity=severity, quality=bool(quality),
        occurred_at=occurred_at, description=description, reported_by=actor, reported_at=now, due_at=due,
        on_site_due_at=on_site, reported_late=bool(kind == IncidentKind.INCIDENT and due is not None and now > due),
        status=IncidentStatus.OPEN, client_id=client_id,
    )
    incident, created = save_once(incident, mine)
    if not created:  # a concurrent retry with the same client id saved it first
        return incident, False
    record_event(actor=actor, action="incident.report", obj=incident, after=snapshot(incident, AUDIT_FIELDS), at=now)
    url = f"/incidents/{incident.pk}/"
    if kind == IncidentKind.INCIDENT and severity == IncidentSeverity.MAJOR:
        notify(recipients=warned_people(unit), kind=WARNING_KIND, obj=incident, at=now, url=url,
               title=_("【预警】%(unit)s 发生重大事故%(late)s") % {
                   "unit": unit.name, "late": _("（迟报）") if incident.reported_late else ""},
               body=description[:500], dedupe_key=f"warning:incident:{incident.pk}")
    notify(recipients=[p for p in _responders(unit) if p.pk != actor.pk], kind="incident.reported", obj=incident,
           at=now, url=url,
           title=_("%(unit)s 新%(kind)s，请在 %(due)s 前处理") % {
               "unit": unit.name, "kind": incident.get_kind_display(),
               "due": timezone.localtime(due).strftime("%m-%d %H:%M") if due else _("尽快")},
           body=description[:500], dedupe_key=f"incident:{incident.pk}:reported")
    return incident, True


@transaction.atomic
def incident_respond(*, actor, incident: Incident, note: str, now: dt.datetime | None = None) -> Incident:
    incident = Incident.objects.select_for_update(of=("self",)).select_related("unit").get(pk=incident.pk)
    if not can_respond(actor, incident):
        deny_permission()
    note = (note or "").strip()
    if not note:
        raise validation_error("note", _("请填写答复或处理情况"))
    if incident.status == IncidentStatus.RESPONDED:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("已答复，不能重复答复"))
    now = now or timezone.now()
    before = snapshot(incident, AUDIT_FIELDS)
    incident.status, incident.responded_at, incident.responded_by, incident.response = (
        IncidentStatus.RESPONDED, now, actor, note[:4000])
    incident.save(update_fields=["status", "responded_at", "responded_by", "response"])
    record_event(actor=actor, action="incident.respond", obj=incident, before=before,
                 after={**snapshot(incident, AUDIT_FIELDS), "late": incident.is_late(now)}, at=now)
    return incident


@transaction.atomic
def incident_to_finding(*, actor, incident: Incident, category: str, severity: str = Severity.MEDIUM,
                        now: dt.datetime | None = None):
    """A complaint becomes a finding on its unit (source complaint), rectified like any other."""
    incident = Incident.objects.select_for_update(of=("self",)).select_related("unit").get(pk=incident.pk)
    if not can_respond(actor, incident):
        deny_permission()
    if incident.kind != IncidentKind.COMPLAINT:
        raise validation_error("kind", _("只有投诉可以转为问题"))
    if incident.finding_id is not None:
        raise ApplicationError(ErrorCode.CONFLICT, _("此投诉已转为问题"))
    now = now or timezone.now()
    finding = finding_create(actor=actor, unit=incident.unit, source=FindingSource.COMPLAINT,
                             title=(_("顾客投诉：") + incident.description.splitlines()[0])[:300],
                             description=incident.description, severity=severity, category=category, now=now)
    before = snapshot(incident, AUDIT_FIELDS)
    incident.finding = finding
    incident.save(update_fields=["finding"])
    record_event(actor=actor, action="incident.to_finding", obj=incident, before=before,
                 after=snapshot(incident, AUDIT_FIELDS), at=now)
    return finding


def incidents_escalate(*, now: dt.datetime) -> int:
    """The daily job: every unanswered complaint or inquiry past its deadline is escalated once to
    the region manager and the operations manager over its unit."""
    late = (Incident.objects.filter(status=IncidentStatus.OPEN, escalated_at__isnull=True, due_at__lt=now)
            .exclude(kind=IncidentKind.INCIDENT).select_related("unit"))
    count = 0
    for incident in late:
        with transaction.atomic():
            people = role_holders(incident.unit, [Role.REGION_MANAGER, Role.OPS_MANAGER], nearest={Role.OPS_MANAGER})
            notify(recipients=people, kind="incident.overdue", obj=incident, at=now, url=f"/incidents/{incident.pk}/",
                   title=_("%(unit)s 的%(kind)s已超过答复时限未处理") % {
                       "unit": incident.unit.name, "kind": incident.get_kind_display()},
                   body=incident.description[:500], dedupe_key=f"incident:{incident.pk}:overdue")
            Incident.objects.filter(pk=incident.pk).update(escalated_at=now)
            record_event(actor=None, action="incident.escalate", obj=incident, at=now,
                         after={"escalated_at": now.isoformat(), "due_at": incident.due_at.isoformat()})
            count += 1
    return count
