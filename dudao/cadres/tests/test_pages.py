"""Cadre report pages: a matrix for every page; drafting from the form with the last complete
quarter proposed (and the current one, provisional), settling a row, publishing, the store manager's own evaluations; the detail's
query count does not grow with the rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dudao.cadres import services
from dudao.cadres.models import CadreReport
from dudao.core.testing.matrix import PageFormMatrix, PageListMatrix, PageObjectMatrix
from dudao.org import services as org
from dudao.org.choices import Role
from dudao.org.testing import make_person

from .test_cadres import QUARTER, other_org_report, report_of, state


class _Report:
    in_scope = "ops_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        return report_of(world, scope="east")

    def other_org_target(self, world):
        return other_org_report(world)

    def marker(self, target):
        return reverse("cadres:report-detail", args=[target.pk])

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestReportListPage(_Report, PageListMatrix):
    url_name = "cadres:report-list"
    in_scope = "region_manager"

    def url(self, world, target):
        return reverse(self.url_name)

    def test_no_role_does_not_see_it(self):
        """The list is for the report's readers: anyone else gets 404."""
        assert self.call("no_role", self.target(self.world)).status_code == 404
        assert self.call("unit_manager", self.target(self.world)).status_code == 404


class TestReportCreatePage(PageFormMatrix):
    url_name = "cadres:report-create"
    in_scope = "hr"
    out_of_scope = "region_manager"
    other_org_marker = "乙银行"  # the form lists the caller's own organisation and its regions only


class TestReportDetailPage(_Report, PageObjectMatrix):
    url_name = "cadres:report-detail"
    in_scope = "region_manager"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert world.people["unit_manager"].display_name in text
        assert "晋升候选" in text and reverse("cadres:row-edit", args=[target.pk, target.rows.get().pk]) not in text


class TestRowEditPage(_Report, PageObjectMatrix):
    url_name = "cadres:row-edit"
    in_scope = "hr"
    method = "post"
    success_status = 302
    refused = ("region_manager", "executive", "unit_manager")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk, target.rows.get().pk])

    def data(self, world, target):
        return {"ability": "B", "post": "coach", "pay": "keep", "comment": "加强排班管理"}

    def check_success(self, world, target, response):
        row = target.rows.get()
        assert (row.ability, row.post, row.comment) == ("B", "coach", "加强排班管理")


class TestReportPublishPage(_Report, PageObjectMatrix):
    url_name = "cadres:report-publish"
    method = "post"
    success_status = 302
    refused = ("region_manager", "executive", "unit_manager")

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "published"


class TestReportXlsxPage(_Report, PageObjectMatrix):
    url_name = "cadres:report-xlsx"
    in_scope = "executive"

    def check_success(self, world, target, response):
        assert response.content[:2] == b"PK"


class TestMyEvaluationsPage(_Report, PageObjectMatrix):
    url_name = "cadres:mine"
    in_scope = "unit_manager"

    def url(self, world, target):
        return reverse(self.url_name)

    def target(self, world):
        report = report_of(world, scope="east")
        if report.status == "draft":
            services.cadre_report_publish(actor=world.person("hr"), report=report)
        return report

    def test_no_role_is_404(self):
        """Everyone has a page of their own (empty without a published evaluation)."""
        self.target(self.world)
        response = self.call("no_role", None)
        assert response.status_code == 200 and QUARTER not in response.content.decode()

    def test_out_of_scope_is_404(self):
        self.target(self.world)
        assert QUARTER not in self.call("other_unit_manager", None).content.decode()

    def test_other_organization_is_404(self):
        self.target(self.world), other_org_report(self.world)
        assert "乙" not in self.call("b_unit_manager", None).content.decode().split("<main", 1)[-1]

    def check_success(self, world, target, response):
        assert QUARTER in response.content.decode() and "晋升候选" in response.content.decode()


