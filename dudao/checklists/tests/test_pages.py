"""Template pages: every page tried by anonymous, no role, in scope, out of scope and the other
organisation; the builder's changes through its forms; the list's query count."""

from __future__ import annotations

import io
import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dudao.checklists.choices import TemplateStatus
from dudao.checklists.document import document_to_json, template_document
from dudao.checklists.models import Item, Section, Template
from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix

from .helpers import counts, draft, other_org_draft, other_org_published, published, sections, state
from .test_api import NON_EDITORS, _TemplateRead, _TemplateWrite


class TestTemplateListPage(_TemplateRead, PageListMatrix):
    url_name = "checklists:template-list"

    def marker(self, target):
        return f">{target.name}</a>"


class TestTemplateDetailPage(_TemplateRead, PageObjectMatrix):
    url_name = "checklists:template-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        for expected in ("门店检查表", "无过期食材", "红线", "合格范围 0 – 5", "未留样", "低于 8 分不合格", "版本记录"):
            assert expected in text, expected
        # A unit manager reads; the buttons that write are not there.
        for url_name in ("template-builder", "template-publish", "template-revise", "template-retire"):
            assert reverse(f"checklists:{url_name}", args=[target.pk]) not in text

    def test_editors_see_the_buttons_their_status_allows(self):
        target = self.target(self.world)
        self.client.force_login(self.world.people["supervisor"])
        text = self.client.get(reverse(self.url_name, args=[target.pk])).content.decode()
        assert reverse("checklists:template-revise", args=[target.pk]) in text
        assert reverse("checklists:template-retire", args=[target.pk]) in text
        assert reverse("checklists:template-publish", args=[target.pk]) not in text
        work = self.out_of_scope_target(self.world)
        text = self.client.get(reverse(self.url_name, args=[work.pk])).content.decode()
        assert reverse("checklists:template-builder", args=[work.pk]) in text
        assert reverse("checklists:template-publish", args=[work.pk]) in text


class TestTemplateExportPage(_TemplateRead, PageObjectMatrix):
    url_name = "checklists:template-export"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk]) + "?format=xlsx"

    def check_success(self, world, target, response):
        assert "attachment" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.cell(row=5, column=2).value == "A01"

    def test_json(self):
        target = self.target(self.world)
        self.client.force_login(self.world.people["unit_manager"])
        response = self.client.get(reverse(self.url_name, args=[target.pk]) + "?format=json")
        assert json.loads(response.content) == template_document(target)


class _Editor(_TemplateWrite):
    method = "post"
    success_status = 302

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestTemplateCreatePage(PageObjectMatrix):
    url_name = "checklists:template-create"
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    other_org_actor = "b_unit_manager"
    refused = NON_EDITORS

    def url(self, world, target):
        return reverse(self.url_name)

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org


class TestTemplateCreatePost(TestTemplateCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"name": "新标准", "description": "说明"}

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        created = Template.objects.get(name="新标准")
        assert response["Location"] == reverse("checklists:template-builder", args=[created.pk])
        assert (created.organization_id, created.status, created.version) == (world.org.pk, "draft", 1)

    def test_an_empty_name_shows_next_to_the_field(self):
        self.client.force_login(self.world.people["supervisor"])
        response = self.client.post(reverse(self.url_name), {"name": ""})
        assert response.status_code == 422 and response.context["form"].errors["name"]


class TestTemplateImportPage(PageObjectMatrix):
    url_name = "checklists:template-import"
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    other_org_actor = "b_unit_manager"
    refused = NON_EDITORS

    def url(self, world, target):
        return reverse(self.url_name)

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org


