"""Approvals API (DESIGN.md section 5): requests, the approver's inbox, decisions."""

from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.models import Attachment
from dudao.org.models import Unit

from . import selectors, services
from .models import ApprovalRequest
from .schemas import ApprovalDetailOut, ApprovalIn, ApprovalOut, DecisionIn

router = Router(tags=["approvals"])


@router.get("", response=list[ApprovalOut])
@paginate(Pagination)
def approval_list(request, pending_for_me: bool = False, mine: bool = False, status: str = "", kind: str = ""):
    """Requests the caller sees; `pending_for_me=true` is the inbox (待我审批), `mine=true` their own."""
    return selectors.approvals_for(actor_of(request), pending_for_me=pending_for_me, mine=mine, status=status,
                                   kind=kind)


@router.post("", response={201: ApprovalDetailOut})
def approval_create(request, payload: ApprovalIn):
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.unit_id)
    attachments = [get_for_actor(Attachment, actor, pk) for pk in dict.fromkeys(payload.attachment_ids)]
    created = services.approval_request_create(
        actor=actor, kind=payload.kind, title=payload.title, amount=payload.amount, unit=unit,
        detail=payload.detail, attachments=attachments,
    )
    return Status(201, selectors.approval_detail(actor, created.pk))


@router.get("/{approval_id}", response=ApprovalDetailOut)
def approval_get(request, approval_id: int):
    return selectors.approval_detail(actor_of(request), approval_id)


@router.post("/{approval_id}/decide", response=ApprovalDetailOut)
def approval_decide(request, approval_id: int, payload: DecisionIn):
    actor = actor_of(request)
    approval = get_for_actor(ApprovalRequest, actor, approval_id)
    services.approval_decide(actor=actor, approval=approval, decision=payload.decision, comment=payload.comment)
    return selectors.approval_detail(actor, approval_id)
