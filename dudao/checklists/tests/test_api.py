"""Templates over the API: every route tried by anonymous, no role, in scope, out of scope and the
other organisation. Standards are organisation-wide, so "out of scope" for reading is a person who
is not an editor asking for a draft (drafts are editors' work in progress); for writing it is any
person who is not an editor."""

from __future__ import annotations

import io
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dudao.checklists.choices import TemplateStatus
from dudao.checklists.document import document_to_json, template_document
from dudao.checklists.models import Template
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix

from .helpers import counts, draft, other_org_draft, other_org_published, published, sections, state

NON_EDITORS = ("unit_manager", "executive", "region_manager", "department_head", "hr", "finance")


class _Targets:
    """Targets are made once per test, before the "nothing changed" snapshot is taken."""

    def _once(self, key, make):
        made = self.__dict__.setdefault("_made", {})
        if key not in made:
            made[key] = make()
        return made[key]

    def ensure_targets(self, world):
        self.target(world)
        self.other_org_target(world)
        self.out_of_scope_target(world)


class _TemplateRead(_Targets):
    in_scope = "unit_manager"
    out_of_scope = "staff"

    def target(self, world):
        return self._once("target", lambda: published(world))

    def out_of_scope_target(self, world):
        return self._once("draft", lambda: draft(world, name="未发布的草稿"))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_published(world))


class _TemplateWrite(_Targets):
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    refused = NON_EDITORS

    def target(self, world):
        return self._once("target", lambda: draft(world))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_draft(world))

    def snapshot(self, world):
        self.ensure_targets(world)
        return counts(), sorted(Template.objects.values_list("id", "status", "name", "version"))


class TestTemplateListMatrix(_TemplateRead, ApiListMatrix):
    route = "GET /api/v1/templates"


class TestTemplateGetMatrix(_TemplateRead, ApiObjectMatrix):
    route = "GET /api/v1/templates/{template_id}"

    def path(self, world, target):
        return f"/templates/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["id"], body["version"], body["status"]) == (target.pk, 1, "published")
        assert body["item_count"] == 6
        first = body["sections"][0]["items"][0]
        assert first["id"] and first["code"] == "A01" and first["critical"] is True
        document = template_document(target)
        stripped = {"name": body["name"], "description": body["description"], "sections": [
            {"title": s["title"], "items": [{k: v for k, v in i.items() if k != "id"} for i in s["items"]]}
            for s in body["sections"]]}
        assert stripped == document


