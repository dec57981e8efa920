"""Report and bulletin pages: lists, drafting, editing and submitting a report, compiling, publishing,
reading and following a bulletin, and their PDF and Excel downloads."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.periods import window_before
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.inspections.choices import COUNTING_STATUSES
from dudao.inspections.models import Inspection
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Unit
from dudao.planning.models import Plan
from dudao.policies.registry import policy_for

from . import documents, selectors, services
from .choices import BULLETIN_STATUS_BADGES, REPORT_STATUS_BADGES, ReportSource, ReportStatus
from .forms import BulletinCreateForm, ReportCreateForm, ReportEditForm
from .models import WRITERS, Bulletin, Report
from .permissions import (
    can_compile_bulletin,
    can_draft_report,
    can_edit_report,
    can_follow_bulletin_reads,
    can_mark_bulletin_read,
    can_publish_bulletin,
    managed_units_in_scope,
)

PAGE_SIZE = 30
CHOICES_LIMIT = 100
SITE_CHOICES_LIMIT = 200


def _refusal(exc: ApplicationError) -> None:
    if exc.code in {ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND}:
        raise exc


def _on_form(exc: ApplicationError) -> ApplicationError:
    """The service names API fields (`scope_unit_id`); the form's fields drop the `_id`."""
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if not fields:
        return exc
    renamed = {name.removesuffix("_id"): messages for name, messages in fields.items()}
    return ApplicationError(exc.code, exc.message, {**exc.detail, "fields": renamed})


