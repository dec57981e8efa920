"""Inspection pages: the supervisor's start page, the phone screen to inspect, the desktop list,
its Excel export, the detail with the manager's signature, and the PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.checklists.choices import ItemKind
from dudao.checklists.models import Template
from dudao.checklists.selectors import published_templates
from dudao.core.attachments import disposition_header
from dudao.core.errors import ApplicationError
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.findings.models import Finding
from dudao.org.choices import LEAF_KINDS, Role, UnitKind
from dudao.org.models import Person, Unit
from dudao.policies.registry import policy_for

from . import exports, pdf, scoring, selectors, services
from .choices import INSPECTION_STATUS_BADGES, CheckAnswer, InspectionMode, InspectionStatus
from .forms import AcknowledgeForm, FollowUpForm, InspectionFilterForm, StartForm, new_client_id
from .models import INSPECTORS, Answer, Inspection
from .permissions import can_acknowledge_inspection, can_edit_inspection, can_inspect

LIST_PAGE_SIZE = 50
EXPORT_LIMIT = 20000
RECENT = 10


# --- how answers read ------------------------------------------------------------------------
def number(value) -> str:
    """A decimal without trailing zeros: 10.00 -> "10", 9.50 -> "9.5"."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = f"{decimal.normalize():f}"
    return "0" if text in {"-0", ""} else text


def answer_display(item, value) -> str:
    """The answer as a person reads it, for the detail, the PDF and the export."""
    if value is None or value == "":
        return _("未作答") if item.is_scorable else ""
    if value == scoring.NA and item.is_scorable:
        return str(CheckAnswer.NA.label)
    if item.kind == ItemKind.CHECK:
        return str(CheckAnswer(value).label) if value in CheckAnswer.values else str(value)
    if item.kind == ItemKind.SCORE:
        return f"{number(value)} / {number(item.points)}"
    if item.kind == ItemKind.NUMBER:
        return number(value)
    return str(value)


def is_complete(item, value, photo_count: int) -> bool:
    """What submit will ask of the item: an answer when it scores, a photo when one is required."""
    if item.is_scorable and value in (None, ""):
        return False
    return not (item.photo_required and value != scoring.NA and photo_count == 0)


def counts_for_progress(item) -> bool:
    return item.is_scorable or item.photo_required


@dataclass
class Row:
    """One item of an inspection with its current answer (if any)."""

    item: object
    answer: Answer | None
    photos: list = field(default_factory=list)

    @property
    def value(self):
        return self.answer.value if self.answer is not None else None

    @property
    def note(self) -> str:
        return self.answer.note if self.answer is not None else ""

    @property
    def display(self) -> str:
        return answer_display(self.item, self.value)

    @property
    def na(self) -> bool:
        return self.value == scoring.NA

    @property
    def failed(self) -> bool:
        return bool(self.answer is not None and self.answer.failed)

    @property
    def points(self) -> str:
        return number(self.item.points)

    @property
    def max_points(self) -> str:
        """What the item is worth: its points, or a choice's best option."""
        if self.item.kind == ItemKind.CHOICE and self.item.options:
            return number(max(Decimal(str(o.get("points", 0))) for o in self.item.options))
        return self.points

    @property
    def earned(self) -> str:
        return number(self.answer.earned) if self.answer is not None and self.answer.earned is not None else ""

    @property
    def possible(self) -> str:
        return number(self.answer.possible) if self.answer is not None and self.answer.possible is not None else ""

    @property
    def complete(self) -> bool:
        return is_complete(self.item, self.value, len(self.photos))

    @property
    def counted(self) -> bool:
        return counts_for_progress(self.item)

    @property
    def input_value(self) -> str:
        """The value as the run screen's inputs hold it."""
        if self.value in (None, scoring.NA):
            return ""
        if self.item.kind in (ItemKind.SCORE, ItemKind.NUMBER):
            return number(self.value)
        return str(self.value)

    @property
    def options(self) -> list[dict]:
        return [{"label": o.get("label", ""), "points": number(o.get("points", 0)), "fails": bool(o.get("fails"))}
                for o in (self.item.options or [])]

    @property
    def range(self) -> tuple[str, str]:
        return number(self.item.min_value), number(self.item.max_value)

    @property
    def pass_points(self) -> str:
        return number(self.item.effective_pass_points)


