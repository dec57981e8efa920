"""Import pages: history, upload (with mapping), result, apply; and the whole flow an admin follows."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.imports import services
from dudao.imports.models import ImportRun
from dudao.org.models import Person, Unit

from .files import PASSWORD, UNIT_HEADERS, chain, xlsx
from .test_api import UNITS, dry_run, other_org_run, state

ODD_HEADERS = xlsx({"x": [["店号", "店名", "业态", "所属"], ["N1", "新店", "门店", "E"]]})


def pending_odd_run(world, actor="admin"):
    return services.import_run_create(actor=world.person(actor), kind="units", content=ODD_HEADERS, filename="odd.xlsx")


class _Runs:
    refused = ("executive", "hr")

    def target(self, world):
        if getattr(self, "_run", None) is None:
            self._run = dry_run(world)
        return self._run

    def other_org_target(self, world):
        if getattr(self, "_other_run", None) is None:
            self._other_run = other_org_run(world)
        return self._other_run

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestRunListPage(_Runs, PageListMatrix):
    url_name = "imports:run-list"

    def url(self, world, target):
        return reverse(self.url_name)

    def marker(self, target):
        return f'href="/imports/{target.pk}/"'

    # The history is the administrators' page: everyone else is told it does not exist.
    def test_no_role_does_not_see_it(self):
        assert self.call("no_role", self.target(self.world)).status_code == 404

    def test_out_of_scope_does_not_see_it(self):
        assert self.call(self.out_of_scope, self.target(self.world)).status_code == 404


class TestRunNewPage(PageObjectMatrix):
    url_name = "imports:run-new"
    refused = ("executive", "region_manager")

    def url(self, world, target):
        return reverse(self.url_name) + "?kind=units"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "试运行（不写入）" in text and 'checked' in text and "/api/v1/imports/template?kind=units" in text

    def test_other_organization_is_404(self):
        assert self.call("b_admin", None).status_code == 200


class TestRunNewPost(TestRunNewPage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"kind": "units", "file": SimpleUploadedFile("u.xlsx", UNITS), "dry_run": ""}

    def snapshot(self, world):
        return state()

    def check_success(self, world, target, response):
        run = ImportRun.objects.get()
        assert response["Location"] == run.get_absolute_url()
        assert run.status == "applied" and Unit.objects.get(code="N1").organization_id == world.org.pk

    def test_other_organization_is_404(self):
        assert self.call("b_admin", None).status_code == 302
        assert Unit.objects.get(code="N1").organization_id == self.world.other_org.pk


class TestRunDetailPage(_Runs, PageObjectMatrix):
    url_name = "imports:run-detail"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "确认导入" in text and "N1" in text and "新建" in text


class TestRunMappingPage(_Runs, PageObjectMatrix):
    url_name = "imports:run-mapping"

    def target(self, world):
        if getattr(self, "_run", None) is None:
            self._run = pending_odd_run(world)
        return self._run

    def other_org_target(self, world):
        if getattr(self, "_other_run", None) is None:
            self._other_run = pending_odd_run(world, "b_admin")
        return self._other_run

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "店号" in text and "（忽略此列）" in text


class TestRunApplyPost(_Runs, PageObjectMatrix):
    url_name = "imports:run-apply"
    method = "post"
    success_status = 302

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        applied = ImportRun.objects.get(source=target)
        assert response["Location"] == applied.get_absolute_url() and applied.status == "applied"
        assert Unit.objects.filter(code="N1", organization=world.org).exists()


# --- the flow ------------------------------------------------------------------------------------
def test_unknown_headers_lead_to_the_mapping_step_then_the_preview(world, client):
    client.force_login(world.person("admin"))
    response = client.post(reverse("imports:run-new"), {
        "kind": "units", "dry_run": "on", "file": SimpleUploadedFile("odd.xlsx", ODD_HEADERS)})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run-mapping", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "店号" in page
    response = client.post(reverse("imports:run-mapping", args=[run.pk]), {
        "column_0": "code", "column_1": "", "column_2": "kind", "column_3": "parent_code"})
    assert response.status_code == 200 and "缺少必填列“机构名称”" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "pending"
    response = client.post(reverse("imports:run-mapping", args=[run.pk]), {
        "column_0": "code", "column_1": "name", "column_2": "kind", "column_3": "parent_code"})
    assert response["Location"] == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == "validated" and run.mapping["店号"] == "code"
    assert not Unit.objects.filter(code="N1").exists()
    detail = client.get(run.get_absolute_url()).content.decode()
    assert "将发生的变更" in detail and "华东区" not in detail and "E" in detail


def test_onboarding_workbook_is_detected_errors_name_sheet_and_row_and_people_sign_in(world, client):
    units, people = chain(stores=30, people=8)
    units[3][3] = "RG9"
    client.force_login(world.person("admin"))
    content = xlsx({"机构": units, "人员": people})
    response = client.post(reverse("imports:run-new"), {
        "kind": "units", "dry_run": "on", "file": SimpleUploadedFile("开业.xlsx", content)})
    run = ImportRun.objects.get()
    assert run.kind == "onboarding" and run.status == "failed"
    detail = client.get(response["Location"]).content.decode()
    assert "机构" in detail and "<td data-label=\"行\">4</td>" in detail and "RG9" in detail
    units[3][3] = "RG1"
    response = client.post(reverse("imports:run-new"), {
        "kind": "onboarding", "dry_run": "on", "file": SimpleUploadedFile("开业.xlsx", xlsx({"机构": units, "人员": people}))})
    preview = ImportRun.objects.get(pk=response["Location"].strip("/").split("/")[-1])
    assert preview.status == "validated" and Person.objects.filter(username="user00").count() == 0
    response = client.post(reverse("imports:run-apply", args=[preview.pk]))
    applied = ImportRun.objects.get(source=preview)
    assert applied.status == "applied" and (applied.created, applied.updated) == (35 + 8, 0)
    client.logout()
    signed_in = client.post(reverse("login"), {"username": "user02", "password": PASSWORD})
    # The password came in a file: the first page asks for their own, then the workbench opens.
    assert signed_in.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("org:password-change")
    changed = client.post(reverse("org:password-change"), {
        "old_password": PASSWORD, "new_password": "Own-choice-2026!", "new_password2": "Own-choice-2026!"})
    assert changed.status_code == 302 and client.get(reverse("home")).status_code == 200


def test_a_long_file_shows_progress_that_the_page_polls(world, client, settings):
    run = services.import_run_create(actor=world.person("admin"), kind="units",
                                     content=xlsx({"机构": [UNIT_HEADERS] + [[f"N{n}", "店", "门店", "E"] for n in range(9)]}),
                                     filename="u.xlsx")
    ImportRun.objects.filter(pk=run.pk).update(status="running", processed=4)
    client.force_login(world.person("admin"))
    page = client.get(run.get_absolute_url()).content.decode()
    assert '<progress max="9" value="4"' in page and 'hx-trigger="every 2s"' in page
    fragment = client.get(run.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert "<progress" in fragment.content.decode() and "<h1>" not in fragment.content.decode()
    ImportRun.objects.filter(pk=run.pk).update(status="applied", processed=9)
    done = client.get(run.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == run.get_absolute_url()


def test_navigation_offers_imports_to_admins_not_to_the_executive(world, client):
    client.force_login(world.person("admin"))
    assert 'href="/imports/"' in client.get(reverse("org:people")).content.decode()
    client.force_login(world.person("executive"))
    assert 'href="/imports/"' not in client.get(reverse("org:people")).content.decode()


def test_org_tree_and_people_pages_link_to_export_and_import_for_admins(world, client):
    client.force_login(world.person("admin"))
    assert "/api/v1/imports/export?kind=units" in client.get(reverse("org:tree")).content.decode()
    people = client.get(reverse("org:people")).content.decode()
    assert "/api/v1/imports/export?kind=people" in people and "/imports/new/?kind=people" in people
    client.force_login(world.person("region_manager"))
    assert "/api/v1/imports/export" not in client.get(reverse("org:tree")).content.decode()
