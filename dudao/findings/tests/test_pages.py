"""Finding pages: every page and form tried by anonymous, no role, in scope, out of scope, the other
organisation and the roles that may not take the step; then what the pages show, the Excel export,
and pinned query counts."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.findings import services
from dudao.findings.choices import FindingEventKind, FindingStatus
from dudao.findings.models import Finding
from dudao.inspections.tests.factories import make_template
from dudao.notifications.models import Notification

from .factories import (
    failed_answers,
    finding_in,
    make_finding,
    make_inspection,
    other_org_finding,
    photo,
    png_bytes,
)
from .test_api import _FindingMatrix, finding_state


class _PageFinding(_FindingMatrix):
    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestFindingDetailPage(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-detail"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert target.title in text and "制定整改计划" in text  # the unit manager may plan it
        assert 'name="measures"' in text


class TestFindingPlanPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-plan"
    method = "post"
    success_status = 302
    refused = ("supervisor", "region_manager", "admin", "executive")

    def data(self, world, target):
        return {"measures": "清理排水沟并每日检查", "owner": world.people["unit_manager"].pk,
                "due_date": target.due_date.isoformat()}

    def check_success(self, world, target, response):
        assert response["Location"] == reverse("findings:finding-detail", args=[target.pk])
        assert Finding.objects.get(pk=target.pk).status == FindingStatus.PLANNED


class TestFindingProgressPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-progress"
    method = "post"
    success_status = 302
    status = FindingStatus.PLANNED
    refused = ("supervisor", "region_manager", "admin")

    def data(self, world, target):
        return {"progress-note": "已联系维修"}

    def check_success(self, world, target, response):
        assert target.events.filter(kind=FindingEventKind.PROGRESS, note="已联系维修").exists()


class TestFindingSubmitPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-submit"
    method = "post"
    success_status = 302
    status = FindingStatus.PLANNED
    refused = ("supervisor", "region_manager", "admin")

    def data(self, world, target):
        return {"submit-note": "已全部整改"}

    def check_success(self, world, target, response):
        assert Finding.objects.get(pk=target.pk).status == FindingStatus.SUBMITTED


class TestFindingAcceptPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-accept"
    method = "post"
    success_status = 302
    status = FindingStatus.SUBMITTED
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager", "executive")

    def data(self, world, target):
        return {"accept-note": "合格", "accept-next": reverse("findings:review-queue")}

    def check_success(self, world, target, response):
        assert response["Location"] == reverse("findings:review-queue")
        assert Finding.objects.get(pk=target.pk).status == FindingStatus.CLOSED


class TestFindingRejectPost(TestFindingAcceptPost):
    url_name = "findings:finding-reject"

    def data(self, world, target):
        return {"reject-reason": "照片不清晰", "reject-next": "https://evil.example/"}

    def check_success(self, world, target, response):
        assert response["Location"] == reverse("findings:finding-detail", args=[target.pk])  # no open redirect
        assert Finding.objects.get(pk=target.pk).round == 2


class TestFindingCommentPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-comment"
    method = "post"
    success_status = 302
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"
    refused = ("staff", "hr")

    def data(self, world, target):
        return {"comment-note": "本周内完成"}

    def check_success(self, world, target, response):
        assert target.events.filter(kind=FindingEventKind.COMMENT).exists()


class TestExtensionRequestPost(_PageFinding, PageObjectMatrix):
    url_name = "findings:finding-extension-request"
    method = "post"
    success_status = 302
    refused = ("supervisor", "region_manager")

    def data(self, world, target):
        return {"extension-due_date": (target.due_date + dt.timedelta(days=4)).isoformat(),
                "extension-reason": "配件缺货"}

    def check_success(self, world, target, response):
        assert target.extensions.get().requested_due_date == target.due_date + dt.timedelta(days=4)


class TestFindingCreatePage(PageObjectMatrix):
    url_name = "findings:finding-create"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("executive", "staff", "hr")

    def url(self, world, target):
        return reverse(self.url_name) + f"?unit={target.pk}"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]


class TestFindingCreatePost(TestFindingCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"unit": target.pk, "source": "complaint", "title": "顾客投诉:上菜慢", "category": "service_quality",
                "severity": "medium", "description": "等待40分钟"}

    def snapshot(self, world):
        return Finding.objects.count(), AuditEvent.objects.count(), Notification.objects.count()

    def check_success(self, world, target, response):
        finding = Finding.objects.get(title="顾客投诉:上菜慢")
        assert response["Location"] == finding.get_absolute_url()
        assert finding.source == "complaint" and finding.unit_id == target.pk


class _ListTarget:
    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = make_finding(world, title="冷库门封条破损")
        return self._target

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_finding(world)
        return self._other

    def marker(self, target):
        return target.title


class TestFindingListPage(_ListTarget, PageListMatrix):
    url_name = "findings:finding-list"
    in_scope = "region_manager"


class TestFindingExport(_ListTarget, PageListMatrix):
    url_name = "findings:finding-export"
    in_scope = "region_manager"

    def text(self, actor_key, target) -> str:
        response = self.call(actor_key, target)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


class TestReviewQueuePage(_ListTarget, PageListMatrix):
    url_name = "findings:review-queue"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"

    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = finding_in(world, FindingStatus.SUBMITTED, title="后厨地面油污")
        return self._target

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_finding(world, FindingStatus.SUBMITTED)
        return self._other

    def test_the_units_own_manager_does_not_see_it(self):
        assert self.marker(self.target(self.world)) not in self.text("unit_manager", self.target(self.world))


class TestRegionOverviewPage(PageListMatrix):
    url_name = "findings:region-overview"
    in_scope = "region_manager"

    def target(self, world):
        make_finding(world)
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def marker(self, target):
        return f">{target.name}</a>"


# --- behaviour -------------------------------------------------------------------------------
def test_the_unit_manager_plans_photographs_and_submits_from_the_page(as_person, world):
    finding = make_finding(world, severity="high")
    client = as_person("unit_manager")
    detail = reverse("findings:finding-detail", args=[finding.pk])
    text = client.get(detail).content.decode()
    assert 'accept="image/*"' in text and "capture" in text
    response = client.post(reverse("findings:finding-plan", args=[finding.pk]), {
        "measures": "更换灭火器", "owner": world.people["unit_manager"].pk, "due_date": finding.due_date.isoformat()})
    assert response.status_code == 302
    # No photo for a high finding: the page comes back with the reason on the photo field.
    response = client.post(reverse("findings:finding-submit", args=[finding.pk]), {"submit-note": "已更换"})
    assert response.status_code == 422
    assert "须上传整改后的照片" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.PLANNED
    files = [SimpleUploadedFile(f"p{n}.png", png_bytes((n * 60, 90, 90)), "image/png") for n in range(2)]
    response = client.post(reverse("findings:finding-submit", args=[finding.pk]),
                           {"submit-note": "已更换", "submit-photos": files})
    assert response.status_code == 302, response.content.decode()[:2000]
    finding.refresh_from_db()
    assert finding.status == FindingStatus.SUBMITTED and finding.evidence.count() == 2
    text = client.get(detail).content.decode()
    assert text.count("/api/v1/attachments/") >= 4  # after photos in the comparison and the timeline


def test_a_refused_file_is_named_on_the_photo_field_and_nothing_changes(as_person, world):
    finding = finding_in(world, FindingStatus.PLANNED)
    client = as_person("unit_manager")
    before = finding_state(finding)
    response = client.post(reverse("findings:finding-progress", args=[finding.pk]), {
        "progress-note": "x", "progress-photos": [SimpleUploadedFile("a.png", b"MZ\x90\x00 not a photo")]})
    assert response.status_code == 422
    assert "不支持的文件类型" in response.content.decode()
    assert finding_state(finding) == before


def test_a_step_no_longer_possible_says_why(as_person, world):
    finding = finding_in(world, FindingStatus.CLOSED)
    client = as_person("unit_manager")
    before = finding_state(finding)
    response = client.post(reverse("findings:finding-submit", args=[finding.pk]), {"submit-note": "again"}, follow=True)
    assert "已关闭" in response.content.decode()
    assert finding_state(finding) == before


def test_saved_views_and_filters_on_the_list(as_person, world):
    overdue = make_finding(world, title="逾期的问题", now=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    repeat = make_finding(world, title="排水沟堵塞", item_code="D-1")
    again = make_finding(world, title="排水沟又堵塞", item_code="D-1")
    submitted = finding_in(world, FindingStatus.SUBMITTED, title="等待验收的问题")
    client = as_person("supervisor")
    url = reverse("findings:finding-list")
    text = client.get(url, {"view": "awaiting"}).content.decode()
    assert submitted.title in text and overdue.title not in text
    text = client.get(url, {"view": "overdue"}).content.decode()
    assert overdue.title in text and submitted.title not in text
    text = client.get(url, {"repeat": "1"}).content.decode()
    assert again.title in text and repeat.title not in text
    text = client.get(url, {"region": world.units["west"].pk}).content.decode()
    assert overdue.title not in text
    text = as_person("unit_manager").get(url, {"view": "mine"}).content.decode()
    assert submitted.title in text and overdue.title in text


def test_the_export_follows_the_filters(as_person, world):
    make_finding(world, title="高风险", severity="high")
    make_finding(world, title="低风险", severity="low")
    client = as_person("admin")
    response = client.get(reverse("findings:finding-export"), {"severity": "high"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "标题", "机构")
    assert [row[1] for row in rows[1:]] == ["高风险"]
    assert rows[1][3] == "华东区"


def test_the_export_keeps_formula_like_text_as_text(as_person, world):
    title = '=HYPERLINK("http://example.com","点击")'
    make_finding(world, title=title)
    response = as_person("admin").get(reverse("findings:finding-export"))
    cell = load_workbook(io.BytesIO(response.content)).active["B2"]
    assert (cell.value, cell.data_type) == (title, "s")


def test_the_review_queue_shows_before_and_after_side_by_side(as_person, world):
    supervisor, manager = world.person("supervisor"), world.person("unit_manager")
    before = photo(supervisor, world.unit("store1"), "before.png", colour=(200, 0, 0))
    finding = make_finding(world, severity="high", attachments=[before])
    services.finding_plan(actor=manager, finding=finding, measures="清洁")
    after = photo(manager, world.unit("store1"), "after.png", colour=(0, 200, 0))
    services.finding_submit(actor=manager, finding=finding, note="已清洁", attachments=[after])
    text = as_person("supervisor").get(reverse("findings:review-queue")).content.decode()
    before_at = text.index(f"/api/v1/attachments/{before.pk}/download")
    after_at = text.index(f"/api/v1/attachments/{after.pk}/download")
    assert text.index("整改前") < before_at < text.index("整改后") < after_at
    assert "已清洁" in text


def test_the_overview_counts_open_and_overdue_per_store(as_person, world):
    make_finding(world, title="a", now=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    make_finding(world, title="b")
    finding_in(world, FindingStatus.CLOSED, title="c")
    text = as_person("region_manager").get(reverse("findings:region-overview")).content.decode()
    assert f'?unit={world.units["store1"].pk}&amp;status=open">2</a>' in text
    assert f'?unit={world.units["store1"].pk}&amp;overdue=1">1</a>' in text
    assert "春熙路店" not in text


def _count(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_list_page_query_count_is_pinned_and_does_not_grow_with_the_rows(as_person, world):
    make_finding(world, title="一")
    client = as_person("region_manager")
    url = reverse("findings:finding-list")
    few = _count(client, url)
    for number in range(55):
        make_finding(world, unit="store2" if number % 2 else "store1", title=f"问题{number}")
    many = _count(client, url)
    # session, person, roles, count, regions, page, two saved-view counts (a region manager verifies
    # nothing, so "awaiting" needs no query), the bell, the unit filter, the session save (3)
    assert few == many == 13, (few, many)


def test_review_queue_and_detail_query_counts_do_not_grow(as_person, world):
    client = as_person("supervisor")
    finding_in(world, FindingStatus.SUBMITTED, severity="high", title="一")
    few = _count(client, reverse("findings:review-queue"))
    for number in range(6):
        finding_in(world, FindingStatus.SUBMITTED, severity="high", title=f"问题{number}")
    assert _count(client, reverse("findings:review-queue")) == few
    finding = finding_in(world, FindingStatus.PLANNED, severity="high", title="详情")
    detail = reverse("findings:finding-detail", args=[finding.pk])
    short = _count(client, detail)
    manager = world.person("unit_manager")
    for number in range(4):
        services.finding_progress(actor=manager, finding=finding, note=str(number),
                                  attachments=[photo(manager, finding.unit, f"{number}.png")])
    assert _count(client, detail) == short


def test_a_finding_closed_by_re_inspection_shows_the_follow_ups_answer(as_person, world):
    template = make_template(world)
    supervisor = world.person("supervisor")
    original = make_inspection(world, template, answers=[("C1", "fail", True, "地面有积水")])
    [finding] = services.findings_create_for_inspection(actor=supervisor, inspection=original,
                                                        failed_answers=failed_answers(original))
    original.answers.get().attachments.add(photo(supervisor, world.unit("store1"), "积水.png"))
    follow_up = make_inspection(world, template, follow_up_of=original, answers=[("C1", "pass", False, "地面干燥")])
    services.finding_close_by_reinspection(actor=supervisor, finding=finding, inspection=follow_up,
                                           answer=follow_up.answers.get())
    text = as_person("region_manager").get(reverse("findings:finding-detail", args=[finding.pk])).content.decode()
    assert "复查结果" in text and "地面干燥" in text and "地面有积水" in text
    assert "不合格" in text and "合格" in text
    assert follow_up.get_absolute_url() in text and original.get_absolute_url() in text
    assert "/api/v1/attachments/" in text  # the inspection's photo as "before"


# --- extensions: asked on the finding, decided where every approval is ------------------------
def test_the_finding_page_links_the_approver_to_the_extension_request(world, client):
    finding = make_finding(world)
    extension = services.finding_extension_request(actor=world.person("unit_manager"), finding=finding,
                                                   due_date=finding.due_date + dt.timedelta(days=4), reason="配件缺货")
    approval_url = reverse("approvals:detail", args=[extension.approval_id])
    client.force_login(world.people["supervisor"])
    text = client.get(reverse("findings:finding-detail", args=[finding.pk])).content.decode()
    assert 'id="decide-extension"' in text and f'href="{approval_url}"' in text and "配件缺货" in text
    # The requester sees the request and its approval, but is not asked to decide it.
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("findings:finding-detail", args=[finding.pk])).content.decode()
    assert 'id="decide-extension"' not in text and f'href="{approval_url}"' in text
    # The approval page links back to the finding it concerns.
    client.force_login(world.people["supervisor"])
    text = client.get(approval_url).content.decode()
    assert reverse("findings:finding-detail", args=[finding.pk]) in text and "整改延期" in text