@dataclass
class SectionSheet:
    """A section of the inspection: its rows and the points earned of those possible."""

    section: object
    rows: list[Row]

    @property
    def earned(self) -> Decimal | None:
        values = [r.answer.earned for r in self.rows if r.answer is not None and r.answer.earned is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def possible(self) -> Decimal | None:
        values = [r.answer.possible for r in self.rows if r.answer is not None and r.answer.possible is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def earned_text(self) -> str:
        return number(self.earned) if self.earned is not None else "—"

    @property
    def possible_text(self) -> str:
        return number(self.possible) if self.possible is not None else "—"

    @property
    def percent(self) -> str:
        if not self.possible:
            return "—"
        return number(scoring.round_score(Decimal(100) * (self.earned or 0) / self.possible, 1))

    @property
    def failed_count(self) -> int:
        return sum(1 for r in self.rows if r.failed)


def build_sheet(inspection: Inspection) -> list[SectionSheet]:
    """The inspection's items by section, each with its current answer and photos (answers come
    from `selectors.with_detail`'s prefetch; the items are one query)."""
    answers = {a.item_id: a for a in inspection.answers.all() if a.is_current}
    sections: dict[int, SectionSheet] = {}
    for item in services.scorable_items(inspection):
        answer = answers.get(item.pk)
        photos = list(answer.attachments.all()) if answer is not None else []
        sheet = sections.get(item.section_id)
        if sheet is None:
            sheet = sections[item.section_id] = SectionSheet(item.section, [])
        sheet.rows.append(Row(item, answer, photos))
    return list(sections.values())


def verdict(inspection: Inspection) -> tuple[str, str]:
    """(label, badge) of the inspection's result."""
    if inspection.status == InspectionStatus.DRAFT or inspection.passed is None:
        return _("未评分"), "muted"
    if inspection.critical_failed:
        return _("红线不合格"), "danger"
    return (_("合格"), "success") if inspection.passed else (_("不合格"), "danger")


def finding_url(finding) -> str | None:
    try:
        return reverse("findings:finding-detail", args=[finding.pk])
    except NoReverseMatch:
        return None


def findings_of(actor, inspection) -> list:
    findings = list(
        Finding.objects.visible_to(actor).filter(inspection=inspection).select_related("responsible_person", "item")
        .order_by("id")
    )
    for finding in findings:
        finding.url = finding_url(finding)
    return findings


def region_names(units) -> dict[int, str]:
    """unit id -> the name of the region above it, for any number of units in one query."""
    ancestors = {unit.pk: unit.ancestor_ids for unit in units}
    wanted = {pk for ids in ancestors.values() for pk in ids}
    if not wanted:
        return {}
    regions = dict(Unit.objects.filter(pk__in=wanted, kind=UnitKind.REGION).values_list("pk", "name"))
    found = {}
    for unit_id, ids in ancestors.items():
        names = [regions[pk] for pk in ids if pk in regions]
        found[unit_id] = names[-1] if names else ""
    return found


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


def _planned_visits(actor) -> list:
    """The actor's planned visits up to a week ahead (overdue ones included), to start from."""
    if not can_inspect(actor):
        return []
    from dudao.planning.choices import PlanStatus, VisitStatus
    from dudao.planning.models import Visit

    horizon = timezone.localdate() + dt.timedelta(days=7)
    return list(
        Visit.objects.visible_to(actor)
        .filter(supervisor=actor, status=VisitStatus.PLANNED, date__lte=horizon, plan__status=PlanStatus.PUBLISHED)
        .select_related("unit", "template").order_by("date", "id")[:20]
    )


# --- my work ---------------------------------------------------------------------------------
@page
def my_work(request):
    """The phone start page: inspections to continue, to sign, planned visits and the latest ones."""
    actor = request.user
    visible = Inspection.objects.visible_to(actor).select_related("unit", "template", "inspector")
    in_progress = list(visible.filter(inspector=actor, status=InspectionStatus.DRAFT).order_by("-created_at")[:20])
    to_sign = []
    recent_filter = Q(inspector=actor)
    if actor.has_role(Role.UNIT_MANAGER):
        mine_to_sign = Inspection.objects.visible_to(actor, "acknowledge")
        to_sign = list(
            visible.filter(pk__in=mine_to_sign.values("pk"), status=InspectionStatus.SUBMITTED)
            .exclude(inspector=actor).order_by("-submitted_at", "-id")[:20]
        )
        recent_filter |= Q(pk__in=mine_to_sign.values("pk"))
    recent = list(
        visible.filter(recent_filter).exclude(status=InspectionStatus.DRAFT).order_by("-submitted_at", "-id")[:RECENT]
    )
    for inspection in (*in_progress, *to_sign, *recent):
        inspection.badge = INSPECTION_STATUS_BADGES.get(inspection.status, "")
        inspection.verdict_label, inspection.verdict_badge = verdict(inspection)
    context = {
        "in_progress": in_progress,
        "to_sign": to_sign,
        "recent": recent,
        "visits": _planned_visits(actor),
        "can_inspect": can_inspect(actor),
    }
    return render(request, "inspections/my_work.html", context)


# --- start -----------------------------------------------------------------------------------
def _visit_mode(visit) -> str:
    return visit.mode if visit.mode in InspectionMode.values else InspectionMode.ON_SITE


def _refusal_onto(form, exc: ApplicationError) -> None:
    """A service refusal onto the start form, its API field names mapped to the form's."""
    renames = {"unit_id": "unit", "template_id": "template", "visit_id": "visit"}
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
                    client_id=data["client_id"], performed_at=data["performed_at"],
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
    sheet = build_sheet(inspection)
    rows = [row for section in sheet for row in section.rows]
    policy = policy_for(inspection.organization_id, on=timezone.localdate(inspection.performed_at))
    geo_required = bool(policy.inspections.geolocation_required_on_site and inspection.mode == InspectionMode.ON_SITE)
    api = f"/api/v1/inspections/{inspection.pk}"
    config = {
        "inspection": api,
        "answers": f"{api}/answers",
        "submit": f"{api}/submit",
        "attachments": "/api/v1/attachments",
        "download": "/api/v1/attachments/{id}/download",
        "unit_id": inspection.unit_id,
        "detail": inspection.get_absolute_url(),
        "geo_required": geo_required,
        "has_location": inspection.latitude is not None,
    }
    context = {
        "inspection": inspection,
        "sheet": sheet,
        "answered": sum(1 for r in rows if r.counted and r.complete),
        "total": sum(1 for r in rows if r.counted),
        "figures": list((inspection.figures or {}).items()),
        "geo_required": geo_required,
        "config": config,
        "is_follow_up": inspection.follow_up_of_id is not None,
    }
    return render(request, "inspections/run.html", context)


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
    regions = region_names({i.unit for i in rows})
    for inspection in rows:
        inspection.region_name = regions.get(inspection.unit_id, "")
        inspection.badge = INSPECTION_STATUS_BADGES.get(inspection.status, "")
        inspection.verdict_label, inspection.verdict_badge = verdict(inspection)
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
    regions = region_names({i.unit for i in rows})
    content = exports.inspections_workbook(rows, regions)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(
        _("检查记录") + timezone.localdate().strftime("-%Y%m%d") + ".xlsx",
        timezone.localdate().strftime("inspections-%Y%m%d.xlsx"),
    )
    return response


# --- detail ----------------------------------------------------------------------------------
def _comparison(inspection: Inspection, sheet: list[SectionSheet]) -> list[dict]:
    """For a follow-up: each carried item's original answer beside the new one."""
    originals = {
        a.item_id: a for a in Answer.objects.filter(inspection_id=inspection.follow_up_of_id, is_current=True)
        .select_related("item").prefetch_related("attachments")
    }
    pairs = []
    for section in sheet:
        for row in section.rows:
            original = originals.get(row.item.pk)
            before = Row(row.item, original, list(original.attachments.all()) if original else [])
            pairs.append({"item": row.item, "before": before, "after": row})
    return pairs


def detail_context(actor, inspection: Inspection) -> dict:
    sheet = build_sheet(inspection)
    failed = sum(section.failed_count for section in sheet)
    label, badge = verdict(inspection)
    context = {
        "inspection": inspection,
        "sheet": sheet,
        "failed_count": failed,
        "verdict_label": label,
        "verdict_badge": badge,
        "status_badge": INSPECTION_STATUS_BADGES.get(inspection.status, ""),
        "findings": findings_of(actor, inspection),
        "figures": list((inspection.figures or {}).items()),
        "pass_mark": number(policy_for(inspection.organization_id,
                                       on=timezone.localdate(inspection.performed_at)).inspections.pass_mark),
    }
    if inspection.follow_up_of_id:
        context["comparison"] = _comparison(inspection, sheet)
    return context


@page
def inspection_detail(request, inspection_id: int):
    """Score by section, every answer with its photos, the findings and the signature."""
    actor = request.user
    inspection = get_for_actor(selectors.with_detail(Inspection.objects.all()), actor, inspection_id)
    context = detail_context(actor, inspection)
    submitted = inspection.status != InspectionStatus.DRAFT
    context.update(
        follow_ups=list(inspection.follow_ups.visible_to(actor).order_by("performed_at", "id")),
        can_continue=can_edit_inspection(actor, inspection),
        can_acknowledge=can_acknowledge_inspection(actor, inspection) and _in_scope(actor, inspection, "acknowledge"),
        can_follow_up=bool(submitted and context["failed_count"] and can_inspect(actor)
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
    content = pdf.inspection_pdf(detail_context(actor, inspection))
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
            client_id=data.get("client_id") or "",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(original)
    return redirect("inspections:run", inspection.pk)