class TestTemplateCreateMatrix(ApiObjectMatrix):
    """Creating names no object: editors create in their own organisation, others get 404."""

    route = "POST /api/v1/templates"
    success_status = 201
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    other_org_actor = "b_admin"
    refused = NON_EDITORS

    def path(self, world, target):
        return "/templates"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def payload(self, world, target):
        return {"name": "新检查表", "sections": sections()}

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["version"], body["status"]) == (1, "draft")
        created = Template.objects.get(pk=body["id"])
        assert created.organization_id == world.org.pk and created.created_by_id == world.people["supervisor"].pk
        assert AuditEvent.objects.filter(action="template.create", object_id=str(created.pk)).exists()

    def test_other_organization_is_404(self):
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 201, response.text
        assert Template.objects.get(pk=response.json()["id"]).organization_id == self.world.other_org.pk

    def test_number_items_with_one_bound_round_trip(self):
        items = [
            {"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 10, "min": 95},
            {"code": "ON02", "text": "出水氨氮(mg/L)", "kind": "number", "points": 10, "min": None, "max": 5.5},
        ]
        client = self.clients["supervisor"]
        created = client.post("/api/v1/templates", json={"name": "水厂检查表", "sections": [
            {"title": "在线监测", "items": items}]})
        assert created.status_code == 201, created.text
        template_id = created.json()["id"]
        published_ = client.post(f"/api/v1/templates/{template_id}/publish")
        assert published_.status_code == 200, published_.text
        fetched = client.get(f"/api/v1/templates/{template_id}").json()["sections"][0]["items"]
        assert [(i["code"], i["min"], i["max"]) for i in fetched] == [("ON01", 95, None), ("ON02", None, 5.5)]
        # What was fetched is accepted again as it is.
        again = client.post("/api/v1/templates", json={"name": "水厂检查表(副本)", "sections": [
            {"title": "在线监测", "items": [{k: v for k, v in i.items() if k != "id"} for i in fetched]}]})
        assert again.status_code == 201, again.text
        assert template_document(Template.objects.get(pk=again.json()["id"]))["sections"] == \
            template_document(Template.objects.get(pk=template_id))["sections"]

    def test_a_number_item_without_bounds_is_422_naming_it_and_creates_nothing(self):
        before = counts()
        response = self.clients["supervisor"].post("/api/v1/templates", json={"name": "水厂检查表", "sections": [
            {"title": "在线监测", "items": [{"code": "ON01", "text": "在线仪表达标率", "kind": "number", "points": 10}]}]})
        assert response.status_code == 422, response.text
        assert response.json()["detail"]["item_code"] == "ON01" and "ON01" in response.json()["message"]
        assert counts() == before

    def test_invalid_template_is_422_naming_the_item_and_creates_nothing(self):
        data = sections()
        data[0]["items"][2]["options"] = []
        data[1]["items"][0]["kind"] = "rating"
        before = counts()
        response = self.clients["supervisor"].post("/api/v1/templates", json={"name": "x", "sections": data})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == "validation_error"
        assert "A03" in body["message"]
        assert set(body["detail"]["fields"]) == {"sections.0.items.2.options", "sections.1.items.0.kind"}
        assert counts() == before

    def test_missing_name_is_422(self):
        response = self.clients["supervisor"].post("/api/v1/templates", json={"sections": []})
        assert response.status_code == 422 and "name" in response.json()["detail"]["fields"]


class TestTemplateUpdateMatrix(_TemplateWrite, ApiObjectMatrix):
    route = "PUT /api/v1/templates/{template_id}"

    def path(self, world, target):
        return f"/templates/{target.pk}"

    def payload(self, world, target):
        return {"name": "改过的名字", "sections": sections()[:1]}

    def snapshot(self, world):
        return super().snapshot(world), sorted(Template.objects.values_list("name", flat=True))

    def check_success(self, world, target, response):
        body = response.json()
        assert body["name"] == "改过的名字" and body["item_count"] == 3
        assert Template.objects.get(pk=target.pk).name == "改过的名字"

    def test_a_published_version_is_409_and_unchanged(self):
        template = published(self.world)
        before = state(template)
        response = self.clients["supervisor"].put(f"/api/v1/templates/{template.pk}", json={"name": "x"})
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "conflict"
        assert state(template) == before

    def test_invalid_sections_are_422_and_unchanged(self):
        template = draft(self.world)
        before = state(template)
        data = sections()
        data[0]["items"][1].update(min=None, max=None)
        response = self.clients["supervisor"].put(f"/api/v1/templates/{template.pk}", json={"sections": data})
        assert response.status_code == 422
        assert "sections.0.items.1.min" in response.json()["detail"]["fields"]
        assert "A02" in response.json()["message"]
        assert state(template) == before


class TestTemplatePublishMatrix(_TemplateWrite, ApiObjectMatrix):
    route = "POST /api/v1/templates/{template_id}/publish"

    def path(self, world, target):
        return f"/templates/{target.pk}/publish"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["id"], body["version"], body["status"]) == (target.pk, 1, "published")

    def test_publishing_an_empty_draft_is_422(self):
        empty = Template.objects.create(organization=self.world.org, name="空", created_by=self.world.people["admin"])
        response = self.clients["supervisor"].post(f"/api/v1/templates/{empty.pk}/publish")
        assert response.status_code == 422
        assert Template.objects.get(pk=empty.pk).status == TemplateStatus.DRAFT


class TestTemplateReviseMatrix(_TemplateWrite, ApiObjectMatrix):
    route = "POST /api/v1/templates/{template_id}/revise"
    success_status = 201

    def target(self, world):
        return self._once("target", lambda: published(world))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_published(world))

    def path(self, world, target):
        return f"/templates/{target.pk}/revise"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["version"], body["status"]) == (2, "draft") and body["id"] != target.pk
        assert Template.objects.get(pk=target.pk).status == TemplateStatus.PUBLISHED
        again = self.clients["supervisor"].post(f"/api/v1/templates/{target.pk}/revise")
        assert again.status_code == 200 and again.json()["id"] == body["id"]


class TestTemplateRetireMatrix(_TemplateWrite, ApiObjectMatrix):
    route = "POST /api/v1/templates/{template_id}/retire"

    def target(self, world):
        return self._once("target", lambda: published(world))

    def other_org_target(self, world):
        return self._once("other", lambda: other_org_published(world))

    def path(self, world, target):
        return f"/templates/{target.pk}/retire"

    def check_success(self, world, target, response):
        assert response.json()["status"] == "retired"

    def test_retiring_a_draft_is_409(self):
        template = draft(self.world)
        response = self.clients["supervisor"].post(f"/api/v1/templates/{template.pk}/retire")
        assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


