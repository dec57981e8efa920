"""The approval engine: requests routed by policy, decided step by step, audited, notified.

Other apps ask for approval with `approval_request_create(..., subject=obj)` and learn the final
decision through `registry.register_outcome_handler(kind, handler)`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.access import get_for_actor
from dudao.core.attachments import attachment_attach
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.notifications.services import notify
from dudao.policies.registry import policy_for

from . import registry, routing
from .choices import AMOUNT_KINDS, REQUESTABLE_KINDS, ApprovalKind, ApprovalStatus, Decision, StepStatus
from .models import ApprovalRequest, ApprovalStep
from .permissions import can_decide_approval, can_request_approval
from .workflow import REQUEST, STEP, step_to

REQUEST_AUDIT_FIELDS = ["kind", "title", "amount", "unit", "detail", "requester", "status", "subject_type",
                        "subject_id"]
MAX_AMOUNT = Decimal("999999999999.99")


def _amount(kind: str, amount) -> Decimal | None:
    if amount is None or amount == "":
        if kind in AMOUNT_KINDS:
            raise validation_error("amount", _("此类申请必须填写金额"))
        return None
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise validation_error("amount", _("金额必须是数字")) from None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise validation_error("amount", _("金额必须在 0 到 999999999999.99 之间"))
    if value != value.quantize(Decimal("0.01")):
        raise validation_error("amount", _("金额最多保留两位小数"))
    return value.quantize(Decimal("0.01"))


def _steps_state(request: ApprovalRequest) -> list[dict]:
    return [
        {"position": s.position, "role": s.role, "status": s.status,
         "approver_ids": sorted(p.pk for p in s.approvers.all())}
        for s in request.steps.order_by("position").prefetch_related("approvers")
    ]


def _due(now: dt.datetime, request: ApprovalRequest) -> dt.datetime:
    """When a step starting `now` is due: the policy's days per step, or, for a kind the policy has
    decided as a whole (`decision_deadlines`), the request's own deadline from its submission, the
    policy in force then (a later step gets no fresh days)."""
    policy = policy_for(request.organization_id, on=timezone.localdate(request.created_at)).approvals
    whole = policy.decision_days(request.kind)
    if whole is not None:
        return request.created_at + dt.timedelta(days=whole)
    days = policy_for(request.organization_id, on=timezone.localdate(now)).approvals.step_deadline_days
    return now + dt.timedelta(days=days)


def _notify_approvers(request: ApprovalRequest, step: ApprovalStep, approvers, now) -> None:
    notify(
        recipients=approvers, kind="approval.pending",
        title=_("待您审批:%(title)s") % {"title": request.title}, obj=request,
        body=_("%(requester)s 提交的%(kind)s,请在 %(due)s 前审批。") % {
            "requester": request.requester.display_name, "kind": request.get_kind_display(),
            "due": timezone.localtime(step.due_at).strftime("%Y-%m-%d %H:%M")},
        dedupe_key=f"approval:{request.pk}:step:{step.position}", at=now,
    )


# --- requests ----------------------------------------------------------------------------------
@transaction.atomic
def approval_request_create(
    *,
    actor,
    kind: str,
    title: str,
    amount=None,
    unit,
    detail: dict | None = None,
    subject=None,
    attachments: Sequence = (),
    roles: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> ApprovalRequest:
    """Ask for approval on behalf of `unit`; the policy's route for `kind` and `amount` gives the steps.

    Refused (nothing saved) when a step's role has nobody other than the requester to decide it.
    `subject` is the object another app asks approval for (a plan); its outcome handler hears the
    final decision. `attachments` (uploaded by the actor) are bound to the request and its unit.
    `roles` (from the subject's app, never from a person's input) replaces the policy's steps.
    """
    require_permission(can_request_approval(actor, unit))
    if kind not in ApprovalKind.values:
        raise validation_error("kind", _("未知的审批类型:%(kind)s") % {"kind": kind})
    if subject is None and kind not in REQUESTABLE_KINDS:
        # A plan, a report or an extension is asked for by its own app, which names what it concerns.
        raise validation_error("kind", _("“%(kind)s”由相应业务自动发起(如提交计划、报告或申请整改延期),不能在此直接申请") % {
            "kind": ApprovalKind(kind).label})
    title = (title or "").strip()
    if not title:
        raise validation_error("title", _("必须填写标题"))
    value = _amount(kind, amount)
    if detail is None:
        detail = {}
    if not isinstance(detail, dict):
        raise validation_error("detail", _("必须是对象(键值表)"))
    if subject is not None and (subject.pk is None or getattr(subject, "organization_id", None) != actor.organization_id):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    now = now or timezone.now()
    steps = routing.route(kind=kind, amount=value, unit=unit, requester=actor, on=timezone.localdate(now),
                          roles=roles)

    request = ApprovalRequest(
        organization_id=actor.organization_id, kind=kind, title=title, amount=value, unit=unit, detail=detail,
        requester=actor, status=ApprovalStatus.PENDING, created_at=now,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
    )
    full_clean_or_refuse(request)
    request.save()
    due_at = _due(now, request)
    rows = [
        ApprovalStep(request=request, position=step.position, role=step.role, status=StepStatus.WAITING)
        for step in steps
    ]
    first = rows[0]
    first.status = step_to(first, "activate")
    first.activated_at, first.due_at = now, due_at
    ApprovalStep.objects.bulk_create(rows)
    rows = list(request.steps.order_by("position"))
    through = ApprovalStep.approvers.through
    through.objects.bulk_create([
        through(approvalstep_id=row.pk, person_id=person.pk)
        for row, step in zip(rows, steps, strict=True) for person in step.approvers
    ])
    for attachment in attachments:
        attachment_attach(actor=actor, attachment=attachment, obj=request, unit=unit)
    if attachments:
        request.attachments.add(*attachments)
    record_event(
        actor=actor, action="approval.request", obj=request, at=now,
        after={**snapshot(request, REQUEST_AUDIT_FIELDS), "steps": _steps_state(request),
               "attachment_ids": sorted(a.pk for a in attachments)},
    )
    # The requester must be able to follow what they asked for.
    get_for_actor(ApprovalRequest, actor, request.pk)
    _notify_approvers(request, rows[0], steps[0].approvers, now)
    return request


# --- decisions ---------------------------------------------------------------------------------
@transaction.atomic
def approval_decide(
    *, actor, approval: ApprovalRequest, decision: str, comment: str = "", now: dt.datetime | None = None
) -> ApprovalRequest:
    """Approve or reject the request's current step.

    The request row is locked first, so two simultaneous decisions are taken one after the other
    and the second finds the state the first left (decided: 409; next step not theirs: 404).
    Only a holder of the current step's role over the requesting unit decides, never the requester,
    and under four eyes (policy) nobody who decided an earlier step; an approval that would leave the
    steps to come with nobody else to decide them is refused (409). A rejection needs a comment and
    ends the request; the last approval completes it. The owning app's outcome handler runs in this
    transaction.
    """
    request = get_for_actor(
        ApprovalRequest.objects.select_related("unit", "requester"), actor, approval.pk, for_update=True
    )
    REQUEST.check(request, "approve")
    require_permission(can_decide_approval(actor, request))
    if decision not in Decision.values:
        raise validation_error("decision", _("必须是 approve 或 reject"))
    comment = (comment or "").strip()
    if decision == Decision.REJECT and not comment:
        raise validation_error("comment", _("驳回时必须填写意见"))
    now = now or timezone.now()
    steps = list(request.steps.order_by("position").select_for_update())
    step = next(s for s in steps if s.status == StepStatus.PENDING)
    action = "approve" if decision == Decision.APPROVE else "reject"
    step.status = step_to(step, action)
    step.decided_by, step.decided_at, step.comment = actor, now, comment
    step.save(update_fields=["status", "decided_by", "decided_at", "comment"])

    following = [s for s in steps if s.position > step.position]
    next_step = None
    next_approvers: list = []
    if decision == Decision.APPROVE and following:
        next_step = following[0]
        next_approvers = routing.open_next(
            roles=[s.role for s in following], unit=request.unit, requester=request.requester,
            decided=[s.decided_by_id for s in steps if s.position <= step.position], actor=actor,
            on=timezone.localdate(request.created_at),
        )
        next_step.status = step_to(next_step, "activate")
        next_step.activated_at, next_step.due_at = now, _due(now, request)
        next_step.save(update_fields=["status", "activated_at", "due_at"])
        next_step.approvers.set(next_approvers)
        transition, changes = "advance", {}
    else:
        for later in following:
            later.status = step_to(later, "skip")
            later.save(update_fields=["status"])
        transition, changes = action, {"decided_at": now}
    REQUEST.apply(
        request, transition, actor=actor, changes=changes, event="approval.decide", at=now, audit_fields=["status"],
        extra={"step": step.position, "role": step.role, "decision": decision, "comment": comment,
               "next_step": next_step.position if next_step else None,
               "next_approver_ids": [p.pk for p in next_approvers]},
    )
    outcome = None if transition == "advance" else request.status
    if outcome is not None:
        handler = registry.outcome_handler(request.kind, request.subject_type)
        if handler is not None:
            handler(request, outcome)
    _notify_after_decision(request, step, decision, next_step, next_approvers, now)
    return request


def _notify_after_decision(request, step, decision, next_step, next_approvers, now) -> None:
    decider = step.decided_by.display_name
    if next_step is not None:
        notify(
            recipients=[request.requester], kind="approval.progress",
            title=_("%(who)s 已同意:%(title)s") % {"who": decider, "title": request.title}, obj=request,
            body=_("下一步:%(role)s 审批。") % {"role": next_step.get_role_display()},
            dedupe_key=f"approval:{request.pk}:progress:{step.position}", at=now,
        )
        _notify_approvers(request, next_step, next_approvers, now)
    elif decision == Decision.APPROVE:
        notify(
            recipients=[request.requester], kind="approval.approved",
            title=_("审批通过:%(title)s") % {"title": request.title}, obj=request,
            body=_("最后一步由 %(who)s 同意。") % {"who": decider},
            dedupe_key=f"approval:{request.pk}:outcome", at=now,
        )
    else:
        notify(
            recipients=[request.requester], kind="approval.rejected",
            title=_("审批被驳回:%(title)s") % {"title": request.title}, obj=request,
            body=_("%(who)s 驳回:%(comment)s") % {"who": decider, "comment": step.comment},
            dedupe_key=f"approval:{request.pk}:outcome", at=now,
        )


@transaction.atomic
def approval_withdraw(*, actor, approval: ApprovalRequest, reason: str, now: dt.datetime | None = None) -> ApprovalRequest:
    """Withdraw a pending request whose subject needs no decision any more (a finding closed while its
    extension waited). Called by the subject's own service inside its transaction, never by hand: the
    steps not yet decided are skipped, the approvers waiting on it are told, and no outcome handler
    runs (the subject already knows). A request decided meanwhile is left as it is."""
    request = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
    if not REQUEST.allowed(request, "withdraw"):
        return request
    now = now or timezone.now()
    waiting_on = []
    for step in request.steps.order_by("position").select_for_update():
        if STEP.allowed(step, "withdraw"):
            waiting_on.extend(step.approvers.all())
            step.status = step_to(step, "withdraw")
            step.save(update_fields=["status"])
        elif STEP.allowed(step, "skip"):
            step.status = step_to(step, "skip")
            step.save(update_fields=["status"])
    REQUEST.apply(request, "withdraw", actor=actor, changes={"decided_at": now}, at=now, audit_fields=["status"],
                  extra={"reason": reason})
    notify(recipients=waiting_on, kind="approval.withdrawn", obj=request, at=now,
           title=_("申请已撤回,无需审批:%(title)s") % {"title": request.title}, body=reason,
           dedupe_key=f"approval:{request.pk}:withdrawn")
    return request


# --- deadlines ---------------------------------------------------------------------------------
@transaction.atomic
def approval_steps_remind_overdue(*, now: dt.datetime) -> int:
    """Remind the approvers of every step past its deadline, and again every policy
    `approvals.overdue_reminder_days` while it stays undecided; returns how many steps were reminded."""
    candidates = list(
        ApprovalStep.objects.select_for_update(of=("self",))
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - dt.timedelta(days=1)),
                status=StepStatus.PENDING, due_at__lt=now, request__status=ApprovalStatus.PENDING)
        .select_related("request", "request__requester")
        .order_by("due_at", "id")
    )
    intervals: dict[int, dt.timedelta] = {}
    steps = []
    for step in candidates:
        organization_id = step.request.organization_id
        if organization_id not in intervals:
            days = policy_for(organization_id, on=timezone.localdate(now)).approvals.overdue_reminder_days
            intervals[organization_id] = dt.timedelta(days=days)
        if step.reminded_at is None or now - step.reminded_at >= intervals[organization_id]:
            steps.append(step)
    if not steps:
        return 0
    approvers = defaultdict(list)
    for row in ApprovalStep.approvers.through.objects.filter(
        approvalstep_id__in=[s.pk for s in steps]
    ).select_related("person"):
        approvers[row.approvalstep_id].append(row.person)
    by_org: dict[int, list[ApprovalStep]] = defaultdict(list)
    for step in steps:
        request = step.request
        notify(
            recipients=approvers[step.pk], kind="approval.overdue",
            title=_("审批已超期:%(title)s") % {"title": request.title}, obj=request,
            body=_("%(role)s 审批期限为 %(due)s,请尽快处理。") % {
                "role": step.get_role_display(), "due": timezone.localtime(step.due_at).strftime("%Y-%m-%d %H:%M")},
            dedupe_key=f"approval-step-overdue:{step.pk}:{now.isoformat()}", at=now,
        )
        step.reminded_at = now
        by_org[request.organization_id].append(step)
    ApprovalStep.objects.bulk_update(steps, ["reminded_at"])
    for organization_id, org_steps in by_org.items():
        record_events(
            actor=None, action="approval_step.remind", objects=org_steps, at=now, organization_id=organization_id,
            after=[{"request_id": s.request_id, "position": s.position, "due_at": s.due_at} for s in org_steps],
        )
    return len(steps)
