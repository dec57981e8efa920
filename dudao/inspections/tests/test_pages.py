"""Inspection pages: permission matrix for every page, the list's filters and export, the detail,
the PDF, the manager's signature and the re-inspection."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dudao.checklists.tests.test_api import _TemplateRead
from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.findings.models import Finding
from dudao.inspections import services
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import AT_STORE, AT_STORE_FORM, check_items, make_template
from dudao.inspections.tests.test_api import (
    GOOD_ANSWERS,
    answered,
    make_template_for_other_org,
    started,
    state,
    submitted,
)

FAILING_C1 = [{"item_code": "C1", "value": "fail", "note": "地面有积水"}, *GOOD_ANSWERS[1:]]


def other_org_inspection(world) -> Inspection:
    return Inspection.objects.create(
        organization=world.other_org, unit=world.units["b_branch"], template=make_template_for_other_org(world),
        inspector=world.people["b_admin"], performed_at=timezone.now(),
    )


def detail_url(inspection) -> str:
    return reverse("inspections:inspection-detail", args=[inspection.pk])


def text_of(response) -> str:
    return response.content.decode()


class _OneInspection:
    """Target caching shared by the object matrices below."""

    def make(self, world):
        return submitted(world)

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = self.make(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_inspection(world)
        return self._other

    def prepared(self, world) -> None:
        """Make every target before a snapshot, so a snapshot sees only the call's changes."""
        self.target(world)
        self.other_org_target(world)


# --- my work ---------------------------------------------------------------------------------
class TestMyWorkPage(_OneInspection, PageListMatrix):
    url_name = "inspections:my-work"
    in_scope = "supervisor"

    def make(self, world):
        return started(world)

    def marker(self, target):
        return reverse("inspections:run", args=[target.pk])


def test_my_work_lists_what_waits_for_the_unit_manager_and_only_theirs(client, world):
    mine = submitted(world)
    client.force_login(world.people["unit_manager"])
    text = text_of(client.get(reverse("inspections:my-work")))
    assert "待我签收" in text and detail_url(mine) in text
    # A unit manager cannot inspect: no start button.
    assert reverse("inspections:start") not in text
    client.force_login(world.people["other_unit_manager"])
    text = text_of(client.get(reverse("inspections:my-work")))
    assert detail_url(mine) not in text and "待我签收" not in text


def test_my_work_offers_the_supervisor_to_start_and_shows_the_recent_score(client, world):
    done = submitted(world)
    client.force_login(world.people["supervisor"])
    text = text_of(client.get(reverse("inspections:my-work")))
    assert reverse("inspections:start") in text
    assert detail_url(done) in text and "98.0" in text


# --- start -----------------------------------------------------------------------------------
class TestStartPage(PageObjectMatrix):
    url_name = "inspections:start"
    in_scope = "supervisor"
    out_of_scope = "other_region_manager"
    refused = ("unit_manager", "region_manager", "staff")

    def url(self, world, target):
        return reverse("inspections:start") + f"?unit={target.pk}"

    def target(self, world):
        if not hasattr(self, "_template"):
            self._template = make_template(world, name="门店营运标准检查表")
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def snapshot(self, world):
        return Inspection.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        text = text_of(response)
        assert f'<option value="{target.pk}" selected>南京西路店</option>' in text
        assert "门店营运标准检查表 v1" in text
        # Only stores in the supervisor's scope are offered.
        assert "淮海路店" in text and "春熙路店" not in text
        assert re.search(r'name="client_id" value="[0-9a-f]{32}"', text)


