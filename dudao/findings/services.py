"""Findings and their rectification: creation (by inspection submit or by hand) and every transition.

Each service checks who may act (`permissions.py`), then the state (`workflow.transition`), writes
the change, a timeline event and an audit event in one transaction, and tells the people who must
act next through `notify()` (inbox rows in the transaction, delivery after commit). Every
notification carries a dedupe key, so a retried call or a re-run job tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.access import get_for_actor
from dudao.core.attachments import attachment_attach
from dudao.core.audit import record_event, record_events, snapshot, to_json_value
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    deny_permission,
    full_clean_or_refuse,
    validation_error,
)
from dudao.core.models import Attachment
from dudao.notifications.services import notify
from dudao.org.choices import ORG_WIDE_ROLES, Role
from dudao.org.models import Person, RoleAssignment, Unit
from dudao.org.selectors import unit_managers
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from .choices import (
    MANUAL_SOURCES,
    ExtensionDecision,
    ExtensionStatus,
    FindingEventKind,
    FindingSource,
    FindingStatus,
)
from .models import RECTIFIERS, Finding, FindingEvent, FindingExtension
from .permissions import (
    can_comment_finding,
    can_create_finding,
    can_decide_extension,
    can_rectify_finding,
    can_verify_finding,
)
from .workflow import transition

__all__ = [
    "finding_accept",
    "finding_close_by_reinspection",
    "finding_comment",
    "finding_create",
    "finding_extension_decide",
    "finding_extension_request",
    "finding_plan",
    "finding_progress",
    "finding_reject",
    "finding_submit",
    "findings_create_for_inspection",
    "findings_escalate",
    "role_holders",
    "unit_manager_of",
]

FINDING_AUDIT_FIELDS = [
    "unit", "source", "inspection", "item", "item_code", "title", "description", "category", "severity",
    "status", "round", "responsible_person", "owner", "measures", "due_date", "policy_due_date",
    "extended_due_date", "escalation_level", "repeat", "repeat_of", "submitted_at", "closed_at", "closed_by",
    "closed_by_inspection", "closed_by_answer",
]
EXTENSION_AUDIT_FIELDS = [
    "finding", "requested_by", "previous_due_date", "requested_due_date", "reason", "status", "decided_by",
    "decision_note",
]
NOTE_MAX = 4000
MAX_ATTACHMENTS = 20


# --- helpers ---------------------------------------------------------------------------------


def _text(value: str | None, field: str, *, required: str | None = None, limit: int = NOTE_MAX) -> str:
    """Trimmed text; refused naming `field` when required and empty, or too long."""
    value = (value or "").strip()
    if required and not value:
        raise validation_error(field, required)
    if len(value) > limit:
        raise validation_error(field, _("不能超过 %(limit)s 字") % {"limit": limit})
    return value


def _lock(finding: Finding) -> Finding:
    """The finding re-read under a row lock, so two people acting at once take turns."""
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("unit", "owner", "responsible_person")
        .get(pk=finding.pk)
    )


def unit_manager_of(unit: Unit) -> Person | None:
    """The person answerable for a unit (its longest-serving active unit manager), or None."""
    return next(iter(unit_managers([unit.pk])), None)


def role_holders(unit: Unit, roles: Iterable[str]) -> list[Person]:
    """Active people holding one of `roles` over `unit`: on the unit or an ancestor, or org-wide."""
    roles = frozenset(roles)
    org_wide = roles & ORG_WIDE_ROLES
    condition = Q(unit_id__in=[*unit.ancestor_ids, unit.pk])
    if org_wide:
        condition |= Q(role__in=org_wide)
    assignments = (
        RoleAssignment.objects.filter(condition, organization_id=unit.organization_id, role__in=roles,
                                      person__is_active=True)
        .select_related("person")
        .order_by("person_id")
    )
    people: dict[int, Person] = {}
    for assignment in assignments:
        people.setdefault(assignment.person_id, assignment.person)
    return list(people.values())


def _verifiers(unit: Unit) -> list[Person]:
    """Who accepts a unit's rectification: its supervisors, else its ops managers, else the admins;
    never someone who manages the unit."""
    managers = {p.pk for p in role_holders(unit, RECTIFIERS)}
    for roles in ({Role.SUPERVISOR}, {Role.OPS_MANAGER}, {Role.ADMIN}):
        people = [p for p in role_holders(unit, roles) if p.pk not in managers]
        if people:
            return people
    return []


def _unit_side(finding: Finding) -> list[Person]:
    return [p for p in (finding.responsible_person, finding.owner) if p is not None]


def _tell(recipients: Iterable[Person | None], *, actor, finding: Finding, kind: str, title: str,
          dedupe_key: str, body: str = "", at: dt.datetime | None = None) -> None:
    """Notify everyone named except the person who acted (they know already)."""
    people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
    if people:
        notify(recipients=people, kind=kind, title=title, obj=finding, body=body, dedupe_key=dedupe_key, at=at)


def _check_member(person: Person, unit: Unit, field: str) -> None:
    """A responsible person or owner must work at the unit: hold a role on it or inside it."""
    member = (
        person.organization_id == unit.organization_id
        and person.is_active
        and RoleAssignment.objects.filter(person=person, unit__path__startswith=unit.path).exists()
    )
    if not member:
        raise validation_error(field, _("%(name)s 不在 %(unit)s 任职,不能指定") % {
            "name": person.display_name, "unit": unit.name})


def _attach(actor, finding: Finding, event: FindingEvent, attachments: Sequence[Attachment]) -> list[int]:
    """Bind uploaded evidence to the finding (and its unit) and to the timeline event it came with."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise validation_error("attachment_ids", _("一次最多上传 %(count)s 个附件") % {"count": MAX_ATTACHMENTS})
    attached = [attachment_attach(actor=actor, attachment=a, obj=finding, unit=finding.unit) for a in attachments]
    if attached:
        event.attachments.add(*attached)
        finding.evidence.add(*attached)
    return [a.pk for a in attached]


