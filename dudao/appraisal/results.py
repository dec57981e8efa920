"""The results flow of appraisal cycles (DESIGN.md 2.11): submission through the approval engine,
the outcome of the last step, due-date reminders and appeals.

- `cycle_submit` sends a cycle's open appraisals to the policy's result flow as ONE request of
  kind `appraisal_result` (the submitter who holds the flow's first role over the scope is that
  step); `cycle_result_outcome` hears the final decision: approved, the cycle and its submitted
  appraisals are final and each person is told they may appeal; rejected, they return to open.
- `appraisal_appeal` lets the appraised person appeal a final appraisal within the policy window
  (an approval of kind `appeal` about the appraisal); `appeal_outcome` reopens it when upheld
  (its cycle too, so it can be rescored and submitted again) or makes it final again.
- `cycles_remind_due` reminds the creator of each open cycle whose results are due within two days
  or overdue, once a day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.services import approval_request_create
from dudao.core.audit import record_events, snapshot
from dudao.core.errors import ApplicationError, ErrorCode, require_permission, validation_error
from dudao.core.periods import parse_period
from dudao.core.scoping import actor_covers
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.policies.choices import ApprovalKind, KpiSource
from dudao.policies.registry import policy_for

from .choices import AppraisalStatus, CycleStatus
from .explain import money
from .models import Appraisal, AppraisalCycle
from .permissions import can_appeal_appraisal, can_submit_cycle
from .services import APPRAISAL_AUDIT_FIELDS, CYCLE_AUDIT_FIELDS
from .workflow import APPRAISAL, CYCLE

CYCLE_FLOW_FIELDS = [*CYCLE_AUDIT_FIELDS, "submitted_at", "finalised_at"]
DUE_SOON_DAYS = 2


def _policy(cycle):
    """The policy in force on the period's first day, as the cycle's scheme."""
    return policy_for(cycle.organization_id, on=parse_period(cycle.period).start)


def appeal_closes_at(cycle, finalised_at: dt.datetime | None = None) -> tuple[int, dt.datetime | None]:
    """(days, moment): the policy's `appeal_window_days` and when the window closes, that many
    days after the cycle was finalised (`finalised_at` stands in for a cycle not final yet);
    the moment is None when neither is known."""
    days = _policy(cycle).appraisal.appeal_window_days
    finalised = cycle.finalised_at or finalised_at
    return days, (finalised + dt.timedelta(days=days) if finalised is not None else None)


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def _cycle_name(cycle) -> str:
    return _("%(period)s %(role)s考核（%(scope)s）") % {
        "period": cycle.period, "role": _role_label(cycle.role), "scope": cycle.scope_unit.name}


def _move(appraisals: list[Appraisal], name: str, *, actor, at, extra: dict | None = None,
          changes: dict | None = None) -> None:
    """Take the APPRAISAL transition `name` on every appraisal in a fixed number of queries: each is
    checked against the table first (nothing changes when one may not take it), then saved and
    audited together."""
    if not appraisals:
        return
    targets = [APPRAISAL.check(appraisal, name).leads_from(APPRAISAL.state_of(appraisal)) for appraisal in appraisals]
    before = [snapshot(a, APPRAISAL_AUDIT_FIELDS) for a in appraisals]
    for appraisal, target in zip(appraisals, targets, strict=True):
        appraisal.status = target
        for attribute, value in (changes or {}).items():
            setattr(appraisal, attribute, value)
    Appraisal.objects.bulk_update(appraisals, ["status", *(changes or {})])
    after = [{**snapshot(a, APPRAISAL_AUDIT_FIELDS), **(extra or {})} for a in appraisals]
    record_events(actor=actor, action=f"{APPRAISAL.event_prefix}.{name}", objects=appraisals, at=at,
                  before=before, after=after)


def _unscored_manual(appraisals: list[Appraisal]) -> tuple[Appraisal, dict] | None:
    for appraisal in appraisals:
        for line in appraisal.kpis:
            if line.get("source") == KpiSource.MANUAL and line.get("status") == "not_scored":
                return appraisal, line
    return None


def _detail_line(appraisal: Appraisal) -> str:
    score = "—" if appraisal.score is None else f"{appraisal.score}"
    if appraisal.bonus_forfeited:
        amount = _("不发放")
    elif appraisal.bonus_amount is None:
        amount = _("待定")
    else:
        amount = money(appraisal.bonus_amount)
    return _("%(rank)s. %(name)s（%(username)s） 得分 %(score)s 奖金 %(amount)s") % {
        "rank": appraisal.rank or "—", "name": appraisal.person.display_name,
        "username": appraisal.person.username, "score": score, "amount": amount}


# --- submission -------------------------------------------------------------------------------------
@transaction.atomic
def cycle_submit(*, actor, cycle: AppraisalCycle, now: dt.datetime | None = None) -> AppraisalCycle:
    """Send the cycle's open appraisals through the result flow as one approval request.

    Refused (nothing changed): 409 when the cycle is not open or has no open appraisal, 422 naming
    `appraisal_id` and `kpi_code` when a manual KPI has no score yet. The steps are the policy's
    `appraisal.result_flow`; when the submitter holds its first role over the scope, their
    submission is that step and the request starts at the second (the request says so)."""
    require_permission(can_submit_cycle(actor, cycle))
    now = now or timezone.now()
    cycle = AppraisalCycle.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=cycle.pk)
    CYCLE.check(cycle, "submit")
    pending = list(Appraisal.objects.select_for_update(of=("self",)).select_related("person")
                   .filter(cycle=cycle, status=AppraisalStatus.OPEN).order_by("rank", "person__username"))
    if not pending:
        raise ApplicationError(ErrorCode.CONFLICT, _("本考核周期没有评分中的考核可提交"), {"status": cycle.status})
    missing = _unscored_manual(pending)
    if missing is not None:
        appraisal, line = missing
        message = _("%(name)s 的人工评分指标“%(kpi)s”尚未评分") % {
            "name": appraisal.person.display_name, "kpi": line.get("name") or line.get("code")}
        raise ApplicationError(ErrorCode.VALIDATION, message, {
            "fields": {"kpi_code": [message]}, "appraisal_id": appraisal.pk, "kpi_code": line.get("code")})

    flow = [str(role) for role in _policy(cycle).approval_roles(ApprovalKind.APPRAISAL_RESULT)]
    roles, first_step = flow, ""
    if len(flow) > 1 and actor_covers(actor, frozenset({flow[0]}), cycle.scope_unit.path):
        roles = flow[1:]
        first_step = _("提交人 %(name)s 担任%(role)s，其提交即为第一步（%(role)s）审核，审批从%(next)s开始") % {
            "name": actor.display_name, "role": _role_label(flow[0]), "next": _role_label(flow[1])}
    known = [a.bonus_amount for a in pending if a.bonus_amount is not None]
    total = sum(known, Decimal(0)) if known else None
    bonus_total = money(total) if total is not None else _("待定")
    if known and len(known) < len(pending):
        bonus_total += _("（另有 %(n)s 人奖金待定）") % {"n": len(pending) - len(known)}
    detail = {
        "cycle_id": cycle.pk,
        "appraisal_cycle": _cycle_name(cycle),
        "appraisees": [_detail_line(a) for a in pending],
        "bonus_total": bonus_total,
        "results_due_on": cycle.due_on.isoformat() if cycle.due_on else "",
    }
    if first_step:
        detail["first_step"] = first_step
    approval = approval_request_create(
        actor=actor, kind=ApprovalKind.APPRAISAL_RESULT, unit=cycle.scope_unit, subject=cycle, roles=roles,
        title=(_("考核结果：%(cycle)s，%(n)s 人") % {"cycle": _cycle_name(cycle), "n": len(pending)})[:200],
        amount=total, detail=detail, now=now,
    )
    _move(pending, "submit", actor=actor, at=now, extra={"approval_id": approval.pk})
    CYCLE.apply(cycle, "submit", actor=actor, at=now, audit_fields=CYCLE_FLOW_FIELDS,
                changes={"approval": approval, "submitted_at": now},
                extra={"appraisal_ids": [a.pk for a in pending], "roles": roles})
    return cycle


def _last_decision(request):
    step = (request.steps.filter(decided_by__isnull=False).select_related("decided_by")
            .order_by("-position").first())
    if step is None:
        return None, timezone.now(), ""
    return step.decided_by, step.decided_at, step.comment


def cycle_result_outcome(request, outcome: str) -> None:
    """The approval engine's final decision on a cycle's results, in its transaction: approved,
    the submitted appraisals and the cycle are final and each person is told (with the appeal
    window); rejected, they return to open with the comment, and the submitter is told."""
    cycle = (AppraisalCycle.objects.select_for_update(of=("self",)).select_related("scope_unit", "created_by")
             .filter(approval_id=request.pk).first())
    if cycle is None or cycle.status != CycleStatus.SUBMITTED:
        return
    actor, at, comment = _last_decision(request)
    submitted = list(Appraisal.objects.select_for_update(of=("self",)).select_related("person")
                     .filter(cycle=cycle, status=AppraisalStatus.SUBMITTED))
    if outcome == "approved":
        _move(submitted, "finalise", actor=actor, at=at, extra={"approval_id": request.pk})
        CYCLE.apply(cycle, "finalise", actor=actor, at=at, audit_fields=CYCLE_FLOW_FIELDS,
                    changes={"finalised_at": at}, extra={"approval_id": request.pk})
        if Appraisal.objects.filter(cycle=cycle, status=AppraisalStatus.OPEN).exists():
            # An appeal upheld while this request waited: that appraisal is to be submitted again.
            CYCLE.apply(cycle, "reopen", actor=actor, at=at, audit_fields=CYCLE_FLOW_FIELDS)
        days = _policy(cycle).appraisal.appeal_window_days
        until = timezone.localdate(at) + dt.timedelta(days=days)
        for appraisal in submitted:
            notify(recipients=[appraisal.person], kind="appraisal.final", obj=appraisal, at=at,
                   title=_("%(period)s 考核结果已定稿") % {"period": cycle.period},
                   body=_("考核得分 %(score)s，奖金 %(amount)s。如有异议，可在 %(until)s 前（%(days)s 天内）申请复议。") % {
                       "score": "—" if appraisal.score is None else appraisal.score,
                       "amount": money(appraisal.bonus_amount), "until": until.isoformat(), "days": days},
                   dedupe_key=f"appraisal:{appraisal.pk}:final:{request.pk}")
    else:
        _move(submitted, "return", actor=actor, at=at, extra={"approval_id": request.pk, "comment": comment})
        CYCLE.apply(cycle, "return", actor=actor, at=at, audit_fields=CYCLE_FLOW_FIELDS,
                    extra={"approval_id": request.pk, "comment": comment})
        notify(recipients=[request.requester], kind="appraisal.returned", obj=cycle, at=at,
               title=_("考核结果被退回：%(cycle)s") % {"cycle": _cycle_name(cycle)},
               body=_("%(who)s 驳回：%(comment)s。请修改后重新提交。") % {
                   "who": actor.display_name if actor else "", "comment": comment},
               dedupe_key=f"appraisal_cycle:{cycle.pk}:returned:{request.pk}")


# --- appeals ----------------------------------------------------------------------------------------
@transaction.atomic
def appraisal_appeal(*, actor, appraisal: Appraisal, reason: str, now: dt.datetime | None = None):
    """The appraised person appeals (复议) their final appraisal within the policy's
    `appeal_window_days` of its finalisation: an approval of kind `appeal` about the appraisal,
    which is `appealing` until it is decided; returns the approval request. Refused (nothing changed): 422 naming `reason` when it
    is empty, 409 when the appraisal is not final (an appeal pending) or the window has passed."""
    require_permission(can_appeal_appraisal(actor, appraisal))
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("请填写复议理由"))
    if len(reason) > 2000:
        raise validation_error("reason", _("复议理由最多 2000 字"))
    appraisal = (Appraisal.objects.select_for_update(of=("self",)).select_related("cycle", "cycle__scope_unit",
                                                                                   "scope_unit", "person")
                 .get(pk=appraisal.pk))
    cycle = appraisal.cycle
    APPRAISAL.check(appraisal, "appeal")
    days, closes = appeal_closes_at(cycle, now)
    if now > closes:
        raise ApplicationError(ErrorCode.CONFLICT, _("复议期限已过：结果定稿后 %(days)s 天内（%(until)s 前）可申请复议") % {
            "days": days, "until": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")},
            {"fields": {"reason": [_("复议期限已过")]}, "appeal_closed_at": closes.isoformat()})
    approval = approval_request_create(
        actor=actor, kind=ApprovalKind.APPEAL, unit=appraisal.scope_unit, subject=appraisal, now=now,
        title=(_("考核复议：%(name)s %(cycle)s") % {"name": actor.display_name, "cycle": _cycle_name(cycle)})[:200],
        detail={"appraisal_id": appraisal.pk, "appraisal_cycle": _cycle_name(cycle), "appraisees": [
            _detail_line(appraisal)], "reason": reason},
    )
    APPRAISAL.apply(appraisal, "appeal", actor=actor, at=now, audit_fields=APPRAISAL_AUDIT_FIELDS,
                    extra={"approval_id": approval.pk, "reason": reason})
    return approval


def appeal_outcome(request, outcome: str) -> None:
    """The final decision on an appeal against an appraisal: upheld (approved), the appraisal
    reopens for rescoring (`reopened` + 1) and so does its final cycle; dismissed, it is final
    again. The person is told either way."""
    cycle_id = (Appraisal.objects.filter(pk=request.subject_id, organization_id=request.organization_id)
                .values_list("cycle_id", flat=True).first())
    if cycle_id is None:
        return
    # The cycle first, then the appraisal: the order a submission locks them in.
    cycle = AppraisalCycle.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=cycle_id)
    appraisal = Appraisal.objects.select_for_update(of=("self",)).select_related("person").get(pk=request.subject_id)
    if appraisal.status != AppraisalStatus.APPEALING:
        return
    actor, at, comment = _last_decision(request)
    extra = {"approval_id": request.pk, "comment": comment}
    if outcome == "approved":
        APPRAISAL.apply(appraisal, "uphold", actor=actor, at=at, audit_fields=APPRAISAL_AUDIT_FIELDS, extra=extra,
                        changes={"reopened": appraisal.reopened + 1})
        if CYCLE.allowed(cycle, "reopen"):
            CYCLE.apply(cycle, "reopen", actor=actor, at=at, audit_fields=CYCLE_FLOW_FIELDS, extra=extra)
        title = _("复议成立：%(period)s 考核将重新评分") % {"period": cycle.period}
        body = _("您的复议已获同意，考核重新评分后将再次提交审批。%(comment)s") % {"comment": comment}
    else:
        APPRAISAL.apply(appraisal, "dismiss", actor=actor, at=at, audit_fields=APPRAISAL_AUDIT_FIELDS, extra=extra)
        title = _("复议未获支持：%(period)s 考核维持原结果") % {"period": cycle.period}
        body = _("驳回意见：%(comment)s") % {"comment": comment}
    notify(recipients=[appraisal.person], kind=f"appraisal.appeal_{'upheld' if outcome == 'approved' else 'dismissed'}",
           obj=appraisal, at=at, title=title, body=body, dedupe_key=f"appraisal:{appraisal.pk}:appeal:{request.pk}")


# --- reminders --------------------------------------------------------------------------------------
@transaction.atomic
def cycles_remind_due(*, now: dt.datetime) -> int:
    """Remind the creator of every open cycle whose results are due within two days or overdue,
    once a day (deduplicated per cycle and day); returns how many cycles were reminded."""
    today = timezone.localdate(now)
    cycles = list(AppraisalCycle.objects.filter(status=CycleStatus.OPEN, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
                                                created_by__isnull=False)
                  .select_related("created_by", "scope_unit").order_by("due_on", "id"))
    reminded = 0
    for cycle in cycles:
        if cycle.due_on < today:
            title = _("考核结果已逾期：%(cycle)s") % {"cycle": _cycle_name(cycle)}
        else:
            title = _("考核结果即将到期：%(cycle)s") % {"cycle": _cycle_name(cycle)}
        flow = " → ".join(_role_label(str(role)) for role in _policy(cycle).appraisal.result_flow)
        body = _("结果应于 %(due)s 前完成审批（%(flow)s）。") % {"due": cycle.due_on.isoformat(), "flow": flow}
        if notify(recipients=[cycle.created_by], kind="appraisal.cycle_due", obj=cycle, at=now, title=title,
                  body=body, dedupe_key=f"appraisal_cycle:{cycle.pk}:due:{today.isoformat()}"):
            reminded += 1
    return reminded