class TestTemplateImportPost(TestTemplateImportPage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        content = document_to_json({"name": "导入的表", "description": "", "sections": sections()})
        return {"file": SimpleUploadedFile("导入.json", content, content_type="application/json")}

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        created = Template.objects.get(name="导入的表")
        assert response["Location"] == reverse("checklists:template-builder", args=[created.pk])
        assert len(template_document(created)["sections"]) == 2

    def test_a_bad_file_lists_its_problems_by_row_and_imports_nothing(self):
        from .test_document import workbook

        self.client.force_login(self.world.people["supervisor"])
        before = counts()
        content = workbook(["卫生", "C1", "", None, "check", 5], ["卫生", "C2", "留样", None, "choice"])
        response = self.client.post(reverse(self.url_name), {"file": SimpleUploadedFile("bad.xlsx", content)})
        assert response.status_code == 422
        text = response.content.decode()
        assert "第 5 行" in text and "第 6 行" in text and "C2" in text
        assert counts() == before


class TestTemplateBuilderPage(_TemplateWrite, PageObjectMatrix):
    url_name = "checklists:template-builder"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert 'id="builder"' in text and "添加检查项" in text and "A01" in text

    def test_a_published_version_sends_the_editor_to_its_detail(self):
        template = published(self.world, name="已发布")
        self.client.force_login(self.world.people["supervisor"])
        response = self.client.get(reverse(self.url_name, args=[template.pk]))
        assert response.status_code == 302 and response["Location"] == template.get_absolute_url()


class TestTemplateBuilderPost(_Editor, PageObjectMatrix):
    url_name = "checklists:template-builder"

    def data(self, world, target):
        section = Section.objects.filter(template=target).order_by("position").first()
        return {"op": "item-add", "section": section.pk, f"add-{section.pk}-code": "N1",
                f"add-{section.pk}-text": "新增检查项", f"add-{section.pk}-kind": "check",
                f"add-{section.pk}-points": "2", f"add-{section.pk}-severity": "medium"}

    def check_success(self, world, target, response):
        assert response["Location"] == reverse(self.url_name, args=[target.pk])
        assert Item.objects.get(template=target, code="N1").text == "新增检查项"


class TestTemplatePublishPage(_Editor, PageObjectMatrix):
    url_name = "checklists:template-publish"

    def check_success(self, world, target, response):
        assert response["Location"] == target.get_absolute_url()
        assert Template.objects.get(pk=target.pk).status == TemplateStatus.PUBLISHED

    def test_a_refusal_is_shown_and_nothing_changes(self):
        empty = Template.objects.create(organization=self.world.org, name="空", created_by=self.world.people["admin"])
        self.client.force_login(self.world.people["supervisor"])
        response = self.client.post(reverse(self.url_name, args=[empty.pk]), follow=True)
        assert "至少需要一个检查项" in response.content.decode()
        assert Template.objects.get(pk=empty.pk).status == TemplateStatus.DRAFT


class TestTemplateRevisePage(_Editor, PageObjectMatrix):
    url_name = "checklists:template-revise"

    def target(self, world):
        return self._once("target", lambda: published(world))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_published(world))

    def check_success(self, world, target, response):
        new = Template.objects.get(lineage=target.lineage, version=2)
        assert response["Location"] == reverse("checklists:template-builder", args=[new.pk])
        assert Template.objects.get(pk=target.pk).status == TemplateStatus.PUBLISHED


class TestTemplateRetirePage(_Editor, PageObjectMatrix):
    url_name = "checklists:template-retire"

    def target(self, world):
        return self._once("target", lambda: published(world))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_published(world))

    def check_success(self, world, target, response):
        assert Template.objects.get(pk=target.pk).status == TemplateStatus.RETIRED