def _event(finding: Finding, kind: str, *, actor, at: dt.datetime, note: str = "", data: dict | None = None,
           round: int | None = None) -> FindingEvent:
    return FindingEvent.objects.create(
        finding=finding, kind=kind, actor=actor, at=at, note=note, data=to_json_value(data or {}),
        round=round or finding.round,
    )


def _save(finding: Finding) -> None:
    full_clean_or_refuse(finding)
    finding.save()


def _audit(actor, action: str, finding: Finding, before: dict, extra: dict | None = None, at=None) -> None:
    after = snapshot(finding, FINDING_AUDIT_FIELDS)
    if extra:
        after = {**after, **to_json_value(extra)}
    record_event(actor=actor, action=action, obj=finding, before=before, after=after, at=at)


def _cancel_pending_extensions(finding: Finding, now: dt.datetime) -> None:
    finding.extensions.filter(status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.CANCELLED, decided_at=now, decision_note=_("问题已关闭")
    )


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
    if any(f.pk is None for f in findings):  # databases that cannot return ids from a bulk insert
        by_answer = {f.answer_id: f for f in Finding.objects.filter(answer__in=[a.pk for a in failed_answers])}
        findings = [by_answer[a.pk] for a in failed_answers]
    FindingEvent.objects.bulk_create([
        FindingEvent(finding=f, kind=FindingEventKind.CREATED, actor=actor, at=now, round=1,
                     note=_("检查提交时发现"), data={"inspection_id": inspection.pk, "answer_id": f.answer_id})
        for f in findings
    ])
    record_events(actor=actor, action="finding.create", objects=findings,
                  after=[snapshot(f, FINDING_AUDIT_FIELDS) for f in findings], at=now)
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
    return findings