def test_a_draft_is_not_shown_to_the_store_manager(world, client):
    report_of(world)
    client.force_login(world.person("unit_manager"))
    assert QUARTER not in client.get(reverse("cadres:mine")).content.decode()


def test_the_form_proposes_the_last_complete_quarter_and_drafts_the_report(world, client):
    from django.utils import timezone

    from dudao.cadres.selectors import last_complete_quarter

    client.force_login(world.person("hr"))
    proposed = last_complete_quarter(timezone.localdate())
    assert f'value="{proposed}"' in client.get(reverse("cadres:report-create")).content.decode()
    response = client.post(reverse("cadres:report-create"), {"quarter": "2025-Q1", "scope_unit": world.units["east"].pk})
    report = CadreReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cadres:report-detail", args=[report.pk])
    before = state()
    again = client.post(reverse("cadres:report-create"), {"quarter": "2025-Q1", "scope_unit": world.units["east"].pk})
    assert again.status_code == 200 and "已存在" in again.content.decode() and state() == before


def test_the_detail_page_does_not_grow_in_queries_with_the_rows(world, client):
    small = report_of(world, scope="east")
    for index in range(5):
        person = make_person(world.org, f"manager{index}")
        org.role_grant(actor=world.person("admin"), person=person, role=Role.UNIT_MANAGER, unit=world.unit("store2"))
    large = services.cadre_report_create(actor=world.person("hr"), quarter="2024-Q4", scope_unit=world.unit("east"))
    client.force_login(world.person("hr"))

    def count(report):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cadres:report-detail", args=[report.pk])).status_code == 200
        return len(queries)

    count(small)
    assert large.rows.count() == 6
    assert count(small) == count(large) == 9


def test_the_form_also_offers_the_current_quarter_as_under_way(world, client):
    from django.utils import timezone

    from dudao.cadres.selectors import current_quarter

    client.force_login(world.person("hr"))
    body = client.get(reverse("cadres:report-create")).content.decode()
    assert f"<b>{current_quarter(timezone.localdate())}</b>（进行中）" in body


def test_a_provisional_draft_says_so_offers_no_publishing_and_is_regenerated_once_the_quarter_has_ended(world, client):
    from .test_cadres import provisional_report

    report = provisional_report(world)  # 2025-Q1 drafted in March 2025; the quarter has ended since
    client.force_login(world.person("ops_manager"))
    body = client.get(reverse("cadres:report-detail", args=[report.pk])).content.decode()
    assert 'class="banner provisional"' in body and "季度已结束，请重新生成最终报告后再发布" in body
    assert reverse("cadres:report-publish", args=[report.pk]) not in body
    assert ">重新生成</button>" in body
    before = state()
    refused = client.post(reverse("cadres:report-publish", args=[report.pk]))
    assert refused.status_code == 302 and state() == before
    response = client.post(reverse("cadres:report-create"), {"quarter": QUARTER, "scope_unit": world.units["root"].pk})
    assert response.status_code == 302 and response["Location"] == reverse("cadres:report-detail", args=[report.pk])
    report.refresh_from_db()
    assert report.provisional is False and CadreReport.objects.count() == 1
    body = client.get(reverse("cadres:report-detail", args=[report.pk])).content.decode()
    assert 'class="banner provisional"' not in body and ">重新生成</button>" not in body
    assert reverse("cadres:report-publish", args=[report.pk]) in body


def test_the_current_quarters_draft_offers_no_regeneration_yet(world, client):
    from django.utils import timezone

    from dudao.cadres.selectors import current_quarter

    report = services.cadre_report_create(actor=world.person("hr"), quarter=current_quarter(timezone.localdate()),
                                          scope_unit=world.unit("east"))
    client.force_login(world.person("hr"))
    body = client.get(reverse("cadres:report-detail", args=[report.pk])).content.decode()
    assert report.provisional and "仅供参考" in body and ">重新生成</button>" not in body
    assert reverse("cadres:report-publish", args=[report.pk]) not in body
