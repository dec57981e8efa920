"""Every change to checklist templates: validated by one function, versioned, audited, atomic.

A template version is written while it is a draft; publishing freezes it (and retires the version it
supersedes); editing a published version means revising it into the lineage's next draft version.
Inspections keep pointing at the version they were made with, which never changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)

from .choices import TemplateStatus
from .document import json_number, plain_document, template_document
from .models import Item, Section, Template
from .permissions import can_manage_templates
from .validation import (
    MAX_ITEMS,
    MAX_SECTIONS,
    check_publishable,
    clean_document,
    clean_item,
    clean_section_title,
)
from .workflow import TEMPLATE

TEMPLATE_AUDIT_FIELDS = ["lineage", "version", "name", "description", "status", "published_by", "published_at"]
ITEM_AUDIT_FIELDS = ["section", "position", "code", "text", "guidance", "kind", "points", "pass_points",
                     "min_value", "max_value", "options", "severity", "critical", "photo_required", "category"]


# --- guards ----------------------------------------------------------------------------------
def _require_editor(actor, template: Template | None = None) -> None:
    require_permission(can_manage_templates(actor))
    if template is not None and template.organization_id != actor.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))


def _locked(template: Template) -> Template:
    return Template.objects.select_for_update().get(pk=template.pk)


def _require_draft(template: Template) -> None:
    """Published and retired versions are frozen: what inspections used must stay as it was."""
    if not TEMPLATE.editable(template):
        message = _("%(name)s 第 %(version)s 版已%(status)s,不能修改;请修订生成新的草稿版本") % {
            "name": template.name, "version": template.version, "status": TemplateStatus(template.status).label,
        }
        raise ApplicationError(ErrorCode.CONFLICT, message, {"fields": {"status": [message]}, "status": template.status})


def _clean(obj, exclude=None) -> None:
    # Codes and positions are checked by the document rules, which name the item; the database
    # constraints back them up at save.
    full_clean_or_refuse(obj, exclude, validate_unique=False, validate_constraints=False)


def _state(template: Template) -> dict:
    return {**snapshot(template, TEMPLATE_AUDIT_FIELDS), **template_document(template)}


def _item_fields(data: Mapping) -> dict:
    """A cleaned item dict as model field values."""
    return {
        "code": data["code"], "text": data["text"], "guidance": data["guidance"], "kind": data["kind"],
        "points": data["points"], "pass_points": data["pass_points"], "min_value": data["min"],
        "max_value": data["max"], "severity": data["severity"], "critical": data["critical"],
        "photo_required": data["photo_required"], "category": data["category"],
        # Stored as JSON numbers (5, 2.5): what readers of `Item.options` expect; cleaned to 2 decimals.
        "options": [{"label": o["label"], "points": json_number(o["points"]), "fails": o["fails"]}
                    for o in data["options"]],
    }


def _write_sections(template: Template, sections: list[dict]) -> None:
    """Replace the contents of a draft with cleaned sections, in a fixed number of queries."""
    Item.objects.filter(template=template).delete()
    Section.objects.filter(template=template).delete()
    rows = [Section(template=template, title=s["title"], position=index) for index, s in enumerate(sections)]
    for row in rows:
        _clean(row, exclude=["template"])
    Section.objects.bulk_create(rows)
    if any(row.pk is None for row in rows):  # a database that cannot return ids from a bulk insert
        rows = list(Section.objects.filter(template=template).order_by("position"))
    items = []
    for row, section in zip(rows, sections, strict=True):
        for index, data in enumerate(section["items"]):
            item = Item(template=template, section=row, position=index, **_item_fields(data))
            _clean(item, exclude=["template", "section"])
            items.append(item)
    Item.objects.bulk_create(items)


def _copy_sections(source: Template, target: Template) -> None:
    """Copy a version's contents as they are (a frozen version is copied, not re-judged)."""
    sections = list(Section.objects.filter(template=source).order_by("position", "id"))
    copies = [Section(template=target, title=s.title, position=s.position) for s in sections]
    Section.objects.bulk_create(copies)
    if any(copy.pk is None for copy in copies):
        copies = list(Section.objects.filter(template=target).order_by("position", "id"))
    mapping = {old.pk: new for old, new in zip(sections, copies, strict=True)}
    fields = [f.name for f in Item._meta.concrete_fields if f.name not in {"id", "template", "section"}]
    Item.objects.bulk_create([
        Item(template=target, section=mapping[item.section_id], **{f: getattr(item, f) for f in fields})
        for item in Item.objects.filter(template=source).order_by("section__position", "position", "id")
    ])


# --- templates -------------------------------------------------------------------------------
def _create(*, actor, document: dict, action: str, extra: dict | None = None) -> Template:
    _require_editor(actor)
    clean = clean_document(document)
    template = Template(
        organization_id=actor.organization_id, name=clean["name"], description=clean["description"],
        status=TemplateStatus.DRAFT, version=1, created_by=actor,
    )
    _clean(template)
    template.save()
    _write_sections(template, clean["sections"])
    record_event(actor=actor, action=action, obj=template,
                 after={**snapshot(template, TEMPLATE_AUDIT_FIELDS), **plain_document(clean), **(extra or {})})
    return template