class TestStartPost(TestStartPage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        self.target(world)
        return {"unit": target.pk, "template": self._template.pk, "mode": "surprise",
                "client_id": "form-7f3a9c"}

    def check_success(self, world, target, response):
        inspection = Inspection.objects.get(client_id="form-7f3a9c")
        assert response["Location"] == reverse("inspections:run", args=[inspection.pk])
        assert inspection.unit_id == target.pk and inspection.mode == "surprise"
        assert inspection.inspector_id == world.people["supervisor"].pk


def test_a_double_tap_on_start_makes_one_inspection(client, world):
    template = make_template(world)
    client.force_login(world.people["supervisor"])
    data = {"unit": world.units["store1"].pk, "template": template.pk, "mode": "on_site", "client_id": "tap-1",
            **AT_STORE_FORM}
    first = client.post(reverse("inspections:start"), data)
    second = client.post(reverse("inspections:start"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Inspection.objects.count() == 1


def test_start_refuses_a_draft_template_and_a_store_of_another_region(client, world):
    draft = make_template(world, publish=False, name="草稿标准")
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("inspections:start"), {
        "unit": world.units["store1"].pk, "template": draft.pk, "mode": "on_site", "client_id": "x1"})
    assert response.status_code == 404
    template = make_template(world)
    response = client.post(reverse("inspections:start"), {
        "unit": world.units["store3"].pk, "template": template.pk, "mode": "on_site", "client_id": "x2"})
    assert response.status_code == 404
    assert Inspection.objects.count() == 0


def test_start_refusal_from_the_service_lands_on_the_form(client, world):
    template = make_template(world)
    client.force_login(world.people["supervisor"])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("inspections:start"), {
        "unit": world.units["store1"].pk, "template": template.pk, "mode": "on_site", "client_id": "x3",
        "performed_at": future})
    assert response.status_code == 422
    assert "检查时间不能晚于当前时间" in text_of(response)
    assert Inspection.objects.count() == 0


def test_start_from_a_planned_visit_prefills_and_links_it(client, world):
    pytest.importorskip("dudao.planning.services")
    from dudao.planning.models import Plan, Visit

    template = make_template(world)
    supervisor = world.people["supervisor"]
    plan = Plan.objects.create(
        organization=world.org, title="五月巡店", kind="month", period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 5, 31), scope_unit=world.units["east"], created_by=supervisor,
        status="published")
    visit = Visit.objects.create(organization=world.org, plan=plan, unit=world.units["store2"], supervisor=supervisor,
                                 date=timezone.localdate(), template=template, mode="remote")
    client.force_login(supervisor)
    text = text_of(client.get(reverse("inspections:start") + f"?visit={visit.pk}"))
    assert f'<option value="{world.units["store2"].pk}" selected>' in text
    assert f'name="visit" value="{visit.pk}"' in text
    assert re.search(r'value="remote"[^>]*checked', text)
    response = client.post(reverse("inspections:start"), {
        "unit": world.units["store2"].pk, "template": template.pk, "mode": "remote", "client_id": "v1",
        "visit": visit.pk})
    inspection = Inspection.objects.get(client_id="v1")
    assert response.status_code == 302 and inspection.visit_id == visit.pk


# --- the inspection screen -------------------------------------------------------------------
class TestRunPage(_OneInspection, PageObjectMatrix):
    url_name = "inspections:run"
    in_scope = "supervisor"
    refused = ("unit_manager", "region_manager")

    def make(self, world):
        return started(world)

    def url(self, world, target):
        return reverse("inspections:run", args=[target.pk])

    def check_success(self, world, target, response):
        text = text_of(response)
        for code in ("C1", "S1", "N1", "O1", "T1", "P1", "R1"):
            assert f'id="item-{code}"' in text
        assert text.count('accept="image/*" capture="environment"') == 7
        assert "inspections/run.js" in text and 'id="run-config" type="application/json"' in text
        assert "<script>" not in text  # CSP: nothing inline
        assert "允许范围:0 – 5" in text


def test_the_run_screen_shows_the_answers_already_given(client, world):
    inspection = answered(world, answers=[{"item_code": "C1", "value": "fail", "note": "地面有积水"},
                                          {"item_code": "S1", "value": 7}, {"item_code": "O1", "value": "良"}])
    client.force_login(world.people["supervisor"])
    text = text_of(client.get(reverse("inspections:run", args=[inspection.pk])))
    card = text[text.index('id="item-C1"'):text.index('id="item-S1"')]
    assert 'data-value="fail" aria-pressed="true"' in card and 'data-value="pass" aria-pressed="false"' in card
    assert "地面有积水" in card
    assert 'class="score-input" inputmode="decimal" min="0" max="10" step="any" value="7"' in text
    choice = text[text.index('id="item-O1"'):text.index('id="item-T1"')]
    assert 'data-value="良" aria-pressed="true"' in choice
    # C1, S1, O1 and the photo of P1 are done; N1 and R1 are not: 4 of 6 required.
    assert 'id="progress-answered">4<' in text and 'id="progress-total">6<' in text
    assert "/api/v1/attachments/" in text


