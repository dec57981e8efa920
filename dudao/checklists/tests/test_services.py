"""Drafts, publishing, revising and retiring: published versions never change, every write is audited."""

from __future__ import annotations

import pytest

from dudao.checklists import services
from dudao.checklists.choices import TemplateStatus
from dudao.checklists.document import template_document
from dudao.checklists.models import Item, Section, Template
from dudao.checklists.workflow import TEMPLATE
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent

from .helpers import SECTIONS, counts, draft, published, sections, state


def events(template, action):
    return AuditEvent.objects.filter(object_type="checklists.template", object_id=str(template.pk), action=action)


def test_create_makes_version_one_draft_with_every_item_and_an_audit_event(world):
    template = draft(world, "supervisor", description="每周巡店")
    assert (template.status, template.version, template.created_by_id) == (
        TemplateStatus.DRAFT, 1, world.people["supervisor"].pk)
    assert template.organization_id == world.org.pk
    document = template_document(template)
    assert [s["title"] for s in document["sections"]] == ["食品安全", "卫生"]
    assert [i["code"] for s in document["sections"] for i in s["items"]] == ["A01", "A02", "A03", "B01", "B02", "B03"]
    assert document["sections"][0]["items"][2]["options"][1] == {"label": "未留样", "points": 0, "fails": True}
    event = events(template, "template.create").get()
    assert event.actor_id == world.people["supervisor"].pk
    assert event.after["sections"][0]["items"][0]["code"] == "A01" and event.after["version"] == 1


def test_update_replaces_sections_and_items_and_records_before_and_after(world):
    template = draft(world)
    new_sections = [{"title": "服务", "items": [{"code": "S1", "text": "微笑服务", "kind": "check", "points": 3}]}]
    services.template_update(actor=world.people["supervisor"], template=template, name="服务检查",
                             sections=new_sections)
    template.refresh_from_db()
    assert template.name == "服务检查"
    assert Section.objects.filter(template=template).count() == 1
    assert list(Item.objects.filter(template=template).values_list("code", flat=True)) == ["S1"]
    event = events(template, "template.update").get()
    assert event.before["name"] == "门店检查表" and event.after["name"] == "服务检查"
    assert len(event.before["sections"]) == 2 and len(event.after["sections"]) == 1


def test_update_of_only_the_name_keeps_the_items(world):
    template = draft(world)
    item_ids = set(Item.objects.filter(template=template).values_list("id", flat=True))
    services.template_update(actor=world.people["admin"], template=template, description="新说明")
    assert set(Item.objects.filter(template=template).values_list("id", flat=True)) == item_ids
    assert Template.objects.get(pk=template.pk).description == "新说明"


def test_an_unchanged_update_writes_no_event(world):
    template = draft(world)
    services.template_update(actor=world.people["admin"], template=template, sections=sections())
    assert not events(template, "template.update").exists()


def test_publish_freezes_the_version(world):
    template = draft(world)
    services.template_publish(actor=world.people["supervisor"], template=template)
    template.refresh_from_db()
    assert template.status == TemplateStatus.PUBLISHED
    assert template.published_by_id == world.people["supervisor"].pk and template.published_at is not None
    assert events(template, "template.publish").get().after["status"] == "published"


def _writes(world, template):
    actor = world.people["admin"]
    section = Section.objects.filter(template=template).first()
    item = Item.objects.filter(template=template).first()
    return {
        "update": lambda: services.template_update(actor=actor, template=template, name="改名"),
        "update sections": lambda: services.template_update(actor=actor, template=template, sections=[]),
        "section add": lambda: services.section_add(actor=actor, template=template, title="新分组"),
        "section rename": lambda: services.section_rename(actor=actor, section=section, title="新标题"),
        "section delete": lambda: services.section_delete(actor=actor, section=section),
        "section move": lambda: services.section_move(actor=actor, section=section, direction="down"),
        "item add": lambda: services.item_add(actor=actor, section=section, data={"code": "N1", "text": "新"}),
        "item update": lambda: services.item_update(actor=actor, item=item, data={"code": "A01", "text": "改"}),
        "item delete": lambda: services.item_delete(actor=actor, item=item),
        "item move": lambda: services.item_move(actor=actor, item=item, direction="down"),
    }


@pytest.mark.parametrize("status", ["published", "retired"])
def test_every_write_to_a_frozen_version_is_refused_and_changes_nothing(world, status):
    template = published(world)
    if status == "retired":
        services.template_retire(actor=world.people["admin"], template=template)
    template.refresh_from_db()
    for name, write in _writes(world, template).items():
        before = state(template)
        with pytest.raises(ApplicationError) as refused:
            write()
        assert refused.value.code == ErrorCode.CONFLICT, name
        assert "不能修改" in refused.value.message and "修订" in refused.value.message, name
        assert state(template) == before, name