@transaction.atomic
def template_create(*, actor, name: str, sections: list[dict], description: str = "") -> Template:
    """A new standard as a draft, version 1 of a new lineage."""
    return _create(actor=actor, document={"name": name, "description": description, "sections": sections},
                   action="template.create")


@transaction.atomic
def template_import(*, actor, document: dict, filename: str = "") -> Template:
    """A new draft from an imported document (read by `document.read_upload`)."""
    return _create(actor=actor, document=document, action="template.import", extra={"filename": filename})


@transaction.atomic
def template_update(
    *, actor, template: Template, name: str | None = None, description: str | None = None,
    sections: list[dict] | None = None,
) -> Template:
    """Change a draft's name, description or (replacing them all) its sections and items."""
    _require_editor(actor, template)
    template = _locked(template)
    _require_draft(template)
    before = _state(template)
    clean = clean_document({
        "name": template.name if name is None else name,
        "description": template.description if description is None else description,
        "sections": before["sections"] if sections is None else sections,
    })
    template.name, template.description = clean["name"], clean["description"]
    _clean(template)
    template.save(update_fields=["name", "description"])
    if sections is not None:
        _write_sections(template, clean["sections"])
    after = _state(template)
    if after != before:
        record_event(actor=actor, action="template.update", obj=template, before=before, after=after)
    return template


@transaction.atomic
def template_publish(*, actor, template: Template) -> Template:
    """Freeze a draft: from now on it is what inspections are made with. The lineage's previously
    published version is retired (inspections made with it keep it)."""
    _require_editor(actor, template)
    template = _locked(template)
    TEMPLATE.check(template, "publish")
    clean = clean_document(template_document(template))
    check_publishable(clean["sections"])
    superseded = list(
        Template.objects.select_for_update()
        .filter(lineage=template.lineage, status=TemplateStatus.PUBLISHED).exclude(pk=template.pk)
    )
    for old in superseded:
        TEMPLATE.apply(old, "retire", actor=actor, audit_fields=TEMPLATE_AUDIT_FIELDS,
                       extra={"superseded_by": template.pk})
    TEMPLATE.apply(template, "publish", actor=actor, audit_fields=TEMPLATE_AUDIT_FIELDS,
                   changes={"published_by": actor, "published_at": timezone.now()})
    return template


@transaction.atomic
def template_revise(*, actor, template: Template) -> Template:
    """The lineage's draft to edit: the existing one, or a new version (max + 1) copied from `template`."""
    _require_editor(actor, template)
    versions = list(Template.objects.select_for_update().filter(lineage=template.lineage).order_by("version"))
    draft = next((v for v in versions if v.status == TemplateStatus.DRAFT), None)
    if draft is not None:
        return draft
    source = next(v for v in versions if v.pk == template.pk)
    new = Template(
        organization_id=source.organization_id, lineage=source.lineage,
        version=max(v.version for v in versions) + 1, name=source.name, description=source.description,
        status=TemplateStatus.DRAFT, created_by=actor,
    )
    _clean(new)
    new.save()
    _copy_sections(source, new)
    record_event(actor=actor, action="template.revise", obj=new,
                 after={**snapshot(new, TEMPLATE_AUDIT_FIELDS), "from_id": source.pk,
                        "from_version": source.version})
    return new


@transaction.atomic
def template_retire(*, actor, template: Template) -> Template:
    """Stop offering a published version for new inspections; past inspections keep it."""
    _require_editor(actor, template)
    template = _locked(template)
    TEMPLATE.apply(template, "retire", actor=actor, audit_fields=TEMPLATE_AUDIT_FIELDS)
    return template


# --- the builder: one section or item at a time ----------------------------------------------
def _draft_of(actor, template_id: int) -> Template:
    _require_editor(actor)
    template = Template.objects.select_for_update().get(pk=template_id)
    _require_editor(actor, template)
    _require_draft(template)
    return template


def _section_state(section: Section) -> dict:
    return {"template_id": section.template_id, "title": section.title, "position": section.position}


def _renumber(rows) -> None:
    changed = []
    for index, row in enumerate(rows):
        if row.position != index:
            row.position = index
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


@transaction.atomic
def section_add(*, actor, template: Template, title: str) -> Section:
    template = _draft_of(actor, template.pk)
    existing = list(Section.objects.filter(template=template))
    if len(existing) >= MAX_SECTIONS:
        raise validation_error("title", _("分组不能超过 %(n)s 个") % {"n": MAX_SECTIONS})
    section = Section(template=template, title=clean_section_title(title, taken_titles={s.title for s in existing}),
                      position=max((s.position for s in existing), default=-1) + 1)
    _clean(section, exclude=["template"])
    section.save()
    record_event(actor=actor, action="section.create", obj=section, after=_section_state(section),
                 organization_id=template.organization_id)
    return section


