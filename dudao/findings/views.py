"""Pages for findings: the list with saved views and Excel export, one finding with its timeline and
the steps the person may take (phone first: the unit manager plans, photographs and submits), the
supervisors' review queue with before and after photos, the overview per store, and recording a
finding by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.approvals.permissions import can_decide_approval
from dudao.core.attachments import attachment_upload
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.idempotency import clean_client_id
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, get_for_actor, page, raise_if_hidden, render_page, require, safe_next
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Unit
from dudao.policies.choices import SEVERITY_BADGES, Severity
from dudao.policies.registry import policy_for

from . import export, selectors, services
from .choices import (
    EXTENSION_STATUS_BADGES,
    FINDING_EVENT_BADGES,
    FINDING_STATUS_BADGES,
    MANUAL_SOURCES,
    ExtensionStatus,
    FindingEventKind,
    FindingSource,
    FindingStatus,
    SavedView,
)
from .forms import (
    AcceptForm,
    ExtensionRequestForm,
    FindingCreateForm,
    NoteForm,
    PlanForm,
    RejectForm,
    new_client_id,
)
from .models import RECTIFIERS, REPORTERS, Finding, FindingEvent
from .permissions import (
    can_create_finding,
    can_create_findings,
    can_export_findings,
    can_review_findings,
    may_take,
)
from .workflow import FINDING

PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20


def _badges() -> dict:
    return {
        "status_badges": FINDING_STATUS_BADGES, "severity_badges": SEVERITY_BADGES,
        "event_badges": FINDING_EVENT_BADGES, "extension_badges": EXTENSION_STATUS_BADGES,
    }


# --- the list --------------------------------------------------------------------------------
@page
def finding_list(request):
    actor = request.user
    today = timezone.localdate()
    filters = selectors.FindingFilters.from_query(request.GET)
    paginator = Paginator(selectors.finding_list(actor, filters, today=today), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    regions = selectors.Regions(actor.organization_id)
    page_obj.object_list = selectors.annotate_regions(page_obj.object_list, regions)
    query = filters.as_query()
    context = {
        "page_obj": page_obj,
        "filters": filters,
        "query": query,
        "today": today,
        "units": selectors.filter_units(actor),
        "regions": regions.visible_to(actor),
        "statuses": FindingStatus.choices,
        "severities": Severity.choices,
        "sources": FindingSource.choices,
        "saved_views": [
            (view, label, count) for (view, label), count in zip(
                SavedView.choices, selectors.saved_view_counts(actor, today).values(), strict=True)
            if view != SavedView.AWAITING or can_review_findings(actor)
        ],
        "can_create": can_create_findings(actor),
        "can_review": can_review_findings(actor),
        "can_export": can_export_findings(actor),
        **_badges(),
    }
    return render_page(request, "findings/finding_list.html", context, partial="findings/partials/_finding_table.html")


@page
def finding_export(request):
    actor = request.user
    require(can_export_findings(actor))
    filters = selectors.FindingFilters.from_query(request.GET)
    content = export.findings_workbook(actor, filters)
    response = HttpResponse(
        content, content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="findings-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


# --- one finding -----------------------------------------------------------------------------
def _detail_context(request, finding: Finding, bound: dict | None = None) -> dict:
    actor = request.user
    policy = policy_for(finding.organization_id, on=timezone.localdate())
    may = {
        action: may_take(actor, finding, action)
        for action in ("plan", "progress", "submit", "accept", "reject", "request_extension", "comment")
    }
    extensions = list(finding.extensions.all())
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    # Extensions are decided where every approval is: the page links the approver to the request.
    may_decide_extension = bool(pending and pending.approval and can_decide_approval(actor, pending.approval))
    owners = selectors.unit_members(finding.unit)
    forms = {
        "plan": PlanForm(owners=owners, limit=finding.deadline_limit, initial={
            "owner": finding.owner_id or actor.pk, "due_date": finding.due_date, "measures": finding.measures}),
        "progress": NoteForm(prefix="progress"),
        "submit": NoteForm(prefix="submit"),
        "accept": AcceptForm(prefix="accept"),
        "reject": RejectForm(prefix="reject"),
        "extension": ExtensionRequestForm(prefix="extension"),
        "comment": NoteForm(prefix="comment", note_label=_("评论")),
    }
    forms.update(bound or {})
    evidence_required = policy.findings.evidence_required_for(finding.severity)
    events = list(finding.events.all())
    rejections = [e for e in events if e.kind == FindingEventKind.REJECTED]
    return {
        "finding": finding,
        "events": events,
        "last_rejection": rejections[-1] if rejections and finding.status == FindingStatus.PLANNED else None,
        "category_label": {c.code: c.label for c in policy.findings.categories}.get(finding.category, finding.category),
        "extensions": extensions,
        "pending_extension": pending,
        "before_photos": selectors.before_photos(finding),
        "after_photos": selectors.after_photos(finding),
        "may": may,
        "has_actions": any(may[a] for a in ("plan", "submit", "accept")) or (
            may["request_extension"] and pending is None) or may_decide_extension,
        "may_request_extension": may["request_extension"] and pending is None,
        "may_decide_extension": may_decide_extension,
        "forms": forms,
        "evidence_required": evidence_required,
        "overdue": finding.is_overdue(),
        "original_answer": selectors.answer_label(finding.answer),
        "followup_answer": selectors.answer_label(finding.closed_by_answer),
        **_badges(),
    }


def _render_detail(request, finding_id: int, bound: dict | None = None, status: int = 200):
    finding = get_for_actor(selectors.finding_detail_queryset(), request.user, finding_id)
    return render_page(request, "findings/finding_detail.html", _detail_context(request, finding, bound),
                       status=status)


@page
def finding_detail(request, finding_id: int):
    return _render_detail(request, finding_id)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.POST.get("accept-next") or request.POST.get("reject-next") or ""
    return safe_next(request, target, default)


def _step(request, finding: Finding, name: str, form, run, done: str):
    """Run one step from a posted form: success -> back with a message; a refusal naming a field ->
    the page again with the form's errors; a step no longer possible -> back with the reason."""
    detail = reverse("findings:finding-detail", args=[finding.pk])
    target = _next_url(request, detail)
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ApplicationError as exc:
            raise_if_hidden(exc)
            if exc.code in {ErrorCode.INVALID_TRANSITION, ErrorCode.CONFLICT} and not (exc.detail or {}).get("fields"):
                messages.error(request, exc.message)
                return redirect(target)
            fields = (exc.detail or {}).get("fields") or {}
            if "file" in fields or "attachment_ids" in fields:
                for message in [*fields.pop("file", []), *fields.pop("attachment_ids", [])]:
                    form.add_error("photos" if "photos" in form.fields else None, message)
                if fields:
                    form_error(form, ApplicationError(exc.code, exc.message, {"fields": fields}))
            else:
                form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(target)
    if "client_id" in form.fields:
        # Nothing was taken: the form shown again is a new attempt, with a new key of its own.
        form.data = form.data.copy()
        form.data[form.add_prefix("client_id")] = new_client_id()
    return _render_detail(request, finding.pk, {name: form}, status=422)


