"""Who imports appraisal data: administrators, ops managers and HR, each row only inside their part
of the tree; units, people and onboarding stay with the administrators. The pages, the API, the
templates and the history follow the kind's rule; every route's matrix for an appraisal kind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dudao.core.errors import ApplicationError
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix, PageListMatrix, PageObjectMatrix
from dudao.core.testing.matrix import API_PREFIX
from dudao.imports import selectors as import_selectors
from dudao.imports import services as import_services
from dudao.imports.models import ImportRun
from dudao.imports.tests.files import UNIT_HEADERS, xlsx

from .test_imports import KPI_HEADERS, run_import, state

# The world's ops manager holds the operations center ("OPS", with its department "MGT"); the
# stores S1-S3 lie in the regions, outside it. HR holds the company root.
CENTER_ROW = ["", "MGT", "satisfaction", "2026-01", "91", "问卷"]
STORE_ROW = ["", "S1", "satisfaction", "2026-01", "88", "POS"]


def figures(*rows) -> bytes:
    return xlsx({"KPI 数值": [KPI_HEADERS, *rows]})


def kpi_run(world, actor="hr", rows=(STORE_ROW,), dry_run=True):
    return run_import(world, "kpi_values", figures(*rows), dry_run=dry_run, actor=actor)


pytestmark = pytest.mark.django_db


# --- the rule ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("actor", "row"), [("hr", STORE_ROW), ("ops_manager", CENTER_ROW), ("admin", STORE_ROW)])
def test_hr_and_ops_managers_import_figures_inside_their_part_of_the_tree(world, actor, row):
    run = kpi_run(world, actor, rows=(row,), dry_run=False)
    assert (run.status, run.created, run.errors) == ("applied", 1, [])


def test_a_row_outside_the_importers_part_of_the_tree_names_row_and_field_and_nothing_is_written(world):
    before = state()
    run = kpi_run(world, "ops_manager", rows=(CENTER_ROW, STORE_ROW), dry_run=False)
    assert run.status == "failed"
    assert [(e["row"], e["field"]) for e in run.errors] == [(3, "unit_code")]
    assert "S1" in run.errors[0]["message"]
    assert state() == before


def test_a_person_row_is_checked_against_the_unit_of_their_role(world):
    content = xlsx({"奖金基数": [["用户名", "期间", "奖金基数"], ["unit_manager", "2026-01", "3000"],
                                 ["department_head", "2026-01", "4000"]]})
    before = state()
    run = run_import(world, "bonus_bases", content, actor="ops_manager", dry_run=False)
    assert run.status == "failed" and [(e["row"], e["field"]) for e in run.errors] == [(2, "username")]
    assert state() == before
    assert run_import(world, "bonus_bases", content, actor="hr", dry_run=False).status == "applied"


@pytest.mark.parametrize("actor", ["ops_manager", "hr"])
def test_units_people_and_onboarding_stay_with_administrators(world, actor):
    units = xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "ROOT"]]})
    for kind in ("units", "onboarding"):
        with pytest.raises(ApplicationError) as refused:
            import_services.import_run_create(actor=world.person(actor), kind=kind, content=units,
                                              filename="u.xlsx")
        assert refused.value.code == "permission_denied"
    with pytest.raises(ApplicationError):
        import_selectors.template_workbook(world.person(actor), "units")
    with pytest.raises(ApplicationError):  # exports hold the whole organisation's records
        import_selectors.export_workbook(world.person(actor), "kpi_values")
    assert import_selectors.template_workbook(world.person(actor), "kpi_values").content
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("actor", ["executive", "finance", "region_manager", "no_role"])
def test_nobody_else_imports_appraisal_data(world, actor):
    with pytest.raises(ApplicationError) as refused:
        import_services.import_run_create(actor=world.person(actor), kind="kpi_values", content=figures(STORE_ROW),
                                          filename="k.xlsx")
    assert refused.value.code == "permission_denied" and not ImportRun.objects.exists()


def test_the_history_shows_each_person_the_runs_of_kinds_they_may_import(world):
    units = run_import(world, "units", xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "ROOT"]]}), dry_run=True)
    by_hr = kpi_run(world, "hr")
    by_ops = kpi_run(world, "ops_manager", rows=(CENTER_ROW,))

    def seen(actor):
        return set(import_selectors.import_runs(world.person(actor)).values_list("pk", flat=True))

    assert seen("admin") == {units.pk, by_hr.pk, by_ops.pk}
    assert seen("hr") == {by_hr.pk, by_ops.pk}  # the whole company's appraisal-data runs, not the tree's
    assert seen("ops_manager") == {by_ops.pk}  # HR, at the root, is outside the operations center
    assert seen("executive") == set()


# --- pages ---------------------------------------------------------------------------------------------
def test_the_kind_picker_offers_only_the_kinds_the_person_may_import(world, client):
    client.force_login(world.person("ops_manager"))
    text = client.get(reverse("imports:run-new")).content.decode()
    for kind in ("kpi_values", "targets", "attendance", "bonus_bases"):
        assert f'value="{kind}"' in text
    for kind in ("units", "people", "onboarding"):
        assert f'value="{kind}"' not in text
    client.force_login(world.person("admin"))
    assert 'value="onboarding"' in client.get(reverse("imports:run-new")).content.decode()


def test_navigation_offers_imports_to_those_who_import(world, client):
    for actor, shown in (("admin", True), ("ops_manager", True), ("hr", True), ("executive", False),
                         ("finance", False)):
        client.force_login(world.person(actor))
        assert ('href="/imports/"' in client.get(reverse("appraisal:kpi-value-list")
                                                  if actor != "finance" else "/").content.decode()) is shown, actor


class _KpiRuns:
    """A dry run of figures by HR; the ops manager (whose center HR is not in) and the executive
    do not see it."""

    in_scope = "hr"
    out_of_scope = "ops_manager"
    refused = ("executive",)

    def target(self, world):
        if getattr(self, "_run", None) is None:
            self._run = kpi_run(world, "hr")
        return self._run

    def other_org_target(self, world):
        if getattr(self, "_other_run", None) is None:
            content = figures(["", "B1", "satisfaction", "2026-01", "90", "POS"])
            self._other_run = run_import(world, "kpi_values", content, dry_run=True, actor="b_admin")
        return self._other_run

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestKpiRunListPage(_KpiRuns, PageListMatrix):
    url_name = "imports:run-list"

    def url(self, world, target):
        return reverse(self.url_name)

    def marker(self, target):
        return f'href="/imports/{target.pk}/"'

    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404


class TestKpiRunDetailPage(_KpiRuns, PageObjectMatrix):
    url_name = "imports:run-detail"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "确认导入" in text and "S1" in text


class TestKpiRunApplyPost(_KpiRuns, PageObjectMatrix):
    url_name = "imports:run-apply"
    method = "post"
    success_status = 302

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state(), ImportRun.objects.count()

    def check_success(self, world, target, response):
        applied = ImportRun.objects.get(source=target)
        assert applied.status == "applied" and applied.created == 1


class TestKpiRunNewPost(PageObjectMatrix):
    url_name = "imports:run-new"
    method = "post"
    success_status = 302
    in_scope = "ops_manager"
    out_of_scope = "region_manager"
    refused = ("executive",)

    def url(self, world, target):
        return reverse(self.url_name)

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def data(self, world, target):
        return {"kind": "kpi_values", "file": SimpleUploadedFile("k.xlsx", figures(CENTER_ROW)), "dry_run": ""}

    def snapshot(self, world):
        return state(), ImportRun.objects.count()

    def check_success(self, world, target, response):
        run = ImportRun.objects.get()
        assert run.status == "applied" and run.created_by_id == world.people["ops_manager"].pk

    def test_other_organization_is_404(self):
        self.client.force_login(self.world.people["b_admin"])
        assert self.client.post(reverse(self.url_name), self.data(self.world, None)).status_code == 302
        assert ImportRun.objects.get().status == "failed"  # MGT is no unit of the other organisation


# --- API ----------------------------------------------------------------------------------------------
class TestKpiUploadMatrix(ApiObjectMatrix):
    route = "POST /api/v1/imports"
    success_status = 201
    in_scope = "hr"
    out_of_scope = "region_manager"
    refused = ("executive", "finance")
    other_org_actor = "b_admin"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def call(self, actor_key, target):
        return self.clients[actor_key].post(API_PREFIX + "/imports", files={"file": ("k.xlsx", figures(STORE_ROW))},
                                            data={"kind": "kpi_values", "dry_run": "false"})

    def snapshot(self, world):
        return state(), ImportRun.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["status"], body["kind"], body["created"]) == ("applied", "kpi_values", 1)

    def test_other_organization_is_404(self):
        response = self.call("b_admin", None)
        assert response.status_code == 201 and response.json()["status"] == "failed"  # S1 is not theirs

    def test_a_row_outside_the_scope_fails_the_run_naming_it(self):
        ops = self.api_for(self.world.people["ops_manager"])
        before = self.snapshot(self.world)
        response = ops.post(API_PREFIX + "/imports/rows", json={
            "kind": "kpi_values", "dry_run": False, "rows": [
                {"unit_code": "MGT", "kpi_code": "satisfaction", "period": "2026-01", "value": "91", "source": "问卷"},
                {"unit_code": "S1", "kpi_code": "satisfaction", "period": "2026-01", "value": "88", "source": "POS"}]})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "failed" and [(e["row"], e["field"]) for e in body["errors"]] == [(3, "unit_code")]
        assert self.snapshot(self.world)[0] == before[0]


class TestKpiTemplateMatrix(ApiObjectMatrix):
    route = "GET /api/v1/imports/template"
    in_scope = "ops_manager"
    out_of_scope = "region_manager"
    refused = ("executive",)
    other_org_actor = "b_admin"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def path(self, world, target):
        return "/imports/template?kind=kpi_values"

    def check_success(self, world, target, response):
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")

    def test_other_organization_is_404(self):
        assert self.call("b_admin", None).status_code == 200  # their own organisation's template

    def test_units_template_is_404_for_them(self):
        assert self.clients["ops_manager"].get(API_PREFIX + "/imports/template?kind=units").status_code == 404


class TestKpiRunListMatrix(_KpiRuns, ApiListMatrix):
    route = "GET /api/v1/imports"


class TestKpiRunGetMatrix(_KpiRuns, ApiObjectMatrix):
    route = "GET /api/v1/imports/{run_id}"

    def path(self, world, target):
        return f"/imports/{target.pk}"

    def check_success(self, world, target, response):
        assert response.json()["kind"] == "kpi_values"