def test_the_same_writes_succeed_on_a_draft(world):
    template = draft(world)
    for name, write in _writes(world, template).items():
        if name in {"section delete", "item delete", "update sections"}:
            continue
        write()
    assert Template.objects.get(pk=template.pk).name == "改名"
    assert Item.objects.filter(template=template, code="N1").exists()


def test_publish_refuses_a_template_without_items_naming_why(world):
    empty = services.template_create(actor=world.people["admin"], name="空", sections=[])
    before = state(empty)
    with pytest.raises(ApplicationError) as refused:
        services.template_publish(actor=world.people["admin"], template=empty)
    assert "至少需要一个检查项" in refused.value.message
    assert state(empty) == before


def test_publish_refuses_an_empty_section_and_a_template_that_cannot_score(world):
    with_empty = services.template_create(actor=world.people["admin"], name="有空分组", sections=[
        *sections(), {"title": "空分组", "items": []}])
    with pytest.raises(ApplicationError) as refused:
        services.template_publish(actor=world.people["admin"], template=with_empty)
    assert "空分组" in refused.value.message and "sections.2.items" in refused.value.detail["fields"]
    evidence_only = services.template_create(actor=world.people["admin"], name="仅记录", sections=[
        {"title": "记录", "items": [{"code": "T1", "text": "记录", "kind": "text"}]}])
    with pytest.raises(ApplicationError) as refused:
        services.template_publish(actor=world.people["admin"], template=evidence_only)
    assert "有分值" in refused.value.message
    assert Template.objects.filter(status=TemplateStatus.PUBLISHED).count() == 0


def test_publishing_twice_is_an_invalid_transition(world):
    template = published(world)
    before = state(template)
    with pytest.raises(ApplicationError) as refused:
        services.template_publish(actor=world.people["admin"], template=template)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert state(template) == before


def test_revise_makes_the_next_draft_version_and_leaves_the_published_one_intact(world):
    v1 = published(world)
    frozen = state(v1)
    v2 = services.template_revise(actor=world.people["supervisor"], template=v1)
    assert (v2.lineage, v2.version, v2.status) == (v1.lineage, 2, TemplateStatus.DRAFT)
    assert template_document(v2) == template_document(v1)
    assert not set(Item.objects.filter(template=v2).values_list("id", flat=True)) & set(
        Item.objects.filter(template=v1).values_list("id", flat=True))
    services.template_update(actor=world.people["supervisor"], template=v2, sections=sections()[:1])
    assert frozen[1] == template_document(Template.objects.get(pk=v1.pk))
    assert Template.objects.get(pk=v1.pk).status == TemplateStatus.PUBLISHED
    event = events(v2, "template.revise").get()
    assert event.after["from_id"] == v1.pk and event.after["version"] == 2


def test_revise_returns_the_existing_draft_of_the_lineage(world):
    v1 = published(world)
    v2 = services.template_revise(actor=world.people["admin"], template=v1)
    before = counts()
    assert services.template_revise(actor=world.people["ops_manager"], template=v1).pk == v2.pk
    assert services.template_revise(actor=world.people["ops_manager"], template=v2).pk == v2.pk
    assert counts() == before


def test_revise_numbers_after_the_highest_version(world):
    v1 = published(world)
    v2 = services.template_revise(actor=world.people["admin"], template=v1)
    services.template_publish(actor=world.people["admin"], template=v2)
    v3 = services.template_revise(actor=world.people["admin"], template=v1)  # from the older, retired one
    assert v3.version == 3 and template_document(v3) == template_document(v1)


def test_publishing_a_new_version_retires_the_one_it_supersedes(world):
    v1 = published(world)
    v2 = services.template_revise(actor=world.people["admin"], template=v1)
    services.template_publish(actor=world.people["admin"], template=v2)
    assert Template.objects.get(pk=v1.pk).status == TemplateStatus.RETIRED
    assert Template.objects.get(pk=v2.pk).status == TemplateStatus.PUBLISHED
    assert events(v1, "template.retire").get().after["superseded_by"] == v2.pk


def test_retire_only_from_published(world):
    template = draft(world)
    with pytest.raises(ApplicationError) as refused:
        services.template_retire(actor=world.people["admin"], template=template)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    services.template_publish(actor=world.people["admin"], template=template)
    services.template_retire(actor=world.people["admin"], template=template)
    assert Template.objects.get(pk=template.pk).status == TemplateStatus.RETIRED
    assert events(template, "template.retire").exists()


def test_transition_table_has_no_other_paths():
    assert {(name, tuple(sorted(t.sources)), t.target) for name, t in TEMPLATE.table.items()} == {
        ("publish", ("draft",), "published"), ("retire", ("published",), "retired")}