def _fetch_for(request, finding_id: int, action: str) -> Finding:
    """The finding, if the person may take `action` on it now (else 404, or a message if only the
    state stands in the way)."""
    return get_for_actor(Finding.objects.select_related("unit"), request.user, finding_id,
                         action=FINDING[action].taken_by)


def _upload(actor, unit: Unit, files, client_id: str = "") -> list:
    # Stored before the step's own transaction (decoding photos is slow); the step attaches them.
    # With the form's client id each photo gets its own (`<id>:<n>`), so a form posted twice stores
    # each photo once and the step's retry sees the same photos.
    return [attachment_upload(actor=actor, file=file, unit=unit,
                              client_id=f"{client_id[:56]}:{n}" if client_id else "")
            for n, file in enumerate(files)]


def _step_taken(finding: Finding, actor, client_id: str) -> bool:
    """This person already took a step on the finding with the form's client id (a form posted again)."""
    client_id = clean_client_id(client_id)
    return bool(client_id) and FindingEvent.objects.filter(finding=finding, actor=actor, client_id=client_id).exists()


@page
@require_POST
def finding_plan(request, finding_id: int):
    actor = request.user
    finding = _fetch_for(request, finding_id, "plan")
    form = PlanForm(request.POST, owners=selectors.unit_members(finding.unit), limit=finding.deadline_limit)

    def run(data):
        services.finding_plan(actor=actor, finding=finding, measures=data["measures"], owner=data["owner"],
                              due_date=data["due_date"])

    return _step(request, finding, "plan", form, run, _("已保存整改计划"))


def _note_step(request, finding_id: int, action: str, service, done: str, prefix: str):
    actor = request.user
    finding = _fetch_for(request, finding_id, action)
    form = NoteForm(request.POST, request.FILES, prefix=prefix,
                    note_label=_("评论") if action == "comment" else None)
    # Before any photo is stored: the step must be possible now, and this person must be able to
    # take it; unless they took it already with this form (posted twice), which the service answers.
    if not _step_taken(finding, actor, request.POST.get(f"{prefix}-client_id", "")):
        try:
            FINDING.check(finding, action)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("findings:finding-detail", args=[finding.pk]))
        require(may_take(actor, finding, action))

    def run(data):
        attachments = _upload(actor, finding.unit, data["photos"], data["client_id"])
        service(actor=actor, finding=finding, note=data["note"], attachments=attachments, client_id=data["client_id"])

    return _step(request, finding, prefix, form, run, done)


