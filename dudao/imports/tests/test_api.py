"""Imports over real HTTP: upload, JSON rows, runs, apply, templates, exports; every route's matrix."""

from __future__ import annotations

import json

from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.core.testing.matrix import API_PREFIX
from dudao.imports import registry, services
from dudao.imports.models import ImportRun
from dudao.org.models import Person, Unit

from .files import PEOPLE_HEADERS, UNIT_HEADERS, csv_bytes, read_xlsx, xlsx

UNITS = xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "ROOT"]]})


def state(world=None):
    return (Unit.objects.count(), Person.objects.count(), ImportRun.objects.count(),
            AuditEvent.objects.exclude(action__startswith="token.").count())


def dry_run(world, actor_key="admin"):
    actor = world.person(actor_key)
    run = services.import_run_create(actor=actor, kind="units", content=UNITS, filename="u.xlsx")
    return services.import_run_start(actor=actor, run=run)


def other_org_run(world):
    actor = world.person("b_admin")
    content = xlsx({"机构": [UNIT_HEADERS, ["B9", "城西支行", "网点", "ROOT"]]})
    run = services.import_run_create(actor=actor, kind="units", content=content, filename="b.xlsx")
    return services.import_run_start(actor=actor, run=run)


class _OrgWide:
    """Routes about the caller's organisation rather than an object: another organisation's admin
    gets their own organisation's answer, never this one's."""

    refused = ("executive", "region_manager", "hr")
    other_org_actor = "b_admin"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org


class TestUploadMatrix(_OrgWide, ApiObjectMatrix):
    route = "POST /api/v1/imports"
    success_status = 201

    def path(self, world, target):
        return "/imports"

    def call(self, actor_key, target):
        return self.clients[actor_key].post(API_PREFIX + "/imports", files={"file": ("units.xlsx", UNITS)},
                                            data={"kind": "units", "dry_run": "false"})

    snapshot = staticmethod(state)

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "applied" and body["kind"] == "units"
        assert (body["rows"], body["created"], body["updated"], body["errors"]) == (1, 1, 0, [])
        assert Unit.objects.get(code="N1").organization_id == world.org.pk

    def test_other_organization_is_404(self):
        response = self.call("b_admin", None)
        assert response.status_code == 201, response.text
        assert Unit.objects.get(code="N1").organization_id == self.world.other_org.pk


class TestRowsMatrix(TestUploadMatrix):
    route = "POST /api/v1/imports/rows"

    def call(self, actor_key, target):
        rows = [{"code": "N1", "name": "新店", "kind": "store", "parent_code": "ROOT"}]
        return self.clients[actor_key].post(API_PREFIX + "/imports/rows",
                                            json={"kind": "units", "dry_run": False, "rows": rows})


class TestRunListMatrix(ApiListMatrix):
    route = "GET /api/v1/imports"

    def target(self, world):
        return dry_run(world)

    def other_org_target(self, world):
        return other_org_run(world)


class TestRunGetMatrix(ApiObjectMatrix):
    route = "GET /api/v1/imports/{run_id}"
    refused = ("executive", "hr")

    def path(self, world, target):
        return f"/imports/{target.pk}"

    def target(self, world):
        # One run per test, made before any snapshot is taken.
        if getattr(self, "_run", None) is None:
            self._run = dry_run(world)
        return self._run

    def other_org_target(self, world):
        if getattr(self, "_other_run", None) is None:
            self._other_run = other_org_run(world)
        return self._other_run

    def check_success(self, world, target, response):
        body = response.json()
        assert body["id"] == target.pk and body["status"] == "validated" and body["dry_run"] is True
        assert body["changes"][0]["action"] == "create"


class TestRunApplyMatrix(TestRunGetMatrix):
    route = "POST /api/v1/imports/{run_id}/apply"
    success_status = 201

    def path(self, world, target):
        return f"/imports/{target.pk}/apply"

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "applied" and body["source_id"] == target.pk and body["id"] != target.pk
        assert Unit.objects.filter(code="N1", organization=world.org).exists()
        again = self.call(self.in_scope, target)
        assert again.status_code == 409, again.text


class TestTemplateMatrix(_OrgWide, ApiObjectMatrix):
    route = "GET /api/v1/imports/template"

    def path(self, world, target):
        return "/imports/template?kind=people"

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        book = read_xlsx(response.content)
        assert book["人员"][0] == PEOPLE_HEADERS and "说明" in book

    def test_other_organization_is_404(self):
        assert self.call("b_admin", None).status_code == 200