def test_the_run_screen_of_a_submitted_inspection_goes_to_its_detail(client, world):
    inspection = submitted(world)
    client.force_login(world.people["supervisor"])
    response = client.get(reverse("inspections:run", args=[inspection.pk]))
    assert response.status_code == 302 and response["Location"] == detail_url(inspection)


def test_the_run_screen_asks_for_the_location_when_policy_requires_it_on_site(client, world):
    on_site = started(world)
    remote = started(world, mode="remote", template=on_site.template)
    client.force_login(world.people["supervisor"])
    assert 'id="geo"' in text_of(client.get(reverse("inspections:run", args=[on_site.pk])))
    assert '"geo_required": true' in text_of(client.get(reverse("inspections:run", args=[on_site.pk])))
    assert 'id="geo"' not in text_of(client.get(reverse("inspections:run", args=[remote.pk])))


# --- list and export -------------------------------------------------------------------------
class TestInspectionListPage(_OneInspection, PageListMatrix):
    url_name = "inspections:inspection-list"
    in_scope = "region_manager"

    def marker(self, target):
        return f'href="{detail_url(target)}"'


def _xlsx_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True))


class TestInspectionExport(_OneInspection, PageListMatrix):
    url_name = "inspections:inspection-export"
    in_scope = "region_manager"

    def marker(self, target):
        return f"{target.pk} {target.unit.code} {target.unit.name}"

    def text(self, actor_key, target):
        return _xlsx_text(self.call(actor_key, target))


@pytest.fixture
def several(world):
    """Four inspections across two stores, two standards, two inspectors and several states."""
    kitchen = make_template(world, name="后厨检查表")
    service = make_template(world, check_items(2, "V"), name="服务检查表")
    admin = world.person("admin")
    good = submitted(world, template=kitchen)                                      # store1, 98
    bad = submitted(world, unit_key="store2", template=kitchen, answers=FAILING_C1)  # store2, 78
    draft = started(world, unit_key="store2", template=service)
    old, _ = services.inspection_create(actor=admin, unit=world.unit("store1"), template=service,
                                        performed_at=timezone.now() - dt.timedelta(days=5), **AT_STORE)
    services.answers_upsert(actor=admin, inspection=old, answers=[{"item_code": "V000", "value": "pass"},
                                                                   {"item_code": "V001", "value": "fail"}])
    services.inspection_submit(actor=admin, inspection=old)                         # store1, 50, by admin
    services.inspection_acknowledge(actor=world.person("unit_manager"), inspection=good, comment="收到")
    return {"good": good, "bad": bad, "draft": draft, "old": old, "kitchen": kitchen, "service": service}


def _listed(client, **params) -> set[int]:
    response = client.get(reverse("inspections:inspection-list"), params)
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'href="/inspections/(\d+)/"', text_of(response))}


def test_list_filters(client, world, several):
    s = several
    ids = {key: s[key].pk for key in ("good", "bad", "draft", "old")}
    client.force_login(world.people["admin"])
    assert _listed(client) == set(ids.values())
    assert _listed(client, unit=world.units["store2"].pk) == {ids["bad"], ids["draft"]}
    assert _listed(client, region=world.units["east"].pk) == set(ids.values())
    assert _listed(client, region=world.units["west"].pk) == set()
    assert _listed(client, template=s["service"].pk) == {ids["draft"], ids["old"]}
    assert _listed(client, inspector=world.people["admin"].pk) == {ids["old"]}
    assert _listed(client, status="draft") == {ids["draft"]}
    assert _listed(client, status="acknowledged") == {ids["good"]}
    assert _listed(client, score_min="80") == {ids["good"]}
    assert _listed(client, score_min="60", score_max="90") == {ids["bad"]}
    today = timezone.localdate()
    assert _listed(client, date_from=today.isoformat()) == {ids["good"], ids["bad"], ids["draft"]}
    assert _listed(client, date_to=(today - dt.timedelta(days=1)).isoformat()) == {ids["old"]}
    # A filter value that is not valid for this person is ignored, not an error.
    assert _listed(client, unit="999999") == set(ids.values())


