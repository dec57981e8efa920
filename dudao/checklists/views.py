"""Pages for checklist templates: list, a version's detail and history, the builder, import and export
(the phone preview is the inspections run screen itself)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dudao.core.errors import ApplicationError
from dudao.core.views import form_error, get_for_actor, page, render_page, require
from dudao.policies.choices import SEVERITY_BADGES
from dudao.policies.registry import policy_for

from . import selectors, services
from .choices import TEMPLATE_STATUS_BADGES, ItemKind, TemplateStatus
from .document import MAX_UPLOAD_BYTES, export_response, read_upload, with_contents
from .forms import ImportForm, ItemForm, SectionForm, TemplateMetaForm
from .models import Item, Section, Template
from .permissions import (
    can_edit_template,
    can_manage_templates,
    can_publish_template,
    can_retire_template,
    can_revise_template,
)
from .validation import field_label

PAGE_SIZE = 50


def _categories(actor) -> dict[str, str]:
    """The organisation's finding categories (code -> label) from its policy."""
    return {c.code: c.label for c in policy_for(actor.organization_id).findings.categories}


def _readable(actor, template_id: int) -> Template:
    templates = with_contents(selectors.templates_for(actor)).select_related("created_by", "published_by")
    return get_for_actor(templates, actor, template_id)


def _writable(actor, template_id: int) -> Template:
    return get_for_actor(Template, actor, template_id, action="manage")


def _view_sections(template: Template, categories: dict[str, str]) -> list[dict]:
    """Sections with items ready to show: labels, badges, options and the points possible."""
    shown = []
    for section in template.sections.all():
        items = []
        for item in section.items.all():
            items.append({
                "item": item,
                "category_label": categories.get(item.category, item.category),
                "severity_badge": SEVERITY_BADGES.get(item.severity, ""),
                "score_steps": list(range(int(item.points) + 1)) if item.kind == ItemKind.SCORE
                and item.points == int(item.points) and item.points <= 10 else [],
            })
        shown.append({"section": section, "items": items})
    return shown


# --- list ------------------------------------------------------------------------------------
@page
def template_list(request):
    actor = request.user
    status = request.GET.get("status", "")
    if status not in TemplateStatus.values:
        status = ""
    q = request.GET.get("q", "").strip()
    paginator = Paginator(selectors.template_list(actor, status=status or None, q=q or None), PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj, "status": status, "q": q, "statuses": TemplateStatus.choices,
        "badges": TEMPLATE_STATUS_BADGES, "can_manage": can_manage_templates(actor),
    }
    return render_page(request, "checklists/template_list.html", context,
                       partial="checklists/partials/_template_table.html")


# --- one version -----------------------------------------------------------------------------
@page
def template_detail(request, template_id: int):
    actor = request.user
    template = _readable(actor, template_id)
    categories = _categories(actor)
    versions = list(selectors.lineage_versions(actor, template))
    context = {
        "template": template,
        "lineage_draft": next((v for v in versions if v.status == TemplateStatus.DRAFT and v.pk != template.pk), None),
        "sections": _view_sections(template, categories),
        "item_count": sum(len(s.items.all()) for s in template.sections.all()),
        "possible": sum((i.points for s in template.sections.all() for i in s.items.all() if i.is_scorable), 0),
        "versions": versions,
        "badges": TEMPLATE_STATUS_BADGES,
        "can_edit": can_edit_template(actor, template),
        "can_publish": can_publish_template(actor, template),
        "can_revise": can_revise_template(actor, template),
        "can_retire": can_retire_template(actor, template),
    }
    return render_page(request, "checklists/template_detail.html", context)


@page
def template_export(request, template_id: int):
    template = _readable(request.user, template_id)
    return export_response(template, request.GET.get("format", "json"))