@transaction.atomic
def finding_create(
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
    now: dt.datetime | None = None,
) -> Finding:
    """Record a finding by hand (data check, complaint, self-report) at a unit in the actor's scope.

    The due date is the policy's days for the severity from today; the unit's manager answers for
    it unless someone else at the unit is named; photos given become its first evidence.
    """
    if source not in MANUAL_SOURCES:
        raise validation_error("source", _("只能手工登记数据核查、投诉或自查问题"))
    if not can_create_finding(actor, unit, source):
        deny_permission()
    now = now or timezone.now()
    today = timezone.localdate(now)
    policy = policy_for(unit.organization_id, on=today)
    title = _text(title, "title", required=_("请填写问题标题"), limit=300)
    description = _text(description, "description")
    if severity not in Severity.values:
        raise validation_error("severity", _("未知的严重程度"))
    if category not in {c.code for c in policy.findings.categories}:
        raise validation_error("category", _("请选择制度规定的问题类别"))
    item_code = _text(item_code, "item_code", limit=50)
    if responsible_person is not None:
        _check_member(responsible_person, unit, "responsible_person_id")
    responsible = responsible_person or unit_manager_of(unit)
    due = today + dt.timedelta(days=policy.findings.due_days_for(severity))
    previous = _repeat_of_manual(unit=unit, item_code=item_code, title=title, window_start=_window_start(policy, now))
    finding = Finding(
        organization_id=unit.organization_id, unit=unit, source=source, item_code=item_code, title=title,
        description=description, category=category, severity=severity, status=FindingStatus.OPEN,
        responsible_person=responsible, due_date=due, policy_due_date=due, repeat=previous is not None,
        repeat_of=previous, created_by=actor, created_at=now,
    )
    _save(finding)
    event = _event(finding, FindingEventKind.CREATED, actor=actor, at=now, note=description,
                   data={"source": source})
    attachment_ids = _attach(actor, finding, event, attachments)
    record_event(actor=actor, action="finding.create", obj=finding, at=now,
                 after={**snapshot(finding, FINDING_AUDIT_FIELDS), "attachment_ids": attachment_ids})
    get_for_actor(Finding, actor, finding.pk)  # the creator must see what they made
    _tell([responsible], actor=actor, finding=finding, kind="finding.assigned", at=now,
          title=_("%(unit)s 有新问题待整改:%(title)s") % {"unit": unit.name, "title": finding.title},
          body=_("整改期限 %(due)s") % {"due": due.isoformat()}, dedupe_key=f"finding:{finding.pk}:assigned")
    return finding


# --- the unit side ---------------------------------------------------------------------------
@transaction.atomic
def finding_plan(*, actor, finding: Finding, measures: str, owner: Person | None = None,
                 due_date: dt.date | None = None, now: dt.datetime | None = None) -> Finding:
    """The unit side's rectification plan: measures, who carries them out, and by when (not later
    than the policy deadline unless an extension was approved)."""
    finding = _lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    target = transition(finding, "plan")
    now = now or timezone.now()
    measures = _text(measures, "measures", required=_("请填写整改措施"))
    owner = owner or actor
    _check_member(owner, finding.unit, "owner_id")
    due_date = due_date or finding.due_date
    if due_date > finding.deadline_limit:
        raise validation_error("due_date", _("整改期限不能晚于 %(limit)s;需要更多时间请申请延期") % {
            "limit": finding.deadline_limit.isoformat()})
    if due_date < timezone.localdate(finding.created_at):
        raise validation_error("due_date", _("整改期限不能早于发现日期"))
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    finding.status, finding.measures, finding.owner, finding.due_date = target, measures, owner, due_date
    _save(finding)
    _event(finding, FindingEventKind.PLANNED, actor=actor, at=now, note=measures,
           data={"owner_id": owner.pk, "due_date": due_date})
    _audit(actor, "finding.plan", finding, before, at=now)
    _tell([owner], actor=actor, finding=finding, kind="finding.assigned", at=now,
          title=_("请负责整改:%(title)s(期限 %(due)s)") % {"title": finding.title, "due": due_date.isoformat()},
          body=measures, dedupe_key=f"finding:{finding.pk}:owner:{owner.pk}:{finding.round}")
    return finding


@transaction.atomic
def finding_progress(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                     now: dt.datetime | None = None) -> FindingEvent:
    """A progress note (with photos) while the rectification is under way."""
    finding = _lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    transition(finding, "progress")
    now = now or timezone.now()
    note = _text(note, "note", required=None if attachments else _("请填写整改进展"))
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    event = _event(finding, FindingEventKind.PROGRESS, actor=actor, at=now, note=note)
    attachment_ids = _attach(actor, finding, event, attachments)
    _audit(actor, "finding.progress", finding, before, {"note": note, "attachment_ids": attachment_ids}, at=now)
    return event


def round_evidence(finding: Finding) -> list[int]:
    """Evidence given in the current round (progress photos count toward the submission)."""
    return list(
        FindingEvent.attachments.through.objects.filter(
            findingevent__finding=finding, findingevent__round=finding.round,
            findingevent__kind__in=[FindingEventKind.PROGRESS, FindingEventKind.SUBMITTED],
        ).values_list("attachment_id", flat=True)
    )