# --- reports ---------------------------------------------------------------------------------
@page
def report_list(request):
    actor = request.user
    status = request.GET.get("status", "")
    if status not in ReportStatus.values:
        status = ""
    paginator = Paginator(selectors.reports_for(actor, status=status), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = [{"report": r, "badge": REPORT_STATUS_BADGES.get(r.status, "")} for r in page_obj.object_list]
    context = {
        "page_obj": page_obj, "rows": rows, "status": status, "statuses": ReportStatus.choices,
        "can_draft": can_draft_report(actor), "tab": "reports",
    }
    return render_page(request, "reporting/report_list.html", context, partial="reporting/partials/_report_table.html")


def _writable_units(actor) -> list[tuple[int, str]]:
    """Units the actor may report on: the subtrees their writer roles cover (sites only when few)."""
    units = Unit.objects.visible_to(actor).filter(is_active=True).order_by("path")
    paths = actor.scope_paths(WRITERS)
    if paths != EVERYWHERE:
        units = units.filter(paths_filter("path", paths)) if paths else units.none()
    if units.filter(kind__in=LEAF_KINDS).count() > SITE_CHOICES_LIMIT:
        units = units.exclude(kind__in=LEAF_KINDS)
    return [(u.pk, ("· " * u.depth) + u.name) for u in units.only("id", "name", "depth")]


def _report_form(actor, data=None, initial=None, preset=None) -> ReportCreateForm:
    inspections = list(
        Inspection.objects.visible_to(actor, "inspect").filter(status__in=COUNTING_STATUSES)
        .select_related("unit", "template").order_by("-performed_at", "-id")[:CHOICES_LIMIT]
    )
    plans = list(Plan.objects.visible_to(actor, "manage").order_by("-period_start", "-id")[:CHOICES_LIMIT])
    # An inspection or plan named in the link is offered even when it is older than the latest ones.
    if isinstance(preset, Inspection) and preset not in inspections:
        inspections.insert(0, preset)
    if isinstance(preset, Plan) and preset not in plans:
        plans.insert(0, preset)
    return ReportCreateForm(
        data, initial=initial,
        inspections=[(i.pk, f"{timezone.localdate(i.performed_at):%Y-%m-%d} {i.unit.name} · {i.template.name}"
                      + (f" · {i.score}" if i.score is not None else "")) for i in inspections],
        plans=[(p.pk, f"{p.title}({p.period_start:%Y-%m-%d} — {p.period_end:%Y-%m-%d})") for p in plans],
        units=_writable_units(actor),
    )


def _preset(request, actor):
    """The basis a link names (`?inspection=`, `?plan=` or `?scope_unit=`): 404 when out of scope."""
    if request.GET.get("inspection"):
        inspection = get_for_actor(Inspection.objects.select_related("unit", "template"), actor,
                                   request.GET["inspection"])
        return inspection, {"source": ReportSource.INSPECTION, "inspection": inspection.pk}
    if request.GET.get("plan"):
        plan = get_for_actor(Plan, actor, request.GET["plan"])
        return plan, {"source": ReportSource.PLAN, "plan": plan.pk}
    if request.GET.get("scope_unit"):
        unit = get_for_actor(Unit, actor, request.GET["scope_unit"])
        return unit, {"source": ReportSource.PERIOD, "scope_unit": unit.pk}
    return None, {}


def _last_month(today):
    first = today.replace(day=1)
    end = first - dt.timedelta(days=1)
    return end.replace(day=1), end


@page
@require_http_methods(["GET", "POST"])
def report_create(request):
    actor = request.user
    require(can_draft_report(actor))
    start, end = _last_month(timezone.localdate())
    preset, chosen = _preset(request, actor)
    initial = {"period_start": start, "period_end": end, **chosen}
    form = _report_form(actor, request.POST if request.method == "POST" else None, initial, preset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = data["source"]
        try:
            report = services.report_draft(
                actor=actor,
                inspection=get_for_actor(Inspection, actor, data["inspection"])
                if source == ReportSource.INSPECTION else None,
                plan=get_for_actor(Plan, actor, data["plan"]) if source == ReportSource.PLAN else None,
                scope_unit=get_for_actor(Unit, actor, data["scope_unit"]) if source == ReportSource.PERIOD else None,
                period_start=data["period_start"] if source == ReportSource.PERIOD else None,
                period_end=data["period_end"] if source == ReportSource.PERIOD else None,
                title=data["title"],
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                form.add_error(None, _("您不能为所选对象起草报告"))
            else:
                _refusal(exc)
                form_error(form, _on_form(exc))
        else:
            messages.success(request, _("已起草报告,请修改各章节后提交审批。"))
            return redirect(report.get_absolute_url())
    return render_page(request, "reporting/report_create.html", {"form": form, "tab": "reports"},
                       status=422 if form.errors else 200)


@page
@require_http_methods(["GET", "POST"])
def report_detail(request, report_id: int):
    actor = request.user
    report = get_for_actor(Report.objects.select_related("scope_unit", "created_by", "organization", "approval"),
                           actor, report_id)
    editable = can_edit_report(actor, report)
    form = None
    if editable:
        form = ReportEditForm(request.POST if request.method == "POST" else None,
                              initial={"title": report.title, **(report.sections or {})})
    if request.method == "POST":
        require(editable)
        if form.is_valid():
            try:
                report = services.report_update(actor=actor, report=report, sections=form.sections(),
                                                title=form.cleaned_data["title"])
                if request.POST.get("action") == "submit":
                    services.report_submit(actor=actor, report=report)
                    messages.success(request, _("已提交审批。"))
                else:
                    messages.success(request, _("已保存。"))
                return redirect(report.get_absolute_url())
            except ApplicationError as exc:
                _refusal(exc)
                form_error(form, exc)
    document = documents.report_document(report)
    if form is not None:
        for section in document["sections"]:
            section["field"] = form[section["key"]]
    context = {
        **document,
        "badge": REPORT_STATUS_BADGES.get(report.status, ""),
        "form": form,
        "editable": editable,
        "links": _report_links(actor, report),
        "tab": "reports",
    }
    return render_page(request, "reporting/report_detail.html", context, status=422 if form and form.errors else 200)


def _report_links(actor, report) -> dict[str, bool]:
    """Which of the report's sources the reader may open (a store manager does not see the plan)."""
    from dudao.approvals.models import ApprovalRequest

    return {
        "inspection": bool(report.inspection_id)
        and Inspection.objects.visible_to(actor).filter(pk=report.inspection_id).exists(),
        "plan": bool(report.plan_id) and Plan.objects.visible_to(actor).filter(pk=report.plan_id).exists(),
        "approval": bool(report.approval_id)
        and ApprovalRequest.objects.visible_to(actor).filter(pk=report.approval_id).exists(),
    }


@page
def report_pdf(request, report_id: int):
    report = get_for_actor(Report.objects.select_related("scope_unit", "organization", "created_by"),
                           request.user, report_id)
    return documents.report_pdf_response(report)


@page
def report_xlsx(request, report_id: int):
    report = get_for_actor(Report.objects.select_related("scope_unit", "organization"), request.user, report_id)
    return documents.report_xlsx_response(report)


# --- bulletins -------------------------------------------------------------------------------
@page
def bulletin_list(request):
    actor = request.user
    managed = [a.unit_id for a in actor.role_assignments_cached() if a.role == "unit_manager"]
    bulletins = selectors.bulletins_for(actor).annotate(
        receipt_count=Count("receipts"),
        read_count=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
        mine_unread=Count("receipts", filter=Q(receipts__unit_id__in=managed, receipts__read_at__isnull=True)),
    )
    paginator = Paginator(bulletins, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = [{"bulletin": b, "badge": BULLETIN_STATUS_BADGES.get(b.status, "")} for b in page_obj.object_list]
    context = {"page_obj": page_obj, "rows": rows, "can_compile": can_compile_bulletin(actor), "tab": "bulletins"}
    return render_page(request, "reporting/bulletin_list.html", context,
                       partial="reporting/partials/_bulletin_table.html")


def _default_bulletin_scope(actor, units):
    """The widest unit the actor compiles for (the root for admins)."""
    return units[0][0] if units else None


@page
@require_http_methods(["GET", "POST"])
def bulletin_create(request):
    actor = request.user
    require(can_compile_bulletin(actor))
    units = _writable_units(actor)
    scope = _default_bulletin_scope(actor, units)
    if request.GET.get("scope_unit"):
        scope = get_for_actor(Unit, actor, request.GET["scope_unit"]).pk
    kind = policy_for(actor.organization_id, on=timezone.localdate()).bulletins.period
    start, end = window_before(kind, timezone.localdate())
    form = BulletinCreateForm(
        request.POST if request.method == "POST" else None, units=units,
        initial={"scope_unit": scope, "period_start": start, "period_end": end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin, created = services.bulletin_compile(
                actor=actor, scope_unit=get_for_actor(Unit, actor, data["scope_unit"]),
                period_start=data["period_start"], period_end=data["period_end"],
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.PERMISSION_DENIED:
                form.add_error("scope_unit", _("您不能为该范围编制公报"))
            else:
                _refusal(exc)
                form_error(form, _on_form(exc))
        else:
            messages.success(request, _("已编制公报草稿。") if created else _("已按最新数据重新编制公报草稿。"))
            return redirect(bulletin.get_absolute_url())
    return render_page(request, "reporting/bulletin_create.html", {"form": form, "tab": "bulletins"},
                       status=422 if form.errors else 200)


@page
@require_http_methods(["GET", "POST"])
def bulletin_detail(request, bulletin_id: int):
    actor = request.user
    bulletin = get_for_actor(Bulletin.objects.select_related("scope_unit", "organization", "published_by"),
                             actor, bulletin_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                require(can_publish_bulletin(actor, bulletin))
                services.bulletin_publish(actor=actor, bulletin=bulletin)
                messages.success(request, _("已发布公报,范围内各机构负责人将收到通知。"))
            elif action == "recompile":
                require(can_publish_bulletin(actor, bulletin))
                services.bulletin_compile(actor=actor, scope_unit=bulletin.scope_unit,
                                          period_start=bulletin.period_start, period_end=bulletin.period_end)
                messages.success(request, _("已按最新数据重新编制公报草稿。"))
            else:
                require(False)
        except ApplicationError as exc:
            _refusal(exc)
            messages.error(request, exc.message)
        return redirect(bulletin.get_absolute_url())
    mine = managed_units_in_scope(actor, bulletin)
    marked = can_mark_bulletin_read(actor, bulletin)
    if marked:
        services.bulletin_mark_read(actor=actor, bulletin=bulletin)
    following = can_follow_bulletin_reads(actor, bulletin)
    receipts = selectors.bulletin_receipts(bulletin) if following else []
    document = documents.bulletin_document(bulletin)
    context = {
        **document,
        "badge": BULLETIN_STATUS_BADGES.get(bulletin.status, ""),
        "mine": set(mine),
        "my_rows": [row for row in (bulletin.data or {}).get("ranking", []) if row["unit_id"] in set(mine)],
        "my_unread_marked": marked,
        "can_publish": can_publish_bulletin(actor, bulletin),
        "following": following,
        "unread": [r for r in receipts if r.read_at is None],
        "read": [r for r in receipts if r.read_at is not None],
        "receipt_total": len(receipts),
        "tab": "bulletins",
    }
    return render_page(request, "reporting/bulletin_detail.html", context)


@page
def bulletin_pdf(request, bulletin_id: int):
    bulletin = get_for_actor(Bulletin.objects.select_related("scope_unit", "organization"), request.user,
                             bulletin_id)
    return documents.bulletin_pdf_response(bulletin)