# --- the builder's forms ---------------------------------------------------------------------
def builder(client, template, data=None, htmx=False, **params):
    url = reverse("checklists:template-builder", args=[template.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if data is None:
        return client.get(url, params, **headers)
    return client.post(url, data, **headers)


def test_item_refusals_show_next_to_their_fields_and_change_nothing(client, world):
    template = draft(world)
    section = Section.objects.filter(template=template).order_by("position").first()
    client.force_login(world.people["supervisor"])
    before = state(template)
    p = f"add-{section.pk}"
    response = builder(client, template, {"op": "item-add", "section": section.pk, f"{p}-code": "B01",
                                          f"{p}-text": "重复编码", f"{p}-kind": "number", f"{p}-min": "5",
                                          f"{p}-max": "1", f"{p}-severity": "medium"})
    assert response.status_code == 422
    form = next(s["add_form"] for s in response.context["sections"] if s["section"].pk == section.pk)
    assert set(form.errors) == {"code", "min"}
    assert "B01" in form.errors["code"][0]
    assert state(template) == before


def test_the_builder_adds_number_items_with_one_bound_and_refuses_one_without(client, world):
    template = draft(world)
    section = Section.objects.filter(template=template).order_by("position").first()
    client.force_login(world.people["supervisor"])
    p = f"add-{section.pk}"

    def add(code, **bounds):
        return builder(client, template, {"op": "item-add", "section": section.pk, f"{p}-code": code,
                                          f"{p}-text": "在线仪表达标率(%)", f"{p}-kind": "number", f"{p}-points": "5",
                                          f"{p}-severity": "medium", **{f"{p}-{k}": v for k, v in bounds.items()}})

    assert add("ON01", min="95", max="").status_code == 302
    assert add("ON02", min="", max="-18").status_code == 302
    items = {i.code: i for i in Item.objects.filter(template=template, code__startswith="ON")}
    assert (items["ON01"].min_value, items["ON01"].max_value) == (95, None)
    assert (items["ON02"].min_value, items["ON02"].max_value) == (None, -18)
    text = builder(client, template).content.decode()
    assert "合格范围 ≥ 95" in text and "合格范围 ≤ -18" in text and "合格范围 0 – 5" in text
    # The edit form shows the missing bound blank and saves it unchanged.
    edit = builder(client, template, edit=items["ON01"].pk).content.decode()
    inputs = dict(re.findall(rf'<input type="text" name="item-{items["ON01"].pk}-(min|max)"([^>]*)>', edit))
    assert 'value="95"' in inputs["min"] and "value=" not in inputs["max"]

    before = state(template)
    response = add("ON03", min="", max="")
    assert response.status_code == 422
    form = next(s["add_form"] for s in response.context["sections"] if s["section"].pk == section.pk)
    assert set(form.errors) == {"min"} and "最小值或最大值" in form.errors["min"][0]
    assert state(template) == before


def test_htmx_changes_return_the_builder_fragment(client, world):
    template = draft(world)
    client.force_login(world.people["supervisor"])
    response = builder(client, template, {"op": "section-add", "section-new-title": "服务"}, htmx=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div id="builder"') and "<html" not in text and "服务" in text
    added = Section.objects.get(template=template, title="服务")
    assert added.position == 2
    response = builder(client, template, {"op": "section-up", "section": added.pk}, htmx=True)
    assert list(Section.objects.filter(template=template).order_by("position").values_list("title", flat=True)) == [
        "食品安全", "服务", "卫生"]
    # A refused title comes back in the fragment with its error, still 200 so htmx swaps it in.
    response = builder(client, template, {"op": "section-rename", "section": added.pk,
                                          f"section-{added.pk}-title": "卫生"}, htmx=True)
    assert response.status_code == 200 and "分组 卫生 已存在" in response.content.decode()


def test_editing_an_item_opens_its_form_and_saves_it(client, world):
    template = draft(world)
    client.force_login(world.people["supervisor"])
    item = Item.objects.get(template=template, code="A03")
    text = builder(client, template, edit=item.pk).content.decode()
    assert f'name="item-{item.pk}-options"' in text and "未留样:0:fails" in text
    hygiene = Section.objects.get(template=template, title="卫生")
    p = f"item-{item.pk}"
    response = builder(client, template, {
        "op": "item-save", "item": item.pk, f"{p}-code": "A03", f"{p}-text": "留样检查", f"{p}-kind": "choice",
        f"{p}-options": "规范:4\n不规范:0:fails", f"{p}-severity": "high", f"{p}-section": hygiene.pk,
        f"{p}-critical": "on"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.text, item.section_id, item.severity, item.critical, item.points) == (
        "留样检查", hygiene.pk, "high", True, 4)
    assert item.options == [{"label": "规范", "points": 4, "fails": False}, {"label": "不规范", "points": 0, "fails": True}]


def test_moving_and_deleting_items_and_sections(client, world):
    template = draft(world)
    client.force_login(world.people["supervisor"])
    first = Item.objects.get(template=template, code="A01")
    builder(client, template, {"op": "item-down", "item": first.pk})
    assert [i["code"] for i in template_document(template)["sections"][0]["items"]] == ["A02", "A01", "A03"]
    builder(client, template, {"op": "item-delete", "item": first.pk})
    assert not Item.objects.filter(pk=first.pk).exists()
    hygiene = Section.objects.get(template=template, title="卫生")
    builder(client, template, {"op": "section-delete", "section": hygiene.pk})
    assert [s["title"] for s in template_document(template)["sections"]] == ["食品安全"]
    builder(client, template, {"op": "meta", "meta-name": "新名字", "meta-description": ""})
    assert Template.objects.get(pk=template.pk).name == "新名字"


def test_builder_ops_on_another_templates_rows_are_404(client, world):
    mine, other = draft(world), draft(world, name="另一个")
    client.force_login(world.people["supervisor"])
    foreign = Item.objects.filter(template=other).first()
    before = state(other)
    assert builder(client, mine, {"op": "item-delete", "item": foreign.pk}).status_code == 404
    assert state(other) == before


def test_list_page_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.people["supervisor"])
    published(world, name="表0")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("checklists:template-list")).status_code == 200
        return len(captured)

    few = queries()
    for index in range(1, 8):
        draft(world, name=f"表{index}")
    assert queries() == few


def test_detail_page_query_count_does_not_grow_with_items(client, world):
    client.force_login(world.people["supervisor"])
    small = published(world, name="小")
    from dudao.checklists import services

    big = services.template_create(actor=world.people["admin"], name="大", sections=sections() + [
        {"title": f"组{n}", "items": [{"code": f"X{n}-{i}", "text": "项", "points": 1} for i in range(8)]}
        for n in range(4)])

    def queries(template):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("checklists:template-detail", args=[template.pk])).status_code == 200
        return len(captured)

    assert queries(big) == queries(small)


def test_navigation_links_to_the_list_for_those_who_edit_standards(client, world):
    link = f'href="{reverse("checklists:template-list")}"'
    client.force_login(world.people["supervisor"])
    assert link in client.get(reverse("home")).content.decode()
    client.force_login(world.people["unit_manager"])
    assert link not in client.get(reverse("home")).content.decode()


def test_audit_events_are_written_for_page_actions(client, world):
    client.force_login(world.people["supervisor"])
    client.post(reverse("checklists:template-create"), {"name": "审计", "description": ""})
    created = Template.objects.get(name="审计")
    assert AuditEvent.objects.filter(action="template.create", object_id=str(created.pk)).exists()


def test_other_org_drafts_exist(world):
    assert other_org_draft(world).organization_id == world.other_org.pk