@transaction.atomic
def finding_submit(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                   now: dt.datetime | None = None) -> Finding:
    """Hand the rectification over for acceptance, with what was done and the evidence; evidence is
    required for the severities the policy names (default high and critical)."""
    finding = _lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    target = transition(finding, "submit")
    now = now or timezone.now()
    note = _text(note, "note", required=_("请说明整改情况"))
    policy = policy_for(finding.organization_id, on=timezone.localdate(now))
    if policy.findings.evidence_required_for(finding.severity) and not attachments and not round_evidence(finding):
        raise validation_error("attachment_ids", _("“%(severity)s”级问题须上传整改后的照片作为证据") % {
            "severity": Severity(finding.severity).label})
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    finding.status, finding.submitted_at = target, now
    _save(finding)
    event = _event(finding, FindingEventKind.SUBMITTED, actor=actor, at=now, note=note)
    attachment_ids = _attach(actor, finding, event, attachments)
    _audit(actor, "finding.submit", finding, before, {"note": note, "attachment_ids": attachment_ids}, at=now)
    _tell(_verifiers(finding.unit), actor=actor, finding=finding, kind="finding.submitted", at=now,
          title=_("%(unit)s 提交了整改,请验收:%(title)s") % {"unit": finding.unit.name, "title": finding.title},
          body=note, dedupe_key=f"finding:{finding.pk}:submitted:{finding.round}")
    return finding


# --- the supervisor side ---------------------------------------------------------------------
@transaction.atomic
def finding_accept(*, actor, finding: Finding, note: str = "", now: dt.datetime | None = None) -> Finding:
    """A supervisor in scope accepts the rectification: the finding is closed."""
    finding = _lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    target = transition(finding, "accept")
    now = now or timezone.now()
    note = _text(note, "note")
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    finding.status, finding.closed_at, finding.closed_by = target, now, actor
    _save(finding)
    _cancel_pending_extensions(finding, now)
    _event(finding, FindingEventKind.ACCEPTED, actor=actor, at=now, note=note)
    _audit(actor, "finding.accept", finding, before, {"note": note}, at=now)
    _tell(_unit_side(finding), actor=actor, finding=finding, kind="finding.accepted", at=now,
          title=_("整改已验收通过:%(title)s") % {"title": finding.title}, body=note,
          dedupe_key=f"finding:{finding.pk}:accepted")
    return finding


@transaction.atomic
def finding_reject(*, actor, finding: Finding, reason: str, now: dt.datetime | None = None) -> Finding:
    """A supervisor in scope sends the rectification back with a reason: planned again, next round."""
    finding = _lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    target = transition(finding, "reject")
    now = now or timezone.now()
    reason = _text(reason, "reason", required=_("请说明退回原因"))
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    rejected_round = finding.round
    finding.status, finding.round, finding.submitted_at = target, finding.round + 1, None
    _save(finding)
    _event(finding, FindingEventKind.REJECTED, actor=actor, at=now, note=reason,
           data={"next_round": finding.round}, round=rejected_round)
    _audit(actor, "finding.reject", finding, before, {"reason": reason}, at=now)
    _tell(_unit_side(finding), actor=actor, finding=finding, kind="finding.rejected", at=now,
          title=_("整改被退回,请重新整改:%(title)s") % {"title": finding.title}, body=reason,
          dedupe_key=f"finding:{finding.pk}:rejected:{rejected_round}")
    return finding


