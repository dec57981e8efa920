"""Findings made: one per failed item when an inspection is submitted, or recorded by hand; each
with its due date from the policy and marked repeat when the same item failed at the unit lately."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import deny_permission, full_clean_or_refuse, validation_error
from dudao.core.idempotency import clean_client_id, earlier, save_once
from dudao.core.models import Attachment
from dudao.core.scoping import actor_covers
from dudao.core.transactions import retrying_atomic
from dudao.notifications.services import notify
from dudao.org.models import Person, Unit
from dudao.org.selectors import unit_managers
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from ..choices import MANUAL_SOURCES, FindingEventKind, FindingSource, FindingStatus
from ..models import FINDING_READERS, Finding, FindingEvent
from ..permissions import can_create_finding
from . import early_warning, records
from .people import check_member, unit_manager_of


# --- repeat detection ------------------------------------------------------------------------
def _window_start(policy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=policy.findings.repeat_window_days)


def _latest_by(findings: Iterable[Finding], key) -> dict:
    latest: dict = {}
    for finding in findings:  # ordered oldest first, so the latest one wins
        latest[key(finding)] = finding
    return latest


def _repeat_of_manual(*, unit: Unit, item_code: str, title: str, window_start: dt.datetime) -> Finding | None:
    """A hand-made finding repeats an earlier one at the same unit on the same item (its code when
    given, else the same title) within the policy window."""
    earlier = Finding.objects.filter(unit=unit, created_at__gte=window_start)
    earlier = earlier.filter(item_code=item_code) if item_code else earlier.filter(item_code="", title=title)
    return earlier.order_by("-created_at", "-id").first()


# --- create ----------------------------------------------------------------------------------
@transaction.atomic
def findings_create_for_inspection(*, actor, inspection, failed_answers: list, now: dt.datetime | None = None,
                                   managers: list[Person] | None = None) -> list[Finding]:
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
    # `managers`: the unit's managers when the caller has looked them up already.
    managers = unit_managers([inspection.unit_id]) if managers is None else managers
    responsible = next(iter(managers), None)
    codes = [answer.item.code for answer in failed_answers]
    earlier = _latest_by(
        Finding.objects.filter(
            unit_id=inspection.unit_id, template_lineage=template.lineage, item_code__in=codes,
            created_at__gte=_window_start(policy, now),
        ).order_by("created_at", "id"),
        key=lambda f: f.item_code,
    )
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
    records.figures_changed_for(findings)
    if any(f.pk is None for f in findings):  # databases that cannot return ids from a bulk insert
        by_answer = {f.answer_id: f for f in Finding.objects.filter(answer__in=[a.pk for a in failed_answers])}
        findings = [by_answer[a.pk] for a in failed_answers]
    FindingEvent.objects.bulk_create([
        FindingEvent(finding=f, kind=FindingEventKind.CREATED, actor=actor, at=now, round=1,
                     note=_("检查提交时发现"), data={"inspection_id": inspection.pk, "answer_id": f.answer_id})
        for f in findings
    ])
    record_events(actor=actor, action="finding.create", objects=findings,
                  after=[snapshot(f, records.FINDING_AUDIT_FIELDS) for f in findings], at=now)
    if responsible is not None:
        notify(
            recipients=[responsible], kind="finding.assigned", obj=inspection, at=now,
            title=_("%(unit)s 检查发现 %(count)s 个问题待整改") % {"unit": inspection.unit.name, "count": len(findings)},
            body="\n".join(
                _("· %(title)s(期限 %(due)s)") % {"title": f.title, "due": f.due_date.isoformat()} for f in findings
            ),
            # Per batch: a correction that fails another item later is a new batch, told again.
            dedupe_key=f"inspection:{inspection.pk}:findings:{findings[0].pk}",
        )
    early_warning.warn_inspection_findings(inspection=inspection, findings=findings, at=now)
    return findings


# Foreign keys the service has checked itself (the unit in scope, the person a member, the repeat
# found in the unit's own findings, the actor): full_clean would read each of them again.
_CHECKED_KEYS = ["organization", "unit", "inspection", "answer", "item", "responsible_person", "owner", "repeat_of",
                 "created_by", "closed_by", "closed_by_inspection", "closed_by_answer"]


def finding_create(**kwargs) -> Finding:
    """Record a finding by hand (see `finding_create_once`, which also says whether it was made now)."""
    return finding_create_once(**kwargs)[0]


@retrying_atomic
def finding_create_once(
    *,
    actor,
    unit: Unit,
    source: str,
    title: str,
    severity: str,
    category: str,
    description: str = "",
    responsible_person: Person | None = None,
    item_code: str = "",
    attachments: Sequence[Attachment] = (),
    client_id: str = "",
    now: dt.datetime | None = None,
) -> tuple[Finding, bool]:
    """Record a finding by hand (data check, complaint, self-report) at a unit in the actor's scope.
    Returns (finding, created).

    The due date is the policy's days for the severity from today; the unit's manager answers for
    it unless someone else at the unit is named; photos given become its first evidence. With a
    `client_id` a retry by the same person (even one racing the first call) gives back the finding
    the first call made (created False), unchanged.
    """
    mine = Finding.objects.filter(organization_id=actor.organization_id, created_by=actor)
    client_id = clean_client_id(client_id)
    if (first := earlier(mine, client_id)) is not None:
        return first, False
    if source not in MANUAL_SOURCES:
        raise validation_error("source", _("只能手工登记数据核查、投诉或自查问题"))
    if not can_create_finding(actor, unit, source):
        deny_permission()
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = policy_for(unit.organization_id, on=today)
    title = records.text(title, "title", required=_("请填写问题标题"), limit=300)
    description = records.text(description, "description")
    if severity not in Severity.values:
        raise validation_error("severity", _("未知的严重程度"))
    if category not in {c.code for c in policy.findings.categories}:
        raise validation_error("category", _("请选择制度规定的问题类别"))
    item_code = records.text(item_code, "item_code", limit=50)
    if responsible_person is not None:
        check_member(responsible_person, unit, "responsible_person_id")
    responsible = responsible_person or unit_manager_of(unit)
    due = today + dt.timedelta(days=policy.findings.due_days_for(severity))
    previous = _repeat_of_manual(unit=unit, item_code=item_code, title=title, window_start=_window_start(policy, now))
    finding = Finding(
        organization_id=unit.organization_id, unit=unit, source=source, item_code=item_code, title=title,
        description=description, category=category, severity=severity, status=FindingStatus.OPEN,
        responsible_person=responsible, due_date=due, policy_due_date=due, repeat=previous is not None,
        repeat_of=previous, created_by=actor, created_at=now, client_id=client_id,
    )
    full_clean_or_refuse(finding, exclude=_CHECKED_KEYS, validate_constraints=False)  # the database holds them
    finding, created = save_once(finding, mine)
    if not created:
        return finding, False
    event = records.timeline(finding, FindingEventKind.CREATED, actor=actor, at=now, note=description,
                             data={"source": source})
    attachment_ids = records.attach(actor, finding, event, attachments)
    record_event(actor=actor, action="finding.create", obj=finding, at=now,
                 after={**snapshot(finding, records.FINDING_AUDIT_FIELDS), "attachment_ids": attachment_ids})
    # The creator must see what they made: whoever may record a finding at a unit reads the unit's
    # findings (REPORTERS and RECTIFIERS are FINDING_READERS), so this holds without reading it back.
    if not actor_covers(actor, FINDING_READERS, unit.path):
        deny_permission()
    records.tell([responsible], actor=actor, finding=finding, kind="finding.assigned", at=now,
                 title=_("%(unit)s 有新问题待整改:%(title)s") % {"unit": unit.name, "title": finding.title},
                 body=_("整改期限 %(due)s") % {"due": due.isoformat()}, dedupe_key=f"finding:{finding.pk}:assigned")
    early_warning.warn_finding(finding=finding, at=now)
    # As read back it would be: the one timeline event, the evidence given, no extension yet.
    attached = sorted((a for a in attachments if a.pk in set(attachment_ids)),
                      key=lambda a: (a.uploaded_at, a.pk), reverse=True)  # Attachment's ordering
    records.prefetched(event, "attachments", attached)
    records.prefetched(finding, "events", [event])
    records.prefetched(finding, "evidence", attached)
    records.prefetched(finding, "extensions", [])
    return finding, True

