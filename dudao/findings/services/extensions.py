"""More time for a rectification (整改延期), through the one approval engine.

The unit side asks on the finding (`finding_extension_request`): the request is recorded on the
finding (`FindingExtension`, its timeline) and goes to the approval engine as a request of kind
`rectification_extension`, routed by policy (default: the supervisor over the unit) and decided in
the approvals inbox like every other kind. The finding learns the final decision through the
outcome handler `extension_outcome` (registered in `FindingsConfig.ready`): approved, the deadline
moves to the requested date and the escalation ladder starts again; rejected, nothing moves. A
finding closed meanwhile keeps its deadline: closing cancels its pending request's record.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.choices import ApprovalKind, ApprovalStatus
from dudao.approvals.services import approval_decide, approval_request_create, approval_withdraw
from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    deny_permission,
    full_clean_or_refuse,
    validation_error,
)
from dudao.core.idempotency import clean_client_id
from dudao.core.transactions import retrying_atomic

from ..choices import ExtensionDecision, ExtensionStatus, FindingEventKind
from ..models import Finding, FindingExtension
from ..permissions import can_rectify_finding
from ..workflow import FINDING
from . import records

EXTENSION_AUDIT_FIELDS = [
    "finding", "requested_by", "previous_due_date", "requested_due_date", "reason", "status", "decided_by",
    "decision_note", "approval",
]


def cancel_pending_extensions(finding: Finding, now: dt.datetime, *, actor=None) -> None:
    """A closed finding needs no more time: its pending request's record is cancelled and its
    approval withdrawn, so it leaves the approvers' inbox instead of waiting for a decision that
    would change nothing."""
    pending = list(finding.extensions.filter(status=ExtensionStatus.PENDING).select_related("approval"))
    if not pending:
        return
    finding.extensions.filter(pk__in=[e.pk for e in pending]).update(
        status=ExtensionStatus.CANCELLED, decided_at=now, decision_note=_("问题已关闭")
    )
    for extension in pending:
        if extension.approval is not None:
            approval_withdraw(actor=actor, approval=extension.approval, now=now,
                              reason=_("问题已关闭,延期申请不再需要审批"))


def finding_extension_request(**kwargs) -> FindingExtension:
    """Ask for a later due date (see `finding_extension_request_once`, which also says whether the
    request was made now)."""
    return finding_extension_request_once(**kwargs)[0]


@retrying_atomic
def finding_extension_request_once(*, actor, finding: Finding, due_date: dt.date, reason: str, client_id: str = "",
                                   now: dt.datetime | None = None) -> tuple[FindingExtension, bool]:
    """The unit side asks for a later due date, with a reason; the approval engine routes the request
    (refused, nothing saved, when nobody may decide it) and the finding records it. Returns
    (extension, created).

    With a `client_id` a retry by the same person gives back the request the first call made
    (created False, whatever was decided since) and writes nothing; the same id with another date
    or reason is refused (409)."""
    finding = records.lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    client_id = clean_client_id(client_id)
    first = records.earlier_step(finding, actor, client_id, FindingEventKind.EXTENSION_REQUESTED, note=reason,
                                 data={"due_date": due_date})
    if first is not None:
        return FindingExtension.objects.get(finding=finding, pk=first.data["extension_id"]), False
    FINDING.check(finding, "request_extension")
    now = now or timezone.now()
    today = timezone.localdate(now)
    reason = records.text(reason, "reason", required=_("请说明延期理由"))
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
    approval = approval_request_create(
        actor=actor, kind=ApprovalKind.RECTIFICATION_EXTENSION, unit=finding.unit, subject=finding, now=now,
        title=(_("整改延期:%(title)s") % {"title": finding.title})[:200],
        detail={"finding_id": finding.pk, "extension_id": extension.pk, "finding_title": finding.title,
                "previous_due_date": finding.due_date.isoformat(), "requested_due_date": due_date.isoformat(),
                "reason": reason},
    )
    extension.approval = approval
    extension.save(update_fields=["approval"])
    records.timeline(finding, FindingEventKind.EXTENSION_REQUESTED, actor=actor, at=now, note=reason,
                     data={"extension_id": extension.pk, "approval_id": approval.pk, "due_date": due_date,
                           "previous_due_date": finding.due_date}, client_id=client_id)
    record_event(actor=actor, action="finding.extension_request", obj=extension, at=now,
                 organization_id=finding.organization_id, after=snapshot(extension, EXTENSION_AUDIT_FIELDS))
    return extension, True


@transaction.atomic
def finding_extension_decide(*, actor, finding: Finding, extension: FindingExtension, decision: str,
                             comment: str = "", now: dt.datetime | None = None) -> FindingExtension:
    """Decide an extension request from its finding (the findings API keeps this door): the same
    decision the approvals inbox takes, by the approval engine, whose outcome handler moves the
    deadline. Whoever may not decide the approval's current step is refused there."""
    extension = FindingExtension.objects.select_related("approval").filter(finding=finding, pk=extension.pk).first()
    if extension is None or extension.approval is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if extension.status != ExtensionStatus.PENDING or extension.approval.status != ApprovalStatus.PENDING:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("该延期申请已处理"), {"status": extension.status})
    if decision not in ExtensionDecision.values:
        raise validation_error("decision", _("请选择批准或不批准"))
    if decision == ExtensionDecision.REJECT and not (comment or "").strip():
        raise validation_error("comment", _("请说明不批准的理由"))
    approval_decide(actor=actor, approval=extension.approval, decision=decision, comment=comment, now=now)
    extension.refresh_from_db()
    return extension