class TestTemplateExportMatrix(_TemplateRead, ApiObjectMatrix):
    route = "GET /api/v1/templates/{template_id}/export"

    def path(self, world, target):
        return f"/templates/{target.pk}/export?format=json"

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"].startswith("application/json")
        assert "attachment" in response.headers["Content-Disposition"]
        assert json.loads(response.content) == template_document(target)

    def test_xlsx(self):
        target = published(self.world)
        response = self.clients["unit_manager"].get(f"/api/v1/templates/{target.pk}/export", params={"format": "xlsx"})
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.cell(row=1, column=2).value == "门店检查表"

    def test_unknown_format_is_422(self):
        target = published(self.world)
        response = self.clients["unit_manager"].get(f"/api/v1/templates/{target.pk}/export", params={"format": "pdf"})
        assert response.status_code == 422 and "format" in response.json()["detail"]["fields"]


class TestTemplateImportMatrix(ApiObjectMatrix):
    route = "POST /api/v1/templates/import"
    success_status = 201
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    other_org_actor = "b_admin"
    refused = NON_EDITORS

    def call(self, actor_key, target):
        content = document_to_json({"name": "导入的检查表", "description": "", "sections": sections()})
        return self.clients[actor_key].post("/api/v1/templates/import",
                                            files={"file": ("检查表.json", content, "application/json")})

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["name"], body["status"], body["version"], body["item_count"]) == ("导入的检查表", "draft", 1, 6)
        assert AuditEvent.objects.filter(action="template.import", object_id=str(body["id"])).exists()

    def test_other_organization_is_404(self):
        response = self.call("b_admin", None)
        assert response.status_code == 201
        assert Template.objects.get(pk=response.json()["id"]).organization_id == self.world.other_org.pk

    def test_a_bad_workbook_is_422_naming_the_row(self):
        from .test_document import workbook

        before = counts()
        content = workbook(["卫生", "C1", "地面", None, "check", 5], ["卫生", "C2", "", None, "check", 5])
        response = self.clients["supervisor"].post("/api/v1/templates/import", files={"file": ("x.xlsx", content)})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["detail"]["row"] == 6 and "第 6 行" in body["message"] and "C2" in body["message"]
        assert counts() == before


# --- the list --------------------------------------------------------------------------------
def test_drafts_are_listed_for_editors_only_and_filters_work(client, world):
    live = published(world, name="已发布的表")
    work = draft(world, name="草稿表")
    client.force_login(world.people["unit_manager"])
    names = {t["name"] for t in client.get("/api/v1/templates").json()["items"]}
    assert names == {"已发布的表"}
    client.force_login(world.people["supervisor"])
    body = client.get("/api/v1/templates").json()
    assert {t["name"] for t in body["items"]} == {"已发布的表", "草稿表"} and body["count"] == 2
    assert [t["id"] for t in client.get("/api/v1/templates?status=draft").json()["items"]] == [work.pk]
    assert [t["id"] for t in client.get("/api/v1/templates", {"q": "已发布"}).json()["items"]] == [live.pk]
    assert client.get(f"/api/v1/templates/{work.pk}").status_code == 200
    client.force_login(world.people["unit_manager"])
    assert client.get(f"/api/v1/templates/{work.pk}").status_code == 404


def test_list_query_count_does_not_grow_with_the_page(client, world):
    client.force_login(world.people["supervisor"])
    published(world, name="表1")

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/templates", {"limit": limit})
        assert response.status_code == 200
        return len(captured), len(response.json()["items"])

    few = queries(1)
    for index in range(2, 7):
        draft(world, name=f"表{index}")
    many = queries(50)
    assert many[1] == 6 and few[1] == 1
    # Session and sign-in (2), roles (1), count and page (2), the session refresh (3): whatever the page size.
    assert many[0] == few[0] <= 8


def test_detail_query_count_does_not_grow_with_items(client, world):
    client.force_login(world.people["supervisor"])
    small = draft(world, name="小")
    big_sections = sections() + [{"title": f"组{n}", "items": [
        {"code": f"X{n}-{i}", "text": "项", "kind": "check", "points": 1} for i in range(10)]} for n in range(5)]
    from dudao.checklists import services

    big = services.template_create(actor=world.people["admin"], name="大", sections=big_sections)

    def queries(template):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/templates/{template.pk}").status_code == 200
        return len(captured)

    assert queries(big) == queries(small)