class TestExportMatrix(_OrgWide, ApiObjectMatrix):
    route = "GET /api/v1/imports/export"

    def path(self, world, target):
        return "/imports/export?kind=units"

    def check_success(self, world, target, response):
        codes = {row[0] for row in read_xlsx(response.content)["机构"][1:]}
        assert {"ROOT", "E", "S1"} <= codes and "B1" not in codes

    def test_other_organization_is_404(self):
        response = self.call("b_admin", None)
        codes = {row[0] for row in read_xlsx(response.content)["机构"][1:]}
        assert "B1" in codes and "S1" not in codes


# --- behaviour over HTTP ----------------------------------------------------------------------
def test_template_downloaded_filled_and_uploaded_as_csv_and_xlsx(live_world, api_for):
    api = api_for(live_world.person("admin"))
    template = read_xlsx(api.get(API_PREFIX + "/imports/template?kind=units").content)["机构"]
    filled = xlsx({"机构": [template[0], ["N1", "新店", "门店", "E"]]})
    response = api.post(API_PREFIX + "/imports", files={"file": ("t.xlsx", filled)}, data={"kind": "units"})
    assert response.status_code == 201 and response.json()["status"] == "validated"
    gb = csv_bytes([template[0], ["N2", "西单店", "门店", "E"]], "gb18030")
    response = api.post(API_PREFIX + "/imports", files={"file": ("t.csv", gb)},
                        data={"kind": "units", "dry_run": "false"})
    assert response.json()["status"] == "applied"
    assert Unit.objects.get(code="N2").name == "西单店"


def test_bad_rows_over_http_name_row_and_field_and_change_nothing(live_world, api_for):
    api = api_for(live_world.person("admin"))
    before = (Unit.objects.count(), Person.objects.count())
    rows = [{"username": "new1", "display_name": "新人", "role": "督导", "unit_code": "E"},
            {"username": "new2", "display_name": "新人二", "role": "国王", "unit_code": "E"}]
    response = api.post(API_PREFIX + "/imports/rows", json={"kind": "people", "dry_run": False, "rows": rows})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "failed"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "role")]
    assert (Unit.objects.count(), Person.objects.count()) == before


def test_mapping_form_field_and_unknown_kinds(live_world, api_for):
    api = api_for(live_world.person("admin"))
    content = csv_bytes([["店号", "店名", "业态", "所属"], ["N1", "新店", "门店", "E"]])
    mapping = {"店号": "code", "店名": "name", "业态": "kind", "所属": "parent_code"}
    response = api.post(API_PREFIX + "/imports", files={"file": ("m.csv", content)},
                        data={"kind": "units", "mapping": json.dumps(mapping, ensure_ascii=False)})
    assert response.json()["status"] == "validated", response.text
    registered = registry._KINDS.pop("attendance", None)  # as before its app registers it
    try:
        for kind, message in (("attendance", "not available"), ("nonsense", "未知")):
            refused = api.post(API_PREFIX + "/imports", files={"file": ("m.csv", content)}, data={"kind": kind})
            assert refused.status_code == 422 and message in refused.json()["message"]
            assert refused.json()["detail"]["fields"].keys() == {"kind"}
    finally:
        if registered is not None:
            registry._KINDS["attendance"] = registered
    broken = api.post(API_PREFIX + "/imports", files={"file": ("m.csv", content)},
                      data={"kind": "units", "mapping": "{nope"})
    assert broken.status_code == 422 and "mapping" in broken.json()["detail"]["fields"]
    assert ImportRun.objects.count() == 1


def test_a_long_upload_runs_as_a_job_and_its_progress_reaches_every_row(live_world, api_for, settings):
    settings.IMPORTS_INLINE_MAX_ROWS = 50
    api = api_for(live_world.person("admin"))
    rows = [UNIT_HEADERS] + [[f"L{n:03d}", f"门店{n}", "门店", "E"] for n in range(120)]
    response = api.post(API_PREFIX + "/imports", files={"file": ("long.csv", csv_bytes(rows))},
                        data={"kind": "units", "dry_run": "false"})
    assert response.status_code == 201 and response.json()["status"] == "running"
    body = api.get(API_PREFIX + f"/imports/{response.json()['id']}").json()
    assert body["status"] == "applied" and body["processed"] == body["rows"] == 120
    assert Unit.objects.filter(code__startswith="L").count() == 120
