"""Inspection pages: the supervisor's start page, the phone screen to inspect, the desktop list,
its Excel export, the detail with the manager's signature, and the PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.checklists.models import Template
from dudao.checklists.selectors import published_templates, templates_for
from dudao.core.attachments import disposition_header
from dudao.core.errors import ApplicationError
from dudao.core.scoping import EVERYWHERE, actor_covers, paths_filter
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.org.choices import LEAF_KINDS, UnitKind
from dudao.org.models import Person, Unit

from . import exports, pdf, registry, screens, selectors, services
from .choices import InspectionMode, InspectionStatus
from .forms import AcknowledgeForm, FollowUpForm, InspectionFilterForm, StartForm, new_client_id
from .models import INSPECTORS, Inspection
from .permissions import can_acknowledge_inspection, can_edit_inspection, can_inspect

LIST_PAGE_SIZE = 50
EXPORT_LIMIT = 20000


# --- scope helpers ---------------------------------------------------------------------------
def inspectable_units(actor):
    """Stores, branches and plants where the actor may start an inspection."""
    units = Unit.objects.filter(organization_id=actor.organization_id, kind__in=LEAF_KINDS, is_active=True)
    paths = actor.scope_paths(INSPECTORS)
    if paths != EVERYWHERE:
        units = units.filter(paths_filter("path", paths))
    return units.order_by("path")


def _in_scope(actor, inspection, action: str) -> bool:
    return Inspection.objects.visible_to(actor, action).filter(pk=inspection.pk).exists()


# --- my work ---------------------------------------------------------------------------------
@page
def my_work(request):
    """The phone start page: inspections to continue, to sign, planned visits and the latest ones."""
    return render(request, "inspections/my_work.html", screens.my_work_context(request.user))


# --- start -----------------------------------------------------------------------------------
def _visit_mode(visit) -> str:
    return visit.mode if visit.mode in InspectionMode.values else InspectionMode.ON_SITE


def _refusal_onto(form, exc: ApplicationError) -> None:
    """A service refusal onto the start form, its API field names mapped to the form's."""
    # A missing or partial position is answered by stating a reason, so it is shown there.
    renames = {"unit_id": "unit", "template_id": "template", "visit_id": "visit",
               "latitude": "location_reason", "longitude": "location_reason"}
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if fields:
        exc = ApplicationError(exc.code, exc.message,
                               {**exc.detail, "fields": {renames.get(k, k): v for k, v in fields.items()}})
        if "visit" in exc.detail["fields"]:
            for message in exc.detail["fields"].pop("visit"):
                form.add_error(None, message)
    form_error(form, exc)


@page
def start(request):
    """Choose the store, the standard and the mode (or come from a planned visit), then inspect."""
    actor = request.user
    require(can_inspect(actor))
    units = inspectable_units(actor)
    templates = published_templates(actor)
    visit = None
    visit_id = request.POST.get("visit") or request.GET.get("visit")
    if visit_id:
        from dudao.planning.models import Visit

        visit = get_for_actor(Visit.objects.select_related("unit", "template"), actor, visit_id)
        if registry.may_inspect(actor, visit):  # a visit granted outside the actor's scope
            units = units | Unit.objects.filter(pk=visit.unit_id)
    initial = {"client_id": new_client_id(), "mode": InspectionMode.ON_SITE}
    if visit is not None:
        initial.update(unit=visit.unit_id, template=visit.template_id, mode=_visit_mode(visit), visit=visit.pk)
    if request.GET.get("unit"):
        initial["unit"] = get_for_actor(units, actor, request.GET["unit"]).pk
    if request.GET.get("template"):
        initial["template"] = get_for_actor(templates, actor, request.GET["template"]).pk
    form = StartForm(request.POST or None, units=units, templates=templates, initial=initial)
    if request.method == "POST":
        # A store or standard the person cannot use does not exist for them.
        if form.has_error("unit", "invalid_choice") or form.has_error("template", "invalid_choice"):
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection, _created = services.inspection_create(
                    actor=actor, unit=data["unit"], template=data["template"], mode=data["mode"], visit=visit,
                    client_id=data["client_id"], performed_at=data["performed_at"], latitude=data["latitude"],
                    longitude=data["longitude"], location_accuracy_m=data["location_accuracy_m"],
                    location_reason=data["location_reason"],
                )
            except ApplicationError as exc:
                _refusal_onto(form, exc)
            else:
                return redirect("inspections:run", inspection.pk)
    context = {"form": form, "visit": visit, "has_units": units.exists(), "has_templates": templates.exists()}
    return render(request, "inspections/start.html", context, status=422 if form.errors else 200)


# --- the inspection screen -------------------------------------------------------------------
@page
def run(request, inspection_id: int):
    """The phone-first screen: one card per item, every answer saved as it is given."""
    actor = request.user
    inspection = get_for_actor(
        selectors.with_detail(Inspection.objects.all()), actor, inspection_id, action="inspect"
    )
    if not can_edit_inspection(actor, inspection):
        return redirect(inspection)
    context = screens.run_context(inspection)
    if not actor_covers(actor, INSPECTORS, inspection.unit.path):
        # A visit granted outside the actor's scope (registry): photos are uploaded unbound and bound
        # to the unit when the answer is saved.
        context["config"]["unit_id"] = None
    return render(request, "inspections/run.html", context)