def _transition(request, template_id: int, service, done_message: str):
    actor = request.user
    template = _writable(actor, template_id)
    try:
        result = service(actor=actor, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(template.get_absolute_url())
    messages.success(request, done_message % {"name": result.name, "version": result.version})
    return redirect(result.get_absolute_url())


@page
@require_POST
def template_publish(request, template_id: int):
    return _transition(request, template_id, services.template_publish, _("已发布 %(name)s 第 %(version)s 版"))


@page
@require_POST
def template_retire(request, template_id: int):
    return _transition(request, template_id, services.template_retire, _("已停用 %(name)s 第 %(version)s 版"))


@page
@require_POST
def template_revise(request, template_id: int):
    actor = request.user
    template = _writable(actor, template_id)
    try:
        draft = services.template_revise(actor=actor, template=template)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(template.get_absolute_url())
    messages.success(request, _("正在编辑第 %(version)s 版草稿") % {"version": draft.version})
    return redirect(reverse("checklists:template-builder", args=[draft.pk]))


# --- new drafts ------------------------------------------------------------------------------
@page
def template_create(request):
    actor = request.user
    require(can_manage_templates(actor))
    form = TemplateMetaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=actor, sections=[], **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已创建草稿,请添加分组和检查项"))
            return redirect(reverse("checklists:template-builder", args=[template.pk]))
    return render_page(request, "checklists/template_create.html", {"form": form},
                       status=422 if form.errors else 200)


@page
def template_import(request):
    actor = request.user
    require(can_manage_templates(actor))
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[tuple[str, list[str]]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = read_upload(upload.name, upload.read(MAX_UPLOAD_BYTES + 1))
            template = services.template_import(actor=actor, document=document, filename=upload.name)
        except ApplicationError as exc:
            form.add_error("file", exc.message)
            problems = _import_problems(exc)
        else:
            messages.success(request, _("已导入为草稿 %(name)s") % {"name": template.name})
            return redirect(reverse("checklists:template-builder", args=[template.pk]))
    return render_page(request, "checklists/template_import.html", {"form": form, "problems": problems},
                       status=422 if form.errors else 200)


def _import_problems(exc: ApplicationError) -> list[tuple[str, list[str]]]:
    """Every problem of a refused file as (where: row, item code and field; what)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    rows, codes = detail.get("rows") or {}, detail.get("item_codes") or {}
    problems = []
    for path, found in (detail.get("fields") or {}).items():
        parts = path.split(".")
        where = []
        if path in rows:
            where.append(_("第 %(row)s 行") % {"row": rows[path]})
        item_path = ".".join(parts[:4])
        if item_path in codes:
            where.append(codes[item_path])
        field = ".".join(parts[4:]) if len(parts) > 4 else parts[-1]
        where.append(field_label(field))
        problems.append((" · ".join(where), found))
    return problems


# --- the builder -----------------------------------------------------------------------------
def _item_refusal(form: ItemForm, exc: ApplicationError) -> None:
    """A refusal keyed by item field (`options.1.label` -> options) goes next to that field."""
    fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
    if not fields:
        form.add_error(None, exc.message)
        return
    for path, problems in fields.items():
        name = path.split(".", 1)[0]
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


BUILDER_OPS = {"meta", "section-add", "section-rename", "section-delete", "section-up", "section-down",
               "item-add", "item-save", "item-delete", "item-up", "item-down"}


def _builder_post(request, actor, template: Template) -> tuple[bool, dict]:
    """Apply one builder change; (done, forms with errors to show)."""
    op = request.POST.get("op", "")
    if op not in BUILDER_OPS:
        return False, {"error": _("未知操作")}
    sections = {s.pk: s for s in Section.objects.filter(template=template)}

    def section_of(key: str = "section") -> Section:
        section = sections.get(_int(request.POST.get(key)))
        require(section is not None)
        return section

    def item_of() -> Item:
        item = Item.objects.filter(template=template, pk=_int(request.POST.get("item"))).first()
        require(item is not None)
        return item

    try:
        if op == "meta":
            form = TemplateMetaForm(request.POST, prefix="meta")
            if not form.is_valid():
                return False, {"meta_form": form}
            try:
                services.template_update(actor=actor, template=template, **form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
                return False, {"meta_form": form}
        elif op in ("section-add", "section-rename"):
            section = section_of() if op == "section-rename" else None
            prefix = f"section-{section.pk}" if section else "section-new"
            form = SectionForm(request.POST, prefix=prefix)
            if form.is_valid():
                try:
                    if section is None:
                        services.section_add(actor=actor, template=template, title=form.cleaned_data["title"])
                    else:
                        services.section_rename(actor=actor, section=section, title=form.cleaned_data["title"])
                    return True, {}
                except ApplicationError as exc:
                    form_error(form, exc)
            return False, {"section_form": (section.pk if section else None, form)}
        elif op == "section-delete":
            services.section_delete(actor=actor, section=section_of())
        elif op in ("section-up", "section-down"):
            services.section_move(actor=actor, section=section_of(), direction=op.split("-")[1])
        elif op in ("item-add", "item-save"):
            item = item_of() if op == "item-save" else None
            section = section_of() if item is None else None
            prefix = f"item-{item.pk}" if item else f"add-{section.pk}"
            form = ItemForm(request.POST, prefix=prefix, sections=list(sections.values()) if item else (),
                            categories=_categories(actor))
            if form.is_valid():
                try:
                    if item is None:
                        services.item_add(actor=actor, section=section, data=form.item_data())
                    else:
                        target = sections.get(form.cleaned_data.get("section"))
                        services.item_update(actor=actor, item=item, data=form.item_data(), section=target)
                    return True, {}
                except ApplicationError as exc:
                    _item_refusal(form, exc)
            key = ("item", item.pk) if item else ("add", section.pk)
            return False, {"item_form": (key, form)}
        elif op == "item-delete":
            services.item_delete(actor=actor, item=item_of())
        elif op in ("item-up", "item-down"):
            services.item_move(actor=actor, item=item_of(), direction=op.split("-")[1])
    except ApplicationError as exc:
        return False, {"error": exc.message}
    return True, {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@page
def template_builder(request, template_id: int):
    """Edit a draft: its name, groups and items; reorder with up/down. Each change is one POST
    (`op`); htmx swaps the builder in place, without htmx the page reloads."""
    actor = request.user
    template = _writable(actor, template_id)
    if template.status != TemplateStatus.DRAFT:
        messages.info(request, _("已发布或停用的版本不能修改;如需修改请生成新版本"))
        return redirect(template.get_absolute_url())
    bound: dict = {}
    if request.method == "POST":
        done, bound = _builder_post(request, actor, template)
        if done and not request.htmx:
            return redirect(reverse("checklists:template-builder", args=[template.pk]))
    template = with_contents(Template.objects.filter(pk=template.pk)).get()
    context = _builder_context(request, actor, template, bound)
    status = 200 if request.method == "GET" or not bound or request.htmx else 422
    return render_page(request, "checklists/template_builder.html", context,
                       partial="checklists/partials/_builder.html", status=status)


def _builder_context(request, actor, template: Template, bound: dict) -> dict:
    categories = _categories(actor)
    sections = list(template.sections.all())
    editing = _int(request.GET.get("edit"))
    bound_item = bound.get("item_form")
    bound_section = bound.get("section_form")
    shown = []
    for section in sections:
        items = []
        for item in section.items.all():
            form = None
            if bound_item and bound_item[0] == ("item", item.pk):
                form = bound_item[1]
            elif editing == item.pk:
                form = ItemForm(prefix=f"item-{item.pk}", initial=ItemForm.initial_for(item), sections=sections,
                                categories=categories)
            items.append({"item": item, "form": form, "category_label": categories.get(item.category, item.category)})
        add_bound = bound_item and bound_item[0] == ("add", section.pk)
        rename_bound = bound_section and bound_section[0] == section.pk
        shown.append({
            "section": section,
            "items": items,
            "add_form": bound_item[1] if add_bound else ItemForm(prefix=f"add-{section.pk}", categories=categories),
            "add_open": bool(add_bound),
            "rename_form": bound_section[1] if rename_bound else SectionForm(
                prefix=f"section-{section.pk}", initial={"title": section.title}),
            "rename_open": bool(rename_bound),
        })
    new_section_bound = bound_section and bound_section[0] is None
    return {
        "template": template,
        "sections": shown,
        "meta_form": bound.get("meta_form") or TemplateMetaForm(
            prefix="meta", initial={"name": template.name, "description": template.description}),
        "section_form": bound_section[1] if new_section_bound else SectionForm(prefix="section-new"),
        "error": bound.get("error"),
        "categories": categories,
        "item_count": sum(len(s["items"]) for s in shown),
        "badges": TEMPLATE_STATUS_BADGES,
        "can_publish": can_publish_template(actor, template),
    }