@transaction.atomic
def finding_close_by_reinspection(*, actor, finding: Finding, inspection, answer) -> Finding:
    """A follow-up inspection's passing answer on the finding's item closes it; the timeline keeps the
    follow-up's answer (value, note, photos) beside the original."""
    finding = _lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    target = transition(finding, "close_by_reinspection")
    if answer.inspection_id != inspection.pk or inspection.unit_id != finding.unit_id:
        raise validation_error("answer", _("复查答案必须来自同一机构的复查"))
    if answer.failed:
        raise validation_error("answer", _("复查仍不合格,不能关闭问题"))
    if finding.item_code and answer.item.code != finding.item_code:
        raise validation_error("answer", _("复查答案不是该问题的检查项"))
    now = timezone.now()
    before = snapshot(finding, FINDING_AUDIT_FIELDS)
    finding.status, finding.closed_at, finding.closed_by = target, now, actor
    finding.closed_by_inspection, finding.closed_by_answer = inspection, answer
    _save(finding)
    _cancel_pending_extensions(finding, now)
    photos = list(answer.attachments.all())
    data = {"inspection_id": inspection.pk, "answer_id": answer.pk, "item_code": answer.item.code,
            "value": answer.value, "note": answer.note}
    event = _event(finding, FindingEventKind.CLOSED_BY_REINSPECTION, actor=actor, at=now, note=answer.note,
                   data=data)
    if photos:
        event.attachments.add(*photos)
    _audit(actor, "finding.close_by_reinspection", finding, before, {"answer": data}, at=now)
    _tell([finding.responsible_person, finding.owner], actor=actor, finding=finding, kind="finding.closed", at=now,
          title=_("复查合格,问题已关闭:%(title)s") % {"title": finding.title},
          dedupe_key=f"finding:{finding.pk}:closed")
    return finding


# --- extensions ------------------------------------------------------------------------------
def _extension_approver_roles(finding: Finding, on: dt.date) -> tuple[str, ...]:
    return tuple(policy_for(finding.organization_id, on=on).approvals.roles_for("rectification_extension"))


@transaction.atomic
def finding_extension_request(*, actor, finding: Finding, due_date: dt.date, reason: str,
                              now: dt.datetime | None = None) -> FindingExtension:
    """The unit side asks for a later due date, with a reason; the supervisor in scope decides."""
    finding = _lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    transition(finding, "request_extension")
    now = now or timezone.now()
    today = timezone.localdate(now)
    reason = _text(reason, "reason", required=_("请说明延期理由"))
    if due_date is None or due_date <= max(finding.due_date, today - dt.timedelta(days=1)):
        raise validation_error("due_date", _("延期后的期限须晚于当前整改期限(%(due)s)和今天") % {
            "due": finding.due_date.isoformat()})
    if finding.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("已有待审批的延期申请"),
                               {"fields": {"due_date": [_("已有待审批的延期申请")]}})
    extension = FindingExtension(
        finding=finding, requested_by=actor, requested_at=now, previous_due_date=finding.due_date,
        requested_due_date=due_date, reason=reason,
    )
    full_clean_or_refuse(extension)
    extension.save()
    _event(finding, FindingEventKind.EXTENSION_REQUESTED, actor=actor, at=now, note=reason,
           data={"extension_id": extension.pk, "due_date": due_date, "previous_due_date": finding.due_date})
    record_event(actor=actor, action="finding.extension_request", obj=extension, at=now,
                 organization_id=finding.organization_id, after=snapshot(extension, EXTENSION_AUDIT_FIELDS))
    roles = _extension_approver_roles(finding, today)
    deciders = [p for p in role_holders(finding.unit, {*roles, Role.SUPERVISOR})
                if can_decide_extension(p, finding, roles)]
    _tell(deciders, actor=actor, finding=finding, kind="finding.extension_requested", at=now,
          title=_("%(unit)s 申请整改延期至 %(due)s:%(title)s") % {
              "unit": finding.unit.name, "due": due_date.isoformat(), "title": finding.title},
          body=reason, dedupe_key=f"finding-extension:{extension.pk}:requested")
    return extension