@transaction.atomic
def section_rename(*, actor, section: Section, title: str) -> Section:
    template = _draft_of(actor, section.template_id)
    section = Section.objects.get(pk=section.pk, template=template)
    before = _section_state(section)
    others = set(Section.objects.filter(template=template).exclude(pk=section.pk).values_list("title", flat=True))
    section.title = clean_section_title(title, taken_titles=others)
    _clean(section, exclude=["template"])
    section.save(update_fields=["title"])
    if _section_state(section) != before:
        record_event(actor=actor, action="section.update", obj=section, before=before,
                     after=_section_state(section), organization_id=template.organization_id)
    return section


@transaction.atomic
def section_delete(*, actor, section: Section) -> None:
    """Remove a group and its items from a draft."""
    template = _draft_of(actor, section.template_id)
    section = Section.objects.get(pk=section.pk, template=template)
    before = {**_section_state(section),
              "items": list(section.items.order_by("position").values_list("code", flat=True))}
    record_event(actor=actor, action="section.delete", obj=section, before=before,
                 organization_id=template.organization_id)
    Item.objects.filter(section=section).delete()
    section.delete()
    _renumber(list(Section.objects.filter(template=template).order_by("position", "id")))


@transaction.atomic
def section_move(*, actor, section: Section, direction: str) -> Section:
    """Move a group one place up or down."""
    template = _draft_of(actor, section.template_id)
    rows = list(Section.objects.filter(template=template).order_by("position", "id"))
    return _move(actor, rows, section.pk, direction, "section.move", template.organization_id)


def _move(actor, rows: list, pk: int, direction: str, action: str, organization_id: int):
    if direction not in ("up", "down"):
        raise validation_error("direction", _("方向应为 up 或 down"))
    index = next(i for i, row in enumerate(rows) if row.pk == pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
        before = rows[target].position
        _renumber(rows)
        record_event(actor=actor, action=action, obj=rows[target], before={"position": before},
                     after={"position": rows[target].position}, organization_id=organization_id)
    return rows[target] if 0 <= target < len(rows) else rows[index]


def _other_codes(template: Template, exclude_pk: int | None = None) -> set[str]:
    return set(Item.objects.filter(template=template).exclude(pk=exclude_pk).values_list("code", flat=True))


@transaction.atomic
def item_add(*, actor, section: Section, data: Mapping) -> Item:
    """Append an item to a group of a draft; refused (naming the field) by the same rules as documents."""
    template = _draft_of(actor, section.template_id)
    section = Section.objects.get(pk=section.pk, template=template)
    if Item.objects.filter(template=template).count() >= MAX_ITEMS:
        raise validation_error("code", _("检查项不能超过 %(n)s 个") % {"n": MAX_ITEMS})
    clean = clean_item(data, taken_codes=_other_codes(template))
    last = Item.objects.filter(section=section).aggregate(last=Max("position"))["last"]
    item = Item(template=template, section=section, position=0 if last is None else last + 1,
                **_item_fields(clean))
    _clean(item, exclude=["template", "section"])
    item.save()
    record_event(actor=actor, action="item.create", obj=item, after=snapshot(item, ITEM_AUDIT_FIELDS),
                 organization_id=template.organization_id)
    return item


@transaction.atomic
def item_update(*, actor, item: Item, data: Mapping, section: Section | None = None) -> Item:
    """Change an item of a draft (and, given `section`, move it to the end of that group)."""
    template = _draft_of(actor, item.template_id)
    item = Item.objects.get(pk=item.pk, template=template)
    before = snapshot(item, ITEM_AUDIT_FIELDS)
    clean = clean_item(data, taken_codes=_other_codes(template, exclude_pk=item.pk))
    for field, value in _item_fields(clean).items():
        setattr(item, field, value)
    old_section_id = item.section_id
    if section is not None and section.pk != item.section_id:
        section = Section.objects.get(pk=section.pk, template=template)
        last = Item.objects.filter(section=section).aggregate(last=Max("position"))["last"]
        item.section, item.position = section, 0 if last is None else last + 1
    _clean(item, exclude=["template", "section"])
    item.save()
    if item.section_id != old_section_id:
        _renumber(list(Item.objects.filter(section_id=old_section_id).order_by("position", "id")))
    after = snapshot(item, ITEM_AUDIT_FIELDS)
    if after != before:
        record_event(actor=actor, action="item.update", obj=item, before=before, after=after,
                     organization_id=template.organization_id)
    return item


@transaction.atomic
def item_delete(*, actor, item: Item) -> None:
    template = _draft_of(actor, item.template_id)
    item = Item.objects.get(pk=item.pk, template=template)
    record_event(actor=actor, action="item.delete", obj=item, before=snapshot(item, ITEM_AUDIT_FIELDS),
                 organization_id=template.organization_id)
    section_id = item.section_id
    item.delete()
    _renumber(list(Item.objects.filter(section_id=section_id).order_by("position", "id")))


@transaction.atomic
def item_move(*, actor, item: Item, direction: str) -> Item:
    """Move an item one place up or down within its group."""
    template = _draft_of(actor, item.template_id)
    item = Item.objects.get(pk=item.pk, template=template)
    rows = list(Item.objects.filter(section_id=item.section_id).order_by("position", "id"))
    return _move(actor, rows, item.pk, direction, "item.move", template.organization_id)

