"""Report and bulletin pages: a permission matrix for every page, the forms that draft, edit, submit,
compile and publish, reading on open, and pinned query counts for the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dudao.approvals.models import ApprovalRequest
from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.inspections.models import Inspection
from dudao.reporting import services
from dudao.reporting.models import Bulletin, BulletinRead, Report

from . import scenario
from .factories import inspect, template
from .test_api import (
    bulletin_state,
    draft_bulletin,
    draft_report,
    other_org_bulletin,
    other_org_report,
    published_bulletin,
    report_state,
)


# --- reports -----------------------------------------------------------------------------------------
class _Report:
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
        self.other_org_target(world)
        return report_state(world, self.target(world))


class TestReportListPage(_Report, PageListMatrix):
    url_name = "reporting:report-list"

    def marker(self, target):
        return f'href="/reports/{target.pk}/"'


class TestReportDetailPage(_Report, PageObjectMatrix):
    url_name = "reporting:report-detail"
    refused = ("unit_manager", "staff")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "一、计划执行情况" in text and "六、整改落实情况" in text
        assert "<textarea" not in text  # the region manager reads; only the department edits


class TestReportEditPage(TestReportDetailPage):
    in_scope = "supervisor"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert text.count("<textarea") == 6 and 'value="submit"' in text


class TestReportEditPost(TestReportDetailPage):
    method = "post"
    in_scope = "supervisor"
    refused = ("region_manager", "unit_manager")
    success_status = 302

    def data(self, world, target):
        return {"action": "save", "title": "三月上半月督导报告", **target.sections, "problems": "地面卫生问题突出。"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.title == "三月上半月督导报告" and target.sections["problems"] == "地面卫生问题突出。"
        assert target.status == "draft" and response["Location"] == target.get_absolute_url()


class TestReportSubmitPost(TestReportEditPost):
    def data(self, world, target):
        return {**super().data(world, target), "action": "submit"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "submitted" and target.sections["problems"] == "地面卫生问题突出。"
        assert ApprovalRequest.objects.get(pk=target.approval_id).kind == "report"


class TestReportPdfPage(_Report, PageObjectMatrix):
    url_name = "reporting:report-pdf"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


class TestReportXlsxPage(TestReportPdfPage):
    url_name = "reporting:report-xlsx"

    def check_success(self, world, target, response):
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "filename*=UTF-8''" in response["Content-Disposition"]


class TestReportCreatePage(PageObjectMatrix):
    """A link from an inspection (`?inspection=`) opens the form with it chosen."""

    url_name = "reporting:report-create"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("region_manager", "unit_manager")

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = inspect(world, "store1", template(world), dt.date.today(), {"A1": "积水"})
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            from dudao.inspections.tests.test_api import make_template_for_other_org

            self._other = Inspection.objects.create(
                organization=world.other_org, unit=world.units["b_branch"], template=make_template_for_other_org(world),
                inspector=world.people["b_admin"], performed_at=timezone.now(), status="submitted")
        return self._other

    def url(self, world, target):
        return reverse(self.url_name) + f"?inspection={target.pk}"

    def snapshot(self, world):
        self.other_org_target(world)
        return Report.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        assert f'<option value="{target.pk}" selected>' in response.content.decode()
        assert response.context["form"]["source"].value() == "inspection"


class TestReportCreatePost(TestReportCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"source": "inspection", "inspection": target.pk, "title": ""}

    def check_success(self, world, target, response):
        report = Report.objects.get()
        assert report.inspection_id == target.pk and report.source == "inspection"
        assert response["Location"] == report.get_absolute_url()


def test_a_period_report_from_the_form(world, client):
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("reporting:report-create"), {
        "source": "period", "scope_unit": world.units["east"].pk, "period_start": "2026-03-01",
        "period_end": "2026-03-15", "title": "三月上半月"})
    report = Report.objects.get()
    assert response.status_code == 302 and report.title == "三月上半月" and report.scope_unit_id == world.units["east"].pk


def test_the_inspection_page_offers_a_report_to_those_who_may_draft_one(world, client):
    inspection = inspect(world, "store1", template(world), dt.date.today(), {"A1": "积水"})
    url = reverse("inspections:inspection-detail", args=[inspection.pk])
    link = f'href="{reverse("reporting:report-create")}?inspection={inspection.pk}"'
    client.force_login(world.people["supervisor"])
    page = client.get(url)
    assert page.status_code == 200 and link in page.content.decode()
    # The unit's own manager reads the inspection but drafts no report on it.
    client.force_login(world.people["unit_manager"])
    page = client.get(url)
    assert page.status_code == 200 and link not in page.content.decode()
    # The link leads to the form with the inspection chosen.
    client.force_login(world.people["supervisor"])
    form = client.get(f"{reverse('reporting:report-create')}?inspection={inspection.pk}").context["form"]
    assert form.initial["inspection"] == inspection.pk and form.initial["source"] == "inspection"


def test_the_form_names_what_is_missing(world, client):
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("reporting:report-create"), {"source": "period", "scope_unit": ""})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"scope_unit", "period_start", "period_end"}
    response = client.post(reverse("reporting:report-create"), {
        "source": "period", "scope_unit": world.units["east"].pk, "period_start": "2026-03-15",
        "period_end": "2026-03-01"})
    assert response.status_code == 422
    assert response.context["form"].errors == {"period_end": ["结束日期不能早于开始日期"]}
    assert Report.objects.count() == 0


def test_an_approved_report_reads_for_the_inspected_units_manager(world, client, settings, tmp_path):
    from dudao.approvals.services import approval_decide

    settings.MEDIA_ROOT = tmp_path
    scenario.build(world, with_photo=False)
    report = services.report_draft(actor=world.person("supervisor"), scope_unit=world.unit("east"),
                                   period_start=scenario.START, period_end=scenario.END)
    report = services.report_submit(actor=world.person("supervisor"), report=report)
    client.force_login(world.people["unit_manager"])
    assert client.get(report.get_absolute_url()).status_code == 404
    approval_decide(actor=world.person("ops_manager"), approval=report.approval, decision="approve")
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "已批准" in text and "地面清洁无积水" in text and "<svg" in text
    assert client.get(reverse("reporting:report-pdf", args=[report.pk])).status_code == 200


# --- bulletins ---------------------------------------------------------------------------------------
class _Bulletin:
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

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestBulletinListPage(_Bulletin, PageListMatrix):
    url_name = "reporting:bulletin-list"

    def url(self, world, target):
        return reverse(self.url_name)

    def marker(self, target):
        return f'href="/reports/bulletins/{target.pk}/"'


class TestBulletinDetailPage(_Bulletin, PageObjectMatrix):
    url_name = "reporting:bulletin-detail"
    refused = ("unit_manager", "staff")

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "二、机构排名" in text and 'value="publish"' not in text


class TestBulletinFollowPage(TestBulletinDetailPage):
    """The department follows who has read a published bulletin."""

    in_scope = "supervisor"
    refused = ("staff",)
    published = True

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "阅读情况:0/2 家已读" in text and "南京西路店" in text


class TestBulletinReadOnOpen(TestBulletinDetailPage):
    """A unit manager opening a published bulletin signs their unit's receipt."""

    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("staff",)
    published = True

    def check_success(self, world, target, response):
        receipt = BulletinRead.objects.get(bulletin=target, unit=world.units["store1"])
        assert receipt.read_by_id == world.people["unit_manager"].pk
        assert "阅读情况" not in response.content.decode()  # what others read is not theirs to see