@transaction.atomic
def finding_extension_decide(*, actor, finding: Finding, extension: FindingExtension, decision: str,
                             comment: str = "", now: dt.datetime | None = None) -> FindingExtension:
    """Approve (the due date moves to the requested one) or refuse a pending extension request."""
    finding = _lock(finding)
    now = now or timezone.now()
    today = timezone.localdate(now)
    roles = _extension_approver_roles(finding, today)
    if not can_decide_extension(actor, finding, roles):
        deny_permission()
    transition(finding, "decide_extension")
    extension = FindingExtension.objects.select_for_update().filter(finding=finding, pk=extension.pk).first()
    if extension is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if extension.status != ExtensionStatus.PENDING:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("该延期申请已处理"), {"status": extension.status})
    if decision not in ExtensionDecision.values:
        raise validation_error("decision", _("请选择批准或不批准"))
    comment = _text(comment, "comment", required=_("请说明不批准的理由") if decision == ExtensionDecision.REJECT else None)
    before_finding = snapshot(finding, FINDING_AUDIT_FIELDS)
    before = snapshot(extension, EXTENSION_AUDIT_FIELDS)
    approved = decision == ExtensionDecision.APPROVE
    extension.status = ExtensionStatus.APPROVED if approved else ExtensionStatus.REJECTED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, now, comment
    full_clean_or_refuse(extension)
    extension.save()
    if approved:
        finding.extended_due_date = finding.due_date = extension.requested_due_date
        if not finding.is_overdue(today):
            finding.escalation_level = 0  # a new deadline starts the ladder again
        _save(finding)
        _audit(actor, "finding.extend", finding, before_finding, {"extension_id": extension.pk}, at=now)
    _event(finding, FindingEventKind.EXTENSION_DECIDED, actor=actor, at=now, note=comment,
           data={"extension_id": extension.pk, "decision": decision, "due_date": extension.requested_due_date})
    record_event(actor=actor, action="finding.extension_decide", obj=extension, before=before, at=now,
                 organization_id=finding.organization_id, after=snapshot(extension, EXTENSION_AUDIT_FIELDS))
    title = (_("延期申请已批准,新的整改期限 %(due)s:%(title)s") if approved
             else _("延期申请未批准,整改期限仍为 %(due)s:%(title)s")) % {
        "due": finding.due_date.isoformat(), "title": finding.title}
    _tell([extension.requested_by], actor=actor, finding=finding, kind="finding.extension_decided", at=now,
          title=title, body=comment, dedupe_key=f"finding-extension:{extension.pk}:decided")
    return extension


# --- comments --------------------------------------------------------------------------------
@transaction.atomic
def finding_comment(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                    now: dt.datetime | None = None) -> FindingEvent:
    """A remark (with photos) on the timeline by anyone who sees the finding."""
    finding = _lock(finding)
    if not can_comment_finding(actor, finding):
        deny_permission()
    transition(finding, "comment")
    now = now or timezone.now()
    note = _text(note, "note", required=None if attachments else _("请填写评论内容"))
    event = _event(finding, FindingEventKind.COMMENT, actor=actor, at=now, note=note)
    attachment_ids = _attach(actor, finding, event, attachments)
    record_event(actor=actor, action="finding.comment", obj=finding, at=now,
                 after={"note": note, "attachment_ids": attachment_ids, "event_id": event.pk})
    return event


# --- deadlines: due soon, overdue, escalation (run by jobs.findings_escalate) ----------------
class _Holders:
    """The role holders of one organisation for the escalation ladder's roles, loaded once per run."""

    def __init__(self, organization_id: int, roles: set[str]) -> None:
        self.assignments = list(
            RoleAssignment.objects.filter(organization_id=organization_id, role__in=roles, person__is_active=True)
            .select_related("person", "unit").order_by("person_id")
        )

    def over(self, unit: Unit, role: str) -> list[Person]:
        """Holders of `role` over the unit; when nobody holds it there, the role's holders in the whole
        organisation, since an escalation must never go nowhere (e.g. an ops manager granted on the
        operations center rather than over the stores)."""
        holding = [a for a in self.assignments if a.role == role]
        covering = [a for a in holding if a.role in ORG_WIDE_ROLES or unit.path.startswith(a.unit.path)]
        people: dict[int, Person] = {}
        for a in covering or holding:
            people.setdefault(a.person_id, a.person)
        return list(people.values())


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
            _tell([finding.owner or finding.responsible_person], actor=None, finding=finding,
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
            _tell(_unit_side(finding), actor=None, finding=finding, kind="finding.overdue", at=now,
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
    holders = _Holders(organization_id, {str(step.role) for step in ladder}) if candidates else None
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
            before = snapshot(finding, FINDING_AUDIT_FIELDS)
            reached = range(finding.escalation_level + 1, level + 1)
            finding.escalation_level = level
            finding.save(update_fields=["escalation_level"])
            escalated += 1
            for number in reached:
                step = ladder[number - 1]
                people = holders.over(finding.unit, str(step.role))
                _event(finding, FindingEventKind.ESCALATED, actor=None, at=now,
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
            _audit(None, "finding.escalate", finding, before, {"days_overdue": days}, at=now)
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