def test_list_shows_region_score_and_verdict(client, world, several):
    client.force_login(world.people["region_manager"])
    text = text_of(client.get(reverse("inspections:inspection-list"), {"unit": world.units["store2"].pk}))
    assert "华东区" in text and "78.0" in text and "进行中" in text
    assert "export.xlsx?unit=" in text


def test_list_filters_through_htmx_answer_only_the_table(client, world, several):
    client.force_login(world.people["admin"])
    response = client.get(reverse("inspections:inspection-list"), {"status": "draft"}, HTTP_HX_REQUEST="true")
    text = text_of(response)
    assert "<html" not in text and 'id="inspection-rows"' in text
    assert detail_url(several["draft"]) in text and detail_url(several["good"]) not in text


def test_list_pages_by_fifty(client, world):
    template = make_template(world, check_items(1))
    for _ in range(52):
        started(world, template=template)
    client.force_login(world.people["supervisor"])
    first = text_of(client.get(reverse("inspections:inspection-list")))
    assert len(re.findall(r'href="/inspections/\d+/"', first)) == 2 * 50 and "第 1 / 2 页" in first
    second = text_of(client.get(reverse("inspections:inspection-list"), {"page": 2}))
    assert len(re.findall(r'href="/inspections/\d+/"', second)) == 2 * 2


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_the_rows(client, world, rows, request):
    template = make_template(world, check_items(1))
    for index in range(rows):
        started(world, unit_key="store1" if index % 2 else "store2", template=template)
    client.force_login(world.people["region_manager"])
    client.get(reverse("inspections:inspection-list"))  # warm the session and the policy cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inspections:inspection-list"), {"status": "draft"})
    assert response.status_code == 200
    counts = request.config.__dict__.setdefault("inspection_list_queries", {})
    counts[rows] = len(ctx.captured_queries)
    if len(counts) == 2:
        assert counts[3] == counts[30], counts


def test_export_follows_the_filters_with_chinese_headers(client, world, several):
    client.force_login(world.people["admin"])
    response = client.get(reverse("inspections:inspection-export"), {"unit": world.units["store1"].pk})
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "机构编码", "机构", "区域", "检查标准")
    assert {"得分", "结果", "签收人", "签收时间"} <= set(rows[0])
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {several["good"].pk, several["old"].pk}
    good = by_id[several["good"].pk]
    assert good["机构"] == "南京西路店" and good["区域"] == "华东区" and good["检查标准"] == "后厨检查表"
    assert Decimal(str(good["得分"])) == Decimal("98.0") and good["结果"] == "合格"
    assert good["状态"] == "已签收" and good["签收意见"] == "收到" and good["签收人"] == "unit_manager"
    assert isinstance(good["检查时间"], dt.datetime)
    old = by_id[several["old"].pk]
    assert Decimal(str(old["得分"])) == Decimal("50.0") and old["结果"] == "不合格" and old["督导"] == "管理员"


# --- detail ----------------------------------------------------------------------------------
class TestInspectionDetailPage(_OneInspection, PageObjectMatrix):
    url_name = "inspections:inspection-detail"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def url(self, world, target):
        return detail_url(target)

    def check_success(self, world, target, response):
        text = text_of(response)
        assert 'id="score">98.0' in text and "合格" in text
        assert reverse("inspections:acknowledge", args=[target.pk]) in text  # the manager may sign
        assert reverse("inspections:inspection-pdf", args=[target.pk]) in text
        for code in ("C1", "S1", "N1", "O1", "T1", "P1", "R1"):
            assert f'id="answer-{code}"' in text