@pytest.mark.parametrize("key", ["unit_manager", "executive", "region_manager", "staff", "hr", "no_role"])
def test_non_editors_are_refused_and_nothing_changes(world, key):
    template = draft(world)
    before = state(template)
    actor = world.people[key]
    for write in (
        lambda: services.template_create(actor=actor, name="x", sections=sections()),
        lambda: services.template_update(actor=actor, template=template, name="x"),
        lambda: services.template_publish(actor=actor, template=template),
        lambda: services.template_revise(actor=actor, template=template),
        lambda: services.section_add(actor=actor, template=template, title="x"),
    ):
        with pytest.raises(ApplicationError) as refused:
            write()
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert state(template) == before


def test_another_organisations_editor_cannot_touch_it(world):
    template = draft(world)
    before = state(template)
    with pytest.raises(ApplicationError) as refused:
        services.template_update(actor=world.people["b_admin"], template=template, name="x")
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert state(template) == before


# --- the builder -----------------------------------------------------------------------------
def codes(template):
    return [[i["code"] for i in s["items"]] for s in template_document(Template.objects.get(pk=template.pk))["sections"]]


def titles(template):
    return list(Section.objects.filter(template=template).order_by("position").values_list("title", flat=True))


def test_builder_adds_renames_moves_and_deletes_sections(world):
    actor = world.people["supervisor"]
    template = draft(world)
    added = services.section_add(actor=actor, template=template, title="服务")
    assert titles(template) == ["食品安全", "卫生", "服务"]
    services.section_move(actor=actor, section=added, direction="up")
    assert titles(template) == ["食品安全", "服务", "卫生"]
    services.section_move(actor=actor, section=Section.objects.get(title="食品安全", template=template), direction="up")
    assert titles(template) == ["食品安全", "服务", "卫生"]  # already first: nothing moves
    services.section_rename(actor=actor, section=added, title="服务质量")
    with pytest.raises(ApplicationError) as refused:
        services.section_rename(actor=actor, section=added, title="卫生")
    assert "title" in refused.value.detail["fields"]
    services.section_delete(actor=actor, section=Section.objects.get(title="食品安全", template=template))
    assert titles(template) == ["服务质量", "卫生"]
    assert codes(template) == [[], ["B01", "B02", "B03"]]
    assert list(Section.objects.filter(template=template).order_by("position").values_list("position", flat=True)) == [0, 1]
    actions = set(AuditEvent.objects.filter(object_type="checklists.section").values_list("action", flat=True))
    assert actions == {"section.create", "section.move", "section.update", "section.delete"}


def test_builder_adds_edits_moves_and_deletes_items(world):
    actor = world.people["supervisor"]
    template = draft(world)
    food, hygiene = Section.objects.filter(template=template).order_by("position")
    new = services.item_add(actor=actor, section=food, data={
        "code": "A04", "text": "冷冻温度", "kind": "number", "points": "5", "min": "-25", "max": "-18"})
    assert codes(template)[0] == ["A01", "A02", "A03", "A04"]
    services.item_move(actor=actor, item=new, direction="up")
    assert codes(template)[0] == ["A01", "A02", "A04", "A03"]
    services.item_update(actor=actor, item=new, data={**template_document(template)["sections"][0]["items"][2],
                                                       "text": "冷冻柜温度"}, section=hygiene)
    assert codes(template) == [["A01", "A02", "A03"], ["B01", "B02", "B03", "A04"]]
    assert Item.objects.get(pk=new.pk).text == "冷冻柜温度"
    services.item_delete(actor=actor, item=Item.objects.get(template=template, code="A02"))
    assert codes(template)[0] == ["A01", "A03"]
    assert list(Item.objects.filter(section=food).order_by("position").values_list("position", flat=True)) == [0, 1]
    actions = set(AuditEvent.objects.filter(object_type="checklists.item").values_list("action", flat=True))
    assert actions == {"item.create", "item.move", "item.update", "item.delete"}


def test_builder_refuses_a_duplicate_code_naming_the_field_and_adds_nothing(world):
    template = draft(world)
    section = Section.objects.filter(template=template).first()
    before = state(template)
    with pytest.raises(ApplicationError) as refused:
        services.item_add(actor=world.people["supervisor"], section=section,
                          data={"code": "b01", "text": "重复", "kind": "check"})
    assert set(refused.value.detail["fields"]) == {"code"} and "b01" in refused.value.message
    assert state(template) == before


def test_sample_is_what_the_tests_think_it_is():
    kinds = {i["kind"] for s in SECTIONS for i in s["items"]}
    assert kinds == {"check", "score", "number", "choice", "text", "photo"}
