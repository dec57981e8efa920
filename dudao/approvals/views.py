"""Approval pages: the inbox (待我审批), my requests (我发起的), a request with every step, new requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.core import attachments as core_attachments
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.org.models import Unit

from . import selectors, services
from .choices import (
    APPROVAL_STATUS_BADGES,
    REQUESTABLE_KINDS,
    SERVICE_KINDS,
    STEP_STATUS_BADGES,
    ApprovalKind,
)
from .forms import DETAIL_LABELS, ApprovalRequestForm, DecisionForm
from .models import ApprovalRequest
from .permissions import can_decide_approval, can_request_approval

PAGE_SIZE = 30


def _decorate(requests, now) -> list:
    """Badges and the current step for a list of requests (all prefetched, no further queries)."""
    rows = []
    for request in requests:
        step = request.current_step()
        rows.append({
            "request": request,
            "badge": APPROVAL_STATUS_BADGES.get(request.status, ""),
            "step": step,
            "overdue": bool(step and step.is_overdue(now)),
        })
    return rows


def _list_page(request, *, template: str, title: str, **filters):
    actor = request.user
    paginator = Paginator(selectors.approvals_for(actor, **filters), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "rows": _decorate(page_obj.object_list, timezone.now()),
        "title": title,
        "can_request": can_request_approval(actor),
        "kinds": [(kind, ApprovalKind(kind).label) for kind in REQUESTABLE_KINDS],
    }
    return render_page(request, template, context, partial="approvals/partials/_request_table.html")


@page
def inbox(request):
    return _list_page(request, template="approvals/inbox.html", title=_("待我审批"), pending_for_me=True)


@page
def mine(request):
    return _list_page(request, template="approvals/mine.html", title=_("我发起的"), mine=True)


def _detail_rows(approval) -> list[tuple[str, object]]:
    """The request's detail as (label, text) rows: ids are left to the subject link, codes to their texts."""
    detail = approval.detail or {}
    rows = []
    for key, value in detail.items():
        if key.endswith("_id") or key == "broken_rules" or isinstance(value, dict):
            continue
        if isinstance(value, list):
            if not value:
                continue
            value = "\n".join(str(item) for item in value)
        rows.append((str(DETAIL_LABELS.get(key, key)), value))
    if detail.get("broken_rules") == []:
        rows.append((_("覆盖要求"), _("全部满足")))
    return rows


def _subject_url(approval) -> str:
    """A link to what was approved when its app has a page named `<app>:<model>-detail` (a plan, a report)."""
    if not approval.subject_type or not approval.subject_id:
        return ""
    app_label, _dot, model = approval.subject_type.partition(".")
    try:
        return reverse(f"{app_label}:{model}-detail", args=[approval.subject_id])
    except NoReverseMatch:
        return ""


@page
def detail(request, approval_id: int):
    actor = request.user
    approval = selectors.approval_detail(actor, approval_id)
    now = timezone.now()
    steps = [
        {"step": step, "badge": STEP_STATUS_BADGES.get(step.status, ""), "overdue": step.is_overdue(now),
         "approvers": list(step.approvers.all())}
        for step in approval.steps_in_order()
    ]
    can_decide = can_decide_approval(actor, approval)
    context = {
        "approval": approval,
        "badge": APPROVAL_STATUS_BADGES.get(approval.status, ""),
        "steps": steps,
        "detail_rows": _detail_rows(approval),
        "subject_url": _subject_url(approval),
        "attachments": list(approval.attachments.all()),
        "can_decide": can_decide,
        "form": DecisionForm() if can_decide else None,
    }
    return render_page(request, "approvals/detail.html", context)


@page
@require_POST
def decide(request, approval_id: int):
    actor = request.user
    approval = get_for_actor(ApprovalRequest, actor, approval_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择同意或驳回"))
        return redirect(approval.get_absolute_url())
    try:
        decided = services.approval_decide(
            actor=actor, approval=approval, decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except ApplicationError as exc:
        if exc.code in {ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND}:
            raise
        messages.error(request, exc.message)
        return redirect(approval.get_absolute_url())
    if form.cleaned_data["decision"] == "reject":
        messages.success(request, _("已驳回:%(title)s") % {"title": decided.title})
    else:
        messages.success(request, _("已同意:%(title)s") % {"title": decided.title})
    return redirect("approvals:inbox")


def _request_units(actor):
    """Units the actor may ask on behalf of: those their roles cover (their own store first)."""
    units = Unit.objects.visible_to(actor).filter(is_active=True).order_by("path")
    own = [a.unit_id for a in actor.role_assignments_cached()]
    return units, (own[0] if own else None)


@page
def create(request):
    actor = request.user
    require(can_request_approval(actor))
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in REQUESTABLE_KINDS:
        if kind in SERVICE_KINDS:
            messages.error(request, _("“%(kind)s”由相应业务自动发起,不能在此直接申请") % {
                "kind": ApprovalKind(kind).label})
        kinds = [(k, ApprovalKind(k).label) for k in REQUESTABLE_KINDS]
        return render_page(request, "approvals/choose_kind.html", {"kinds": kinds})
    units, own = _request_units(actor)
    if request.GET.get("unit"):
        own = get_for_actor(Unit, actor, request.GET["unit"]).pk
    form = ApprovalRequestForm(request.POST or None, request.FILES or None, kind=kind, units=units,
                               initial={"unit": own})
    if request.method == "POST" and form.is_valid():
        try:
            approval = _create_with_files(actor, kind, form)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已提交审批:%(title)s") % {"title": approval.title})
            return redirect(approval.get_absolute_url())
    context = {"form": form, "kind": kind, "kind_label": ApprovalKind(kind).label}
    return render_page(request, "approvals/create.html", context, status=422 if form.errors else 200)


def _create_with_files(actor, kind, form):
    data = form.cleaned_data
    unit = data["unit"]
    # Files are checked and stored first (each upload is its own transaction); if the request is then
    # refused they stay with their uploader, unattached, as uploads through the API do.
    uploaded = [core_attachments.attachment_upload(actor=actor, file=file, unit=unit) for file in data["files"]]
    return services.approval_request_create(
        actor=actor, kind=kind, title=data["title"], amount=data.get("amount"), unit=unit, detail=form.detail(),
        attachments=uploaded,
    )


@page
def attachment(request, approval_id: int, attachment_id: int):
    """An attachment of a request, for whoever sees the request (approvers outside the unit's subtree too)."""
    approval = get_for_actor(ApprovalRequest, request.user, approval_id)
    evidence = approval.attachments.filter(pk=attachment_id).first()
    if evidence is None:
        raise Http404
    try:
        stored = evidence.file.storage.open(evidence.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(stored, content_type=evidence.content_type)
    response["Content-Disposition"] = core_attachments.content_disposition(evidence)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