def test_detail_scores_by_section_and_highlights_failures(client, world):
    template = make_template(world, sections=2)
    inspection = submitted(world, template=template, answers=FAILING_C1)
    client.force_login(world.people["supervisor"])
    text = text_of(client.get(detail_url(inspection)))
    # Items alternate between the two sections: C1, N1, T1, R1 | S1, O1, P1.
    scores = re.findall(r'<span class="ss-title">(.*?)</span>\s*<span class="ss-points"><strong>(.*?)</strong> / (.*?) · (.*?)%', text)
    assert scores == [("第1部分", "20", "30", "66.7"), ("第2部分", "19", "20", "95")]
    assert '<div class="answer-row failed" id="answer-C1">' in text and "地面有积水" in text
    assert '<div class="answer-row" id="answer-S1">' in text
    # The finding made on submit, and the supervisor's re-inspection button.
    finding = Finding.objects.get(inspection=inspection)
    assert finding.title in text
    assert reverse("inspections:follow-up", args=[inspection.pk]) in text
    # Not a unit manager: no signature form.
    assert reverse("inspections:acknowledge", args=[inspection.pk]) not in text


def test_detail_shows_the_red_line_banner(client, world):
    inspection = submitted(world, answers=[*GOOD_ANSWERS[:5], {"item_code": "R1", "value": "fail"}])
    client.force_login(world.people["region_manager"])
    text = text_of(client.get(detail_url(inspection)))
    assert "一票否决" in text and "红线不合格" in text


def test_detail_photos_link_to_the_download(client, world):
    inspection = submitted(world)
    attachment = inspection.answers.get(item__code="P1").attachments.get()
    client.force_login(world.people["unit_manager"])
    assert f'href="/api/v1/attachments/{attachment.pk}/download"' in text_of(client.get(detail_url(inspection)))


def test_detail_of_a_follow_up_shows_original_beside_follow_up(client, world):
    original = submitted(world, answers=FAILING_C1)
    supervisor = world.person("supervisor")
    follow_up, _ = services.inspection_follow_up(actor=supervisor, original=original, **AT_STORE)
    services.answers_upsert(actor=supervisor, inspection=follow_up,
                            answers=[{"item_code": "C1", "value": "pass", "note": "已清理干净"}])
    services.inspection_submit(actor=supervisor, inspection=follow_up)
    client.force_login(world.people["unit_manager"])
    text = text_of(client.get(detail_url(follow_up)))
    comparison = text[text.index('id="comparison"'):text.index('id="answers"')]
    assert "原检查" in comparison and "复查" in comparison
    assert 'class="compare-col failed"' in comparison and 'class="compare-col passed"' in comparison
    assert "地面有积水" in comparison and "已清理干净" in comparison
    assert 'id="answer-S1"' not in text  # only the carried item
    # And the original links its follow-up.
    assert detail_url(follow_up) in text_of(client.get(detail_url(original)))


def test_detail_query_count_does_not_grow_with_the_items(client, world, request):
    counts = {}
    client.force_login(world.people["supervisor"])
    for size in (5, 40):
        template = make_template(world, check_items(size, prefix=f"Q{size}-"), sections=3)
        inspection = started(world, template=template)
        services.answers_upsert(actor=world.person("supervisor"), inspection=inspection, answers=[
            {"item_code": f"Q{size}-{n:03d}", "value": "fail" if n % 4 == 0 else "pass"} for n in range(size)])
        services.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
        client.get(detail_url(inspection))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail_url(inspection)).status_code == 200
        counts[size] = len(ctx.captured_queries)
    assert counts[5] == counts[40], counts


# --- PDF -------------------------------------------------------------------------------------
class TestInspectionPdf(_OneInspection, PageObjectMatrix):
    url_name = "inspections:inspection-pdf"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def url(self, world, target):
        return reverse("inspections:inspection-pdf", args=[target.pk])

    def check_success(self, world, target, response):
        assert response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        for heading in ("督导检查记录", "分项得分", "检查项", "发现的问题", "店长签收"):
            assert heading in text, heading
        assert "南京西路店" in text and "甲餐饮" in text and "98.0" in text
        assert "1 / " in text  # page numbers
        # The photo of P1 is embedded as an image.
        assert sum(len(page.images) for page in reader.pages) >= 1