@page
@require_POST
def finding_progress(request, finding_id: int):
    return _note_step(request, finding_id, "progress", services.finding_progress, _("已记录整改进展"), "progress")


@page
@require_POST
def finding_submit(request, finding_id: int):
    return _note_step(request, finding_id, "submit", services.finding_submit, _("已提交验收"), "submit")


@page
@require_POST
def finding_comment(request, finding_id: int):
    return _note_step(request, finding_id, "comment", services.finding_comment, _("已发表评论"), "comment")


@page
@require_POST
def finding_accept(request, finding_id: int):
    actor = request.user
    finding = _fetch_for(request, finding_id, "accept")
    form = AcceptForm(request.POST, prefix="accept")

    def run(data):
        services.finding_accept(actor=actor, finding=finding, note=data["note"])

    return _step(request, finding, "accept", form, run, _("已验收通过,问题关闭"))


@page
@require_POST
def finding_reject(request, finding_id: int):
    actor = request.user
    finding = _fetch_for(request, finding_id, "reject")
    form = RejectForm(request.POST, prefix="reject")

    def run(data):
        services.finding_reject(actor=actor, finding=finding, reason=data["reason"])

    return _step(request, finding, "reject", form, run, _("已退回重新整改"))


@page
@require_POST
def finding_extension_request(request, finding_id: int):
    actor = request.user
    finding = _fetch_for(request, finding_id, "request_extension")
    form = ExtensionRequestForm(request.POST, prefix="extension")

    def run(data):
        services.finding_extension_request(actor=actor, finding=finding, due_date=data["due_date"],
                                           reason=data["reason"], client_id=data["client_id"])

    return _step(request, finding, "extension", form, run, _("已提交延期申请"))


# --- the review queue ------------------------------------------------------------------------
@page
def review_queue(request):
    actor = request.user
    paginator = Paginator(selectors.review_queue(actor), QUEUE_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    items = [
        {
            "finding": finding,
            "before": selectors.before_photos(finding),
            "after": selectors.after_photos(finding),
            "submission": selectors.latest_submission(finding),
        }
        for finding in page_obj.object_list
    ]
    context = {
        "page_obj": page_obj, "items": items, "next": request.get_full_path(),
        "accept_form": AcceptForm(prefix="accept"), "reject_form": RejectForm(prefix="reject"),
        "today": timezone.localdate(), **_badges(),
    }
    return render_page(request, "findings/review_queue.html", context)


# --- overview per store ----------------------------------------------------------------------
@page
def region_overview(request):
    actor = request.user
    groups = selectors.region_overview(actor)
    return render_page(request, "findings/region_overview.html", {"groups": groups})


# --- by hand ---------------------------------------------------------------------------------
def _creatable_units(actor):
    paths = actor.scope_paths(REPORTERS | RECTIFIERS)
    units = Unit.objects.filter(organization_id=actor.organization_id, kind__in=LEAF_KINDS, is_active=True)
    if paths != EVERYWHERE:
        units = units.filter(paths_filter("path", paths)) if paths else units.none()
    return units.order_by("path")


@page
def finding_create(request):
    actor = request.user
    require(can_create_findings(actor))
    policy = policy_for(actor.organization_id, on=timezone.localdate())
    sources = list(MANUAL_SOURCES) if actor.has_role(*REPORTERS) else [FindingSource.SELF_REPORT]
    initial = {}
    if request.GET.get("unit"):
        initial["unit"] = get_for_actor(Unit, actor, request.GET["unit"])
    form = FindingCreateForm(request.POST or None, request.FILES or None, units=_creatable_units(actor),
                             sources=sources, categories=policy.findings.categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not can_create_finding(actor, data["unit"], data["source"]):
            form.add_error("source", _("您不能在该机构登记此来源的问题"))
        else:
            try:
                attachments = _upload(actor, data["unit"], data["photos"], data["client_id"]) if data["photos"] else []
                finding = services.finding_create(
                    actor=actor, unit=data["unit"], source=data["source"], title=data["title"],
                    description=data["description"], category=data["category"], severity=data["severity"],
                    item_code=data["item_code"], attachments=attachments, client_id=data["client_id"],
                )
            except ApplicationError as exc:
                raise_if_hidden(exc)
                fields = (exc.detail or {}).get("fields") or {}
                if "file" in fields:
                    form.add_error("photos", exc.message)
                else:
                    form_error(form, exc)
            else:
                messages.success(request, _("已登记问题,整改期限 %(due)s") % {"due": finding.due_date.isoformat()})
                return redirect(finding.get_absolute_url())
    if form.errors:  # nothing was made: the form shown again is a new attempt with a key of its own
        form.data = form.data.copy()
        form.data["client_id"] = new_client_id()
    return render_page(request, "findings/finding_form.html", {"form": form},
                       status=422 if form.errors else 200)