class TestBulletinPublishPost(TestBulletinDetailPage):
    method = "post"
    in_scope = "supervisor"
    refused = ("region_manager", "unit_manager")
    success_status = 302

    def data(self, world, target):
        return {"action": "publish"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "published" and BulletinRead.objects.filter(bulletin=target).count() == 2


class TestBulletinPdfPage(_Bulletin, PageObjectMatrix):
    url_name = "reporting:bulletin-pdf"

    def check_success(self, world, target, response):
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


class TestBulletinCreatePage(PageObjectMatrix):
    url_name = "reporting:bulletin-create"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("region_manager", "unit_manager")

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def url(self, world, target):
        return reverse(self.url_name) + f"?scope_unit={target.pk}"

    def snapshot(self, world):
        return Bulletin.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        assert f'<option value="{target.pk}" selected>' in response.content.decode()


class TestBulletinCreatePost(TestBulletinCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"scope_unit": target.pk, "period_start": "2026-03-01", "period_end": "2026-03-15"}

    def check_success(self, world, target, response):
        bulletin = Bulletin.objects.get()
        assert (bulletin.scope_unit_id, bulletin.period_start) == (target.pk, dt.date(2026, 3, 1))
        assert response["Location"] == bulletin.get_absolute_url()


def test_recompiling_from_the_page_refreshes_the_draft(world, client):
    bulletin = draft_bulletin(world)
    inspect(world, "store1", template(world), dt.date(2026, 3, 3))
    client.force_login(world.people["supervisor"])
    response = client.post(bulletin.get_absolute_url(), {"action": "recompile"})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.data["summary"]["inspections"] == 1


def test_a_published_bulletin_shows_as_unread_in_the_managers_list_until_opened(world, client):
    bulletin = published_bulletin(world)
    client.force_login(world.people["unit_manager"])
    assert "未读" in client.get(reverse("reporting:bulletin-list")).content.decode()
    client.get(bulletin.get_absolute_url())
    assert "badge danger" not in client.get(reverse("reporting:bulletin-list")).content.decode()


# --- query counts ----------------------------------------------------------------------------------
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["reporting:report-list", "reporting:bulletin-list"])
def test_list_page_queries_do_not_grow_with_the_rows(world, client, page):
    client.force_login(world.people["region_manager"])

    days = iter(range(100))

    def make(n):
        for _ in range(n):
            if page == "reporting:report-list":
                draft_report(world)
            else:
                day = dt.date(2025, 1, 1) + dt.timedelta(days=next(days))
                services.bulletin_compile(actor=world.person("admin"), scope_unit=world.unit("east"),
                                          period_start=day, period_end=day)

    make(2)
    few = _count(client, reverse(page))
    make(10)
    many = _count(client, reverse(page))
    assert few == many