def extension_outcome(request, outcome: str) -> None:
    """The approval engine's final decision on a `rectification_extension` request, inside the
    transaction that made it: approved, the finding's deadline moves to the requested date (a new
    deadline starts the escalation ladder again unless already past); rejected, it stays. Nothing
    moves when the finding was closed meanwhile (its request's record was cancelled)."""
    extension = (
        FindingExtension.objects.select_for_update(of=("self",)).select_related("requested_by")
        .filter(approval_id=request.pk).first()
    )
    if extension is None or extension.status != ExtensionStatus.PENDING:
        return
    finding = records.lock(extension.finding)
    step = request.steps.filter(decided_by__isnull=False).select_related("decided_by").order_by("-position").first()
    actor, now, comment = step.decided_by, step.decided_at, step.comment
    approved = outcome == ApprovalStatus.APPROVED
    before = snapshot(extension, EXTENSION_AUDIT_FIELDS)
    extension.status = ExtensionStatus.APPROVED if approved else ExtensionStatus.REJECTED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, now, comment
    full_clean_or_refuse(extension)
    extension.save()
    if approved:
        before_finding = snapshot(finding, records.FINDING_AUDIT_FIELDS)
        due_before = finding.due_date
        finding.extended_due_date = finding.due_date = extension.requested_due_date
        records.figures_changed_for([finding], due_before)
        if not finding.is_overdue(timezone.localdate(now)):
            finding.escalation_level = 0  # a new deadline starts the ladder again
        records.save(finding)
        records.audit(actor, "finding.extend", finding, before_finding,
                      {"extension_id": extension.pk, "approval_id": request.pk}, at=now)
    decision = ExtensionDecision.APPROVE if approved else ExtensionDecision.REJECT
    records.timeline(finding, FindingEventKind.EXTENSION_DECIDED, actor=actor, at=now, note=comment,
                     data={"extension_id": extension.pk, "approval_id": request.pk, "decision": decision,
                           "due_date": extension.requested_due_date})
    record_event(actor=actor, action="finding.extension_decide", obj=extension, before=before, at=now,
                 organization_id=finding.organization_id, after=snapshot(extension, EXTENSION_AUDIT_FIELDS))
    title = (_("延期申请已批准,新的整改期限 %(due)s:%(title)s") if approved
             else _("延期申请未批准,整改期限仍为 %(due)s:%(title)s")) % {
        "due": finding.due_date.isoformat(), "title": finding.title}
    records.tell([extension.requested_by], actor=actor, finding=finding, kind="finding.extension_decided", at=now,
                 title=title, body=comment, dedupe_key=f"finding-extension:{extension.pk}:decided")