@page
def template_preview(request, template_id: int):
    """What an inspector's phone shows for a template: the run screen itself, with nothing saved."""
    template = get_for_actor(templates_for(request.user), request.user, template_id)
    return render(request, "inspections/run.html", screens.preview_context(template))


# --- list and export -------------------------------------------------------------------------
def _filter_form(actor, data) -> InspectionFilterForm:
    visible_units = Unit.objects.visible_to(actor).order_by("path")
    latest_versions = Template.objects.filter(lineage=OuterRef("lineage")).order_by("-version").values("version")[:1]
    templates = Template.objects.visible_to(actor).filter(version=Subquery(latest_versions)).order_by("name")
    inspectors = Person.objects.filter(
        pk__in=Inspection.objects.visible_to(actor).values("inspector_id")
    ).order_by("display_name", "username")
    form = InspectionFilterForm(
        data or None, units=visible_units.filter(kind__in=LEAF_KINDS), regions=visible_units.filter(kind=UnitKind.REGION),
        templates=templates, inspectors=inspectors,
    )
    form.fields["template"].label_from_instance = lambda template: template.name
    form.is_valid()
    return form


def _filtered(request):
    actor = request.user
    form = _filter_form(actor, request.GET)
    return form, selectors.inspection_list(actor, **form.selector_filters())


@page
def inspection_list(request):
    """Every inspection the person may see, filtered, fifty to a page."""
    form, inspections = _filtered(request)
    page_obj = Paginator(inspections, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    screens.mark_list_rows(request.user, rows)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page_obj": page_obj, "rows": rows, "query": query.urlencode()}
    return render_page(request, "inspections/inspection_list.html", context,
                       partial="inspections/partials/_inspection_table.html")


@page
def inspection_export(request):
    """The filtered list as an Excel workbook with Chinese headers."""
    _form, inspections = _filtered(request)
    rows = list(inspections.select_related("acknowledged_by")[:EXPORT_LIMIT])
    regions = screens.region_names(request.user.organization_id, {i.unit for i in rows})
    content = exports.inspections_workbook(rows, regions)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        _("检查记录") + timezone.localdate().strftime("-%Y%m%d") + ".xlsx",
        timezone.localdate().strftime("inspections-%Y%m%d.xlsx"),
    )
    return response


# --- detail ----------------------------------------------------------------------------------
@page
def inspection_detail(request, inspection_id: int):
    """Score by section, every answer with its photos, the findings and the signature."""
    actor = request.user
    inspection = get_for_actor(selectors.with_detail(Inspection.objects.all()), actor, inspection_id)
    context = screens.detail_context(actor, inspection)
    submitted = inspection.status != InspectionStatus.DRAFT
    context.update(
        follow_ups=list(inspection.follow_ups.visible_to(actor).order_by("performed_at", "id")),
        can_continue=can_edit_inspection(actor, inspection),
        can_acknowledge=can_acknowledge_inspection(actor, inspection) and _in_scope(actor, inspection, "acknowledge"),
        can_follow_up=bool(submitted and not inspection.calibration and context["failed_count"] and can_inspect(actor)
                           and _in_scope(actor, inspection, "inspect")),
        acknowledge_form=AcknowledgeForm(),
        follow_up_client_id=new_client_id(),
    )
    return render(request, "inspections/inspection_detail.html", context)


@page
def inspection_pdf(request, inspection_id: int):
    """The inspection as a PDF: header, scores, every answer with its photos, findings, signature."""
    actor = request.user
    inspection = get_for_actor(selectors.with_detail(Inspection.objects.all()), actor, inspection_id)
    content = pdf.inspection_pdf(screens.detail_context(actor, inspection))
    response = HttpResponse(content, content_type="application/pdf")
    stamp = timezone.localtime(inspection.performed_at).strftime("%Y%m%d")
    response["Content-Disposition"] = disposition_header(
        f"{inspection.unit.name}-{stamp}.pdf", f"inspection-{inspection.pk}-{stamp}.pdf", inline=True
    )
    return response


# --- after submit ----------------------------------------------------------------------------
@page
@require_POST
def acknowledge(request, inspection_id: int):
    """The unit's manager signs the submitted inspection, with an optional comment."""
    actor = request.user
    inspection = get_for_actor(Inspection, actor, inspection_id, action="acknowledge")
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(inspection)
    try:
        services.inspection_acknowledge(actor=actor, inspection=inspection, comment=form.cleaned_data["comment"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已签收检查"))
    return redirect(inspection)


@page
@require_POST
def follow_up(request, inspection_id: int):
    """Start a re-inspection of the failed items and go straight to its screen."""
    actor = request.user
    original = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    form = FollowUpForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    try:
        inspection, _created = services.inspection_follow_up(
            actor=actor, original=original, mode=data.get("mode") or InspectionMode.ON_SITE,
            client_id=data.get("client_id") or "", latitude=data.get("latitude"), longitude=data.get("longitude"),
            location_accuracy_m=data.get("location_accuracy_m"), location_reason=data.get("location_reason") or "",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(original)
    return redirect("inspections:run", inspection.pk)
