"""Reports and bulletins over the API: a permission matrix for every route, the contract's shapes, and
pinned query counts for the lists."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dudao.approvals.models import ApprovalRequest
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.reporting import services
from dudao.reporting.choices import SECTION_KEYS
from dudao.reporting.models import Bulletin, BulletinRead, Report

from . import scenario

START, END = scenario.START, scenario.END


def draft_report(world, unit="east") -> Report:
    return services.report_draft(actor=world.person("supervisor" if unit == "east" else "admin"),
                                 scope_unit=world.unit(unit), period_start=START, period_end=END)


def draft_bulletin(world, unit="east") -> Bulletin:
    return services.bulletin_compile(actor=world.person("admin"), scope_unit=world.unit(unit), period_start=START,
                                     period_end=END)[0]


def published_bulletin(world, unit="east") -> Bulletin:
    return services.bulletin_publish(actor=world.person("admin"), bulletin=draft_bulletin(world, unit))


def other_org_report(world) -> Report:
    now = timezone.now()
    return Report.objects.create(
        organization=world.other_org, title="乙报告", source="period", scope_unit=world.units["b_root"],
        period_start=START, period_end=END, created_by=world.people["b_admin"], created_at=now, updated_at=now,
    )


def other_org_bulletin(world, status="published") -> Bulletin:
    bulletin = Bulletin.objects.create(
        organization=world.other_org, title="乙公报", scope_unit=world.units["b_root"], period_start=START,
        period_end=END, origin="on_demand", status=status, compiled_at=timezone.now(),
        published_at=timezone.now() if status == "published" else None,
    )
    BulletinRead.objects.create(bulletin=bulletin, unit=world.units["b_branch"])
    return bulletin


def report_state(world, report):
    report.refresh_from_db()
    return (report.status, report.title, dict(report.sections), report.approval_id, Report.objects.count(),
            ApprovalRequest.objects.count(), AuditEvent.objects.count())


def bulletin_state(world, bulletin):
    bulletin.refresh_from_db()
    return (bulletin.status, bulletin.data, Bulletin.objects.count(),
            list(BulletinRead.objects.order_by("pk").values_list("read_at", flat=True)), AuditEvent.objects.count())


# --- reports ---------------------------------------------------------------------------------------
class _ReportMatrix(ApiObjectMatrix):
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = draft_report(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_report(world)
        return self._other

    def snapshot(self, world):
        self.other_org_target(world)  # made before the first snapshot, so counts compare like with like
        return report_state(world, self.target(world))


class TestReportListMatrix(ApiListMatrix):
    route = "GET /api/v1/reports"
    in_scope = "region_manager"
    target = _ReportMatrix.target
    other_org_target = _ReportMatrix.other_org_target


class TestReportCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/reports"
    success_status = 201
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("region_manager", "unit_manager")

    def path(self, world, target):
        return "/reports"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def payload(self, world, target):
        return {"period_start": "2026-03-01", "period_end": "2026-03-15", "scope_unit_id": target.pk}

    def snapshot(self, world):
        return Report.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "draft" and body["source"] == "period" and body["scope_unit_id"] == target.pk
        assert set(body["sections"]) == set(SECTION_KEYS)
        assert body["sections"]["highlights"] == "本期没有已提交的检查。"


class TestReportGetMatrix(_ReportMatrix):
    route = "GET /api/v1/reports/{report_id}"
    refused = ("unit_manager",)  # not before the report is approved

    def path(self, world, target):
        return f"/reports/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["id"] == target.pk and body["data"]["execution"]["inspections"] == 0
        assert body["period_start"] == "2026-03-01" and body["unit_ids"] == []


class TestReportUpdateMatrix(_ReportMatrix):
    route = "PUT /api/v1/reports/{report_id}"
    in_scope = "supervisor"
    refused = ("region_manager",)

    def path(self, world, target):
        return f"/reports/{target.pk}"

    def payload(self, world, target):
        return {"sections": {"problems": "门店地面卫生问题突出。"}}

    def check_success(self, world, target, response):
        body = response.json()
        assert body["sections"]["problems"] == "门店地面卫生问题突出。"
        assert body["sections"]["execution"] == target.sections["execution"]


class TestReportSubmitMatrix(_ReportMatrix):
    route = "POST /api/v1/reports/{report_id}/submit"
    in_scope = "supervisor"
    refused = ("region_manager",)

    def path(self, world, target):
        return f"/reports/{target.pk}/submit"

    def check_success(self, world, target, response):
        body = response.json()
        approval = ApprovalRequest.objects.get(pk=body["approval_id"])
        assert body["status"] == "submitted" and approval.kind == "report" and approval.subject_id == str(target.pk)


class TestReportPdfMatrix(_ReportMatrix):
    route = "GET /api/v1/reports/{report_id}/pdf"

    def path(self, world, target):
        return f"/reports/{target.pk}/pdf"

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"] == "application/pdf"
        assert f'filename="report-{target.pk}.pdf"' in response.headers["Content-Disposition"]
        text = "".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
        assert "一、计划执行情况" in text


class TestReportXlsxMatrix(_ReportMatrix):
    route = "GET /api/v1/reports/{report_id}/xlsx"

    def path(self, world, target):
        return f"/reports/{target.pk}/xlsx"

    def check_success(self, world, target, response):
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames[0] == "报告"


# --- bulletins -------------------------------------------------------------------------------------
class _BulletinMatrix(ApiObjectMatrix):
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"
    published = False

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = published_bulletin(world) if self.published else draft_bulletin(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_bulletin(world)
        return self._other

    def snapshot(self, world):
        self.other_org_target(world)
        return bulletin_state(world, self.target(world))


class TestBulletinListMatrix(ApiListMatrix):
    route = "GET /api/v1/bulletins"
    in_scope = "region_manager"
    target = _BulletinMatrix.target
    other_org_target = _BulletinMatrix.other_org_target
    published = False


class TestBulletinCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/bulletins"
    success_status = 201
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("region_manager", "unit_manager")

    def path(self, world, target):
        return "/bulletins"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def payload(self, world, target):
        return {"period_start": "2026-03-01", "period_end": "2026-03-15", "scope_unit_id": target.pk}

    def snapshot(self, world):
        return Bulletin.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "draft" and body["scope_unit_id"] == target.pk
        assert {"ranking", "common_problems", "overdue", "repeat", "good_practices"} <= set(body)


class TestBulletinGetMatrix(_BulletinMatrix):
    route = "GET /api/v1/bulletins/{bulletin_id}"
    refused = ("unit_manager",)  # a draft is not theirs to read

    def path(self, world, target):
        return f"/bulletins/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["id"] == target.pk and body["ranking"] == [] and body["summary"]["units_in_scope"] == 2


class TestBulletinPublishMatrix(_BulletinMatrix):
    route = "POST /api/v1/bulletins/{bulletin_id}/publish"
    in_scope = "supervisor"
    refused = ("region_manager",)

    def path(self, world, target):
        return f"/bulletins/{target.pk}/publish"

    def check_success(self, world, target, response):
        assert response.json()["status"] == "published"
        assert BulletinRead.objects.filter(bulletin=target).count() == 2


class TestBulletinReadMatrix(_BulletinMatrix):
    route = "POST /api/v1/bulletins/{bulletin_id}/read"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("region_manager", "supervisor", "admin", "staff")
    published = True

    def path(self, world, target):
        return f"/bulletins/{target.pk}/read"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["bulletin_id"] == target.pk and body["unit_ids"] == [world.units["store1"].pk]
        assert body["read_at"] is not None


class TestBulletinReadsMatrix(_BulletinMatrix):
    route = "GET /api/v1/bulletins/{bulletin_id}/reads"
    refused = ("unit_manager",)
    published = True

    def path(self, world, target):
        return f"/bulletins/{target.pk}/reads"

    def check_success(self, world, target, response):
        assert response.json() == {"read": [], "unread": [world.units["store1"].pk, world.units["store2"].pk]}


class TestBulletinPdfMatrix(_BulletinMatrix):
    route = "GET /api/v1/bulletins/{bulletin_id}/pdf"

    def path(self, world, target):
        return f"/bulletins/{target.pk}/pdf"

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"] == "application/pdf"
        text = "".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
        assert "二、机构排名" in text


# --- behaviour over HTTP ------------------------------------------------------------------------------
def test_a_report_from_an_inspection_over_the_api(live_world, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = scenario.build(live_world, with_photo=False)
    api = api_for(live_world.people["supervisor"])
    response = api.post("/api/v1/reports", json={"inspection_id": data.inspections["s2a"].pk})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft" and body["source"] == "inspection"
    assert list(body["sections"]) == list(SECTION_KEYS)
    assert body["data"]["inspection"]["score"] == 60.0

    edited = api.put(f"/api/v1/reports/{body['id']}", json={"sections": {"analysis": "冷链管理薄弱。"}})
    assert edited.json()["sections"]["analysis"] == "冷链管理薄弱。"
    unknown = api.put(f"/api/v1/reports/{body['id']}", json={"sections": {"foreword": "x"}})
    assert unknown.status_code == 422 and list(unknown.json()["detail"]["fields"]) == ["sections.foreword"]

    assert api.post(f"/api/v1/reports/{body['id']}/submit").json()["status"] == "submitted"
    again = api.put(f"/api/v1/reports/{body['id']}", json={"sections": {"analysis": "y"}})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_report_needs_exactly_one_basis_over_the_api(live_world, api_for):
    api = api_for(live_world.people["supervisor"])
    response = api.post("/api/v1/reports", json={})
    assert response.status_code == 422 and "inspection_id" in response.json()["detail"]["fields"]
    assert Report.objects.count() == 0


def test_bulletin_compile_publish_read_and_follow_over_the_api(live_world, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scenario.build(live_world, with_photo=False)
    world = live_world
    supervisor = api_for(world.people["supervisor"])
    payload = {"period_start": "2026-03-01", "period_end": "2026-03-15", "scope_unit_id": world.units["east"].pk}
    first = supervisor.post("/api/v1/bulletins", json=payload)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["ranking"] == [
        {"unit_id": world.units["store1"].pk, "unit_name": "南京西路店", "region": "华东区", "score": 90.0, "rank": 1,
         "inspections": 2},
        {"unit_id": world.units["store2"].pk, "unit_name": "淮海路店", "region": "华东区", "score": 70.0, "rank": 2,
         "inspections": 2},
    ]
    assert body["common_problems"][0] == {"item_code": "A1", "text": "地面清洁无积水", "count": 2, "failures": 3}
    assert [o["unit_id"] for o in body["overdue"]] == [world.units["store1"].pk, world.units["store2"].pk]
    assert [r["unit_id"] for r in body["repeat"]] == [world.units["store2"].pk]
    again = supervisor.post("/api/v1/bulletins", json=payload)
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    manager = api_for(world.people["unit_manager"])
    assert manager.get(f"/api/v1/bulletins/{body['id']}").status_code == 404  # a draft
    assert supervisor.post(f"/api/v1/bulletins/{body['id']}/publish").json()["status"] == "published"
    assert supervisor.post("/api/v1/bulletins", json=payload).status_code == 409
    assert manager.get(f"/api/v1/bulletins/{body['id']}").status_code == 200
    assert [b["id"] for b in manager.get("/api/v1/bulletins").json()["items"]] == [body["id"]]
    assert manager.post(f"/api/v1/bulletins/{body['id']}/read").status_code == 200
    assert supervisor.get(f"/api/v1/bulletins/{body['id']}/reads").json() == {
        "read": [world.units["store1"].pk], "unread": [world.units["store2"].pk]}


def test_reads_of_a_draft_are_empty(live_world, api_for):
    bulletin = draft_bulletin(live_world)
    response = api_for(live_world.people["supervisor"]).get(f"/api/v1/bulletins/{bulletin.pk}/reads")
    assert response.json() == {"read": [], "unread": []}


# --- query counts ----------------------------------------------------------------------------------
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize("kind", ["reports", "bulletins"])
def test_list_queries_do_not_grow_with_the_page(world, client, kind):
    client.force_login(world.people["region_manager"])
    make = draft_report if kind == "reports" else None
    for day in range(1, 13):
        if make:
            make(world)
        else:
            services.bulletin_compile(actor=world.person("admin"), scope_unit=world.unit("east"),
                                      period_start=dt.date(2026, 1, day), period_end=dt.date(2026, 1, day))
    small = _count(client, f"/api/v1/{kind}?limit=2")
    large = _count(client, f"/api/v1/{kind}?limit=12")
    # Session, person and roles; count and page; the session's save (savepoint, update, release).
    assert small == large == 8