# --- after submit ----------------------------------------------------------------------------
class TestAcknowledgePost(_OneInspection, PageObjectMatrix):
    url_name = "inspections:acknowledge"
    method = "post"
    success_status = 302
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("supervisor", "region_manager", "staff")

    def url(self, world, target):
        return reverse("inspections:acknowledge", args=[target.pk])

    def data(self, world, target):
        return {"comment": "已知悉,马上整改"}

    def snapshot(self, world):
        self.prepared(world)
        return state(self.target(world))

    def check_success(self, world, target, response):
        assert response["Location"] == detail_url(target)
        target.refresh_from_db()
        assert target.status == "acknowledged" and target.acknowledgement_comment == "已知悉,马上整改"
        assert target.acknowledged_by_id == world.people["unit_manager"].pk


def test_another_stores_manager_cannot_sign_and_nothing_changes(client, world):
    inspection = submitted(world)
    before = state(inspection)
    client.force_login(world.people["other_unit_manager"])
    response = client.post(reverse("inspections:acknowledge", args=[inspection.pk]), {"comment": "越权"})
    assert response.status_code == 404
    assert state(inspection) == before
    assert client.get(detail_url(inspection)).status_code == 404
    # The store's own manager signs, and the detail shows who and when.
    client.force_login(world.people["unit_manager"])
    assert client.post(reverse("inspections:acknowledge", args=[inspection.pk]), {"comment": "收到"}).status_code == 302
    text = text_of(client.get(detail_url(inspection)))
    assert "unit_manager" in text and "收到" in text and 'id="acknowledge-form"' not in text


def test_signing_twice_is_refused_with_a_message(client, world):
    inspection = submitted(world)
    client.force_login(world.people["unit_manager"])
    client.post(reverse("inspections:acknowledge", args=[inspection.pk]), {"comment": "收到"})
    before = state(inspection)
    response = client.post(reverse("inspections:acknowledge", args=[inspection.pk]), {"comment": "再签"}, follow=True)
    assert response.status_code == 200 and state(inspection) == before
    assert 'class="msg error"' in text_of(response)


class TestFollowUpPost(_OneInspection, PageObjectMatrix):
    url_name = "inspections:follow-up"
    method = "post"
    success_status = 302
    in_scope = "supervisor"
    refused = ("unit_manager", "region_manager")

    def make(self, world):
        return submitted(world, answers=FAILING_C1)

    def url(self, world, target):
        return reverse("inspections:follow-up", args=[target.pk])

    def data(self, world, target):
        return {"client_id": "again-1", **AT_STORE_FORM}

    def snapshot(self, world):
        self.prepared(world)
        return Inspection.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        follow_up = Inspection.objects.get(follow_up_of=target)
        assert response["Location"] == reverse("inspections:run", args=[follow_up.pk])
        assert [item.code for item in services.scorable_items(follow_up)] == ["C1"]


def test_follow_up_of_an_inspection_without_failures_is_refused_with_a_message(client, world):
    inspection = submitted(world)
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("inspections:follow-up", args=[inspection.pk]), {}, follow=True)
    assert response.status_code == 200 and "无需复查" in text_of(response)
    assert Inspection.objects.count() == 1


class TestTemplatePreviewPage(_TemplateRead, PageObjectMatrix):
    """A template's phone preview is the run screen itself, in preview mode: nothing is sent."""

    url_name = "inspections:template-preview"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert 'data-preview="1"' in text and '"preview": true' in text
        for expected in ("合格", "不合格", "不适用", "红线", "必须拍照", "拍照", "试提交"):
            assert expected in text, expected
        # The same item cards the inspector answers, one per item of the version.
        assert text.count('class="item-card') == target.items.count()
        assert "/api/v1/inspections/" not in text
