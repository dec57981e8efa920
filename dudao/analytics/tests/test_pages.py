"""Analytics pages: a permission matrix for every page, what each shows, the Excel exports, the
run button and the review decisions, and query counts that do not grow with the data."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dudao.analytics.models import EvaluationRun, ReviewCase, UnitEvaluation
from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix

from .factories import Data, at, d
from .test_api import case_state, evaluated, other_org_case, other_org_evaluation, review_case

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def march_data(world) -> None:
    data = Data(world)
    data.inspection("store1", "2025-03-02", "80.0")
    data.inspection("store2", "2025-03-05", "91.0")
    data.inspection("store3", "2025-03-06", "50.0")
    data.finding("store1", at("2025-03-01"), "2025-03-04", closed=at("2025-03-03", 22), severity="high")
    data.finding("store2", at("2025-03-01"), "2025-03-04", severity="low", repeat=True, category="risk")
    data.visit("store1", "2025-03-02", "done")
    data.visit("store2", "2025-03-09", "planned")


def chart(content: str, name: str) -> dict:
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', content, re.S)
    assert match, name
    return json.loads(match.group(1))


# --- dashboard -----------------------------------------------------------------------------------
class TestDashboardMatrix(PageObjectMatrix):
    url_name = "analytics:dashboard"
    in_scope = "region_manager"
    refused = ("staff", "finance")

    def target(self, world):
        if not hasattr(self, "_target"):
            march_data(world)
            self._target = world.units["east"]
        return self._target

    def other_org_target(self, world):
        return world.units["b_root"]

    def url(self, world, target):
        return f"{reverse(self.url_name)}?scope={target.pk}&date_from=2025-03-01&date_to=2025-03-31"

    def check_success(self, world, target, response):
        content = response.content.decode()
        assert "华东区" in content and "南京西路店" in content and "春熙路店" not in content
        # Two inspections (80 and 91): the average 85.5; visits 1 of 2 done.
        assert '<span class="value">85.5</span>' in content and '<span class="value">50.0%</span>' in content
        assert chart(content, "severity")["series"][0]["data"][1]["value"] == 1  # one high finding
        coverage = chart(content, "coverage")
        assert coverage["xAxis"]["data"] == ["南京西路店", "淮海路店"]
        assert coverage["series"][0]["data"] == [1, 1] and coverage["series"][1]["data"] == [1, 0]
        assert len(chart(content, "trend")["xAxis"]["data"]) == 12
        assert "<script>" not in content  # CSP: options travel as JSON, never as inline script
        assert 'src="/static/analytics/echarts.min.js"' in content


def test_dashboard_defaults_and_presets(world, client):
    march_data(world)
    client.force_login(world.people["admin"])
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "我的全部范围" in content
    assert f"{timezone.localdate().replace(day=1):%Y-%m-%d}" in content  # this month by default
    reversed_period = client.get(reverse("analytics:dashboard"), {"date_from": "2025-03-05", "date_to": "2025-03-01"})
    assert reversed_period.status_code == 200 and "开始日期不能晚于结束日期" in reversed_period.content.decode()


def test_dashboard_scope_choices_stay_within_the_persons_reach(world, client):
    client.force_login(world.people["region_manager"])
    content = client.get(reverse("analytics:dashboard")).content.decode()
    options = re.findall(r'<option value="(\d+)"', content)
    assert options == [str(world.units["east"].pk)]
    client.force_login(world.people["unit_manager"])
    content = client.get(reverse("analytics:dashboard")).content.decode()
    assert re.findall(r'<option value="(\d+)"', content) == [str(world.units["store1"].pk)]


def test_dashboard_query_count_does_not_grow_with_data(world, client):
    client.force_login(world.people["admin"])
    url = f"{reverse('analytics:dashboard')}?date_from=2025-03-01&date_to=2025-03-31"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    Data(world).inspection("store1", "2025-03-02", "80.0")
    client.get(url)
    small = count()
    march_data(world)
    data = Data(world)
    for day in range(1, 8):
        inspection = data.inspection("store3", f"2025-03-{day:02d}", "88.0", inspector="ops_manager")
        data.finding("store3", at(f"2025-03-{day:02d}"), f"2025-03-{day + 2:02d}", closed=at(f"2025-03-{day + 1:02d}"),
                     inspection=inspection, category="efficiency")
    client.get(url)  # the first read after the changes recomputes the months they marked (facts.rollups)
    assert count() == small


# --- exports -------------------------------------------------------------------------------------
class TestExportMatrix(PageObjectMatrix):
    url_name = "analytics:export"
    in_scope = "region_manager"
    refused = ("staff", "finance")

    def target(self, world):
        return TestDashboardMatrix.target(self, world)

    def other_org_target(self, world):
        return world.units["b_root"]

    def url(self, world, target):
        return f"{reverse(self.url_name)}?table=ranking&scope={target.pk}&date_from=2025-03-01&date_to=2025-03-31"

    def check_success(self, world, target, response):
        assert response["Content-Type"] == XLSX
        assert response["Content-Disposition"] == 'attachment; filename="ranking-2025-03-01-2025-03-31.xlsx"'
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "机构排名" and rows[1][0] == "华东区 · 2025-03-01 – 2025-03-31"
        assert rows[2][:6] == ("排名", "编码", "机构", "下级机构", "检查次数", "平均得分")
        # A region's groups are its stores, so a store's own group column stays empty.
        assert [row[:6] for row in rows[3:]] == [(1, "S2", "淮海路店", None, 1, 91.0),
                                                  (2, "S1", "南京西路店", None, 1, 80.0)]


@pytest.mark.parametrize("table", ["summary", "trend", "coverage", "severity", "category", "region", "ranking",
                                   "supervisors", "evaluations"])
def test_every_table_exports(world, client, table):
    march_data(world)
    evaluated(world, "2025-03")
    client.force_login(world.people["admin"])
    response = client.get(reverse("analytics:export"), {"table": table, "date_from": "2025-03-01",
                                                         "date_to": "2025-03-31", "month": "2025-03"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) > 3
    if table == "summary":
        assert ("检查次数", 5) in rows and ("平均得分", 74.2) in rows  # (80 + 91 + 50 + 60 + 90) / 5
    if table == "evaluations":
        assert rows[2][:3] == ("总排名", "编码", "机构")
        # S1 0.7 * 70 + 0.3 * 100 = 79.0; S2 0.7 * 90.5 + 0.3 * 0 = 63.4; S3 50.0
        assert [(row[1], row[5]) for row in rows[3:]] == [("S1", 79.0), ("S2", 63.4), ("S3", 50.0)]


def test_export_of_an_unknown_table_is_not_found(world, client):
    client.force_login(world.people["admin"])
    assert client.get(reverse("analytics:export"), {"table": "salaries"}).status_code == 404


# --- evaluations page ----------------------------------------------------------------------------
class TestEvaluationsPageMatrix(PageListMatrix):
    url_name = "analytics:evaluations"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = evaluated(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_evaluation(world)
        return self._other

    def marker(self, target):
        return target.unit.name


def test_evaluations_page_ranks_and_highlights_key_targets(world, client):
    evaluated(world, "2025-01")
    client.force_login(world.people["admin"])
    content = client.get(reverse("analytics:evaluations"), {"month": "2025-01"}).content.decode()
    rows = re.findall(r"<tr( class=\"key-target\")?><td data-label=\"总排名\" class=\"num\">(.*?)</td>"
                      r"<td data-label=\"编码\">(.*?)</td>", content)
    assert rows == [("", "1", "S2"), (' class="key-target"', "2", "S1"), ("", "—", "S3")]
    assert "运行评估" in content  # admins run it
    client.force_login(world.people["region_manager"])
    content = client.get(reverse("analytics:evaluations"), {"month": "2025-01"}).content.decode()
    assert "运行评估" not in content and "春熙路店" not in content and "淮海路店" in content
    key_only = client.get(reverse("analytics:evaluations"), {"month": "2025-01", "key_targets": "on"}).content.decode()
    assert "南京西路店" in key_only and "淮海路店" not in key_only


def test_evaluations_page_query_count_does_not_grow_with_rows(world, client):
    client.force_login(world.people["admin"])
    data = Data(world)
    data.inspection("store1", "2025-01-10", "60.0")
    from dudao.analytics import services

    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=d("2025-01-01"),
                            now=at("2025-06-01"))
    url = f"{reverse('analytics:evaluations')}?month=2025-01&key_targets=on"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(url)
    one = count()
    for unit in ("store2", "store3"):
        data.inspection(unit, "2025-01-10", "60.0")
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=d("2025-01-01"),
                            now=at("2025-06-01"))
    assert count() == one


class TestEvaluationsRunMatrix(PageObjectMatrix):
    url_name = "analytics:evaluations-run"
    method = "post"
    success_status = 302
    in_scope = "ops_manager"
    other_org_actor = "b_unit_manager"
    refused = ("region_manager", "supervisor", "hr", "unit_manager")

    def target(self, world):
        if not hasattr(self, "_data"):
            self._data = Data(world)
            self._data.inspection("store1", "2025-01-10", "60.0")
        return world.units["root"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def url(self, world, target):
        return reverse(self.url_name)

    def data(self, world, target):
        return {"month": "2025-01"}

    def snapshot(self, world):
        return EvaluationRun.objects.count(), UnitEvaluation.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        assert response["Location"] == f"{reverse('analytics:evaluations')}?month=2025-01"
        assert UnitEvaluation.objects.filter(organization=world.org, month=d("2025-01-01")).count() == 3


# --- review cases --------------------------------------------------------------------------------
class TestReviewCasesPageMatrix(PageListMatrix):
    url_name = "analytics:review-cases"
    in_scope = "region_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = review_case(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_case(world)
        return self._other

    def marker(self, target):
        return f'href="{target.get_absolute_url()}"'

    def test_the_reviewed_manager_does_not_see_it(self):
        assert self.marker(self.target(self.world)) not in self.text("unit_manager", self.target(self.world))


class _CasePage(PageObjectMatrix):
    in_scope = "hr"
    out_of_scope = "other_region_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = review_case(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_case(world)
        return self._other

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        return case_state(self.target(world))


class TestReviewCaseDetailMatrix(_CasePage):
    url_name = "analytics:review-case-detail"
    refused = ("unit_manager", "supervisor", "staff", "finance")

    def check_success(self, world, target, response):
        content = response.content.decode()
        assert "南京西路店" in content and "unit_manager" in content and "region_manager" in content
        assert "提交决定" in content and "开始评议" in content
        assert content.count('class="key-target"') == 2  # January and February failed


class TestReviewCaseStartMatrix(_CasePage):
    url_name = "analytics:review-case-start"
    method = "post"
    success_status = 302
    in_scope = "region_manager"
    refused = ("admin", "unit_manager", "supervisor")

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "in_review" and target.review_started_by_id == world.people["region_manager"].pk


class TestReviewCaseDecideMatrix(_CasePage):
    url_name = "analytics:review-case-decide"
    method = "post"
    success_status = 302
    refused = ("admin", "unit_manager", "supervisor", "ops_manager")

    def data(self, world, target):
        return {"decision": "dismiss", "notes": "劝退"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert (target.status, target.decision, target.notes) == ("decided", "dismiss", "劝退")

    def test_a_refused_decision_shows_the_field_error_and_changes_nothing(self):
        target = self.target(self.world)
        before = case_state(target)
        self.client.force_login(self.world.people["hr"])
        response = self.client.post(self.url(self.world, target), {"decision": "other", "notes": ""})
        assert response.status_code == 422 and "选择“其他”时请写明评议意见" in response.content.decode()
        assert case_state(target) == before


def test_decided_case_shows_the_decision_without_the_form(world, client):
    case = review_case(world)
    from dudao.analytics import services

    services.review_case_decide(actor=world.person("hr"), case=case, decision="retain", notes="再观察一个月")
    client.force_login(world.people["region_manager"])
    content = client.get(case.get_absolute_url()).content.decode()
    assert "留任观察" in content and "再观察一个月" in content and "提交决定" not in content
    assert ReviewCase.objects.get().status == "decided"


def test_pages_read_in_english_after_the_language_switch(world, client):
    evaluated(world, "2025-01")
    client.force_login(world.people["admin"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/analytics/"})
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    assert "Operations analytics" in dashboard and "运营分析" not in dashboard
    evaluations = client.get(reverse("analytics:evaluations"), {"month": "2025-01"}).content.decode()
    assert "Monthly composite evaluation" in evaluations and "Run the evaluation" in evaluations


def test_dashboard_for_one_store_reached_by_a_link_keeps_the_period(world, client):
    march_data(world)
    client.force_login(world.people["admin"])
    response = client.get(reverse("analytics:dashboard"), {"scope": world.units["store2"].pk,
                                                           "date_from": "2025-03-01", "date_to": "2025-03-31"})
    content = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{world.units["store2"].pk}" selected>淮海路店</option>' in content
    assert '<span class="value">91.0</span>' in content  # store2's one March inspection


def test_a_provisional_evaluation_is_labelled_and_the_run_form_proposes_the_last_complete_month(world, client):
    from dudao.analytics import services
    from dudao.core.periods import last_complete_month

    client.force_login(world.people["admin"])
    today = timezone.localdate()
    month = today.replace(day=1)  # the current month has not ended
    Data(world).inspection("store1", f"{today:%Y-%m-%d}", "60.0", hour=0)
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=month)
    content = client.get(reverse("analytics:evaluations"), {"month": f"{month:%Y-%m}"}).content.decode()
    assert "暂定结果" in content and "暂定,本月尚未结束" in content
    # The month shown is the current one, the month proposed for a run the last one that has ended.
    assert f'id="id_run_month" name="month" value="{last_complete_month(today):%Y-%m}"' in content
    response = client.get(reverse("analytics:export"), {"table": "evaluations", "month": f"{month:%Y-%m}"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "暂定" in sheet["A1"].value and "暂定" in [cell.value for cell in sheet[3]]
