"""Composed, scoped reads of approval requests."""

from __future__ import annotations

from django.db.models import Prefetch

from .choices import ApprovalStatus, StepStatus
from .models import ApprovalRequest, ApprovalStep


def with_steps(queryset):
    """Requests with what a list or a page shows: unit, requester, steps and who decided them."""
    return queryset.select_related("unit", "requester").prefetch_related(
        Prefetch("steps", queryset=ApprovalStep.objects.select_related("decided_by").order_by("position")),
    )


def approvals_for(actor, *, pending_for_me: bool = False, mine: bool = False, status: str = "", kind: str = ""):
    """The requests `actor` sees, narrowed to their inbox (待我审批) or their own (我发起的)."""
    requests = ApprovalRequest.objects.visible_to(actor)
    if pending_for_me:
        waiting = ApprovalStep.objects.filter(status=StepStatus.PENDING, approvers=actor).values("request_id")
        requests = requests.filter(status=ApprovalStatus.PENDING, pk__in=waiting).exclude(requester=actor)
    if mine:
        requests = requests.filter(requester=actor)
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    return with_steps(requests).order_by("-created_at", "-id")


def approval_detail(actor, pk):
    from dudao.core.access import get_for_actor

    return get_for_actor(
        with_steps(ApprovalRequest.objects.all()).prefetch_related("attachments", "steps__approvers"), actor, pk
    )
