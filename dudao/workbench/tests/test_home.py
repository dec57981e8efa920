"""The home page is each person's workbench: what needs them today, one tap to the next action, and
their figures this month from `dudao.facts`; nothing outside their scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from dudao.analytics.scope import analytics_scope
from dudao.approvals.models import ApprovalRequest
from dudao.core.periods import Period, month_start
from dudao.core.testing import PageObjectMatrix
from dudao.facts import figures as facts
from dudao.facts.scope import Scope
from dudao.findings.choices import FindingStatus
from dudao.findings.models import Finding
from dudao.findings.tests.factories import finding_in, make_finding, make_inspection
from dudao.inspections import services as inspection_services
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import make_template
from dudao.org import services as org_services
from dudao.org.choices import Role
from dudao.planning.models import Visit
from dudao.planning.tests.factories import add_visits, make_plan, monday, publish
from dudao.reporting import services as reporting_services
from dudao.reporting.models import Bulletin


@dataclass
class Scene:
    visit: Visit
    draft: Inspection
    late: Finding
    planned: Finding
    submitted: Finding
    west: Finding
    to_sign: Inspection
    west_to_sign: Inspection
    purchase: ApprovalRequest
    bulletin: Bulletin


def build_scene(world) -> Scene:
    """One of each thing a workbench lists, in the east region (store1, store2), and the same kinds
    in the west region (store3), which the east's people must never see."""
    today = timezone.localdate()
    past = timezone.now() - dt.timedelta(days=20)
    template = make_template(world)
    plan = make_plan(world, start=monday(0), title="本周巡店计划")
    add_visits(world, plan, [("store1", "supervisor", today)], template=template)
    plan = publish(world, plan)
    supervisor = world.person("supervisor")
    draft, _created = inspection_services.inspection_create(actor=supervisor, unit=world.unit("store2"),
                                                            template=template, location_reason="测试:未定位")
    from dudao.approvals.tests.factories import purchase

    last_month_end = month_start(today) - dt.timedelta(days=1)
    bulletin, _created = reporting_services.bulletin_compile(
        actor=supervisor, scope_unit=world.unit("east"), period_start=month_start(last_month_end),
        period_end=last_month_end)
    bulletin = reporting_services.bulletin_publish(actor=supervisor, bulletin=bulletin)
    return Scene(
        visit=plan.visits.get(),
        draft=draft,
        late=make_finding(world, title="过期未整改的问题", now=past),
        planned=finding_in(world, FindingStatus.PLANNED, title="整改中的问题"),
        submitted=finding_in(world, FindingStatus.SUBMITTED, title="已提交待验收的问题"),
        west=make_finding(world, unit="store3", creator="admin", title="西区的逾期问题", now=past),
        to_sign=make_inspection(world, template, unit="store1"),
        west_to_sign=make_inspection(world, template, unit="store3", inspector="admin"),
        purchase=purchase(world, 150, title="冷柜维修配件"),
        bulletin=bulletin,
    )


@pytest.fixture
def scene(world):
    return build_scene(world)


def home(client, person):
    client.force_login(person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def sections(response) -> dict:
    return {section.key: section for section in response.context["bench"].sections}


def titles(section) -> list[str]:
    return [row.title for row in section.rows]


# --- permission matrix ----------------------------------------------------------------------------
class TestWorkbenchPage(PageObjectMatrix):
    """The workbench has no object: every signed-in person gets their own, scoped to them."""

    url_name = "home"
    in_scope = "unit_manager"

    def url(self, world, target):
        return reverse("home")

    def target(self, world):
        return make_finding(world, title="南京西路店的问题")

    def other_org_target(self, world):
        from dudao.findings.tests.factories import other_org_finding

        return other_org_finding(world)

    def check_success(self, world, target, response):
        assert target.title in response.content.decode()

    def test_no_role_is_404(self):
        text = self.call("no_role", self.target(self.world)).content.decode()
        assert "还没有被授予任何角色" in text and "南京西路店的问题" not in text

    def test_out_of_scope_is_404(self):
        target = self.target(self.world)
        response = self.call(self.out_of_scope, target)
        assert response.status_code == 200 and target.title not in response.content.decode()

    def test_other_organization_is_404(self):
        target = self.other_org_target(self.world)
        response = self.call("b_unit_manager", None)
        assert response.status_code == 200
        assert target.title in response.content.decode()  # their own organisation's finding
        response = self.call(self.in_scope, None)
        assert target.title not in response.content.decode()


# --- supervisor -----------------------------------------------------------------------------------
def test_a_supervisor_lands_on_todays_visits_with_a_button_that_starts_the_inspection(client, world, scene):
    response = home(client, world.people["supervisor"])
    bench = response.context["bench"]
    assert bench.sections[0].key == "visits"
    visits = bench.sections[0]
    assert visits.count == 1 and titles(visits) == ["南京西路店"]
    start = f"{reverse('inspections:start')}?{urlencode({'visit': scene.visit.pk})}"
    assert visits.rows[0].url == start and visits.rows[0].action == "开始巡店"
    text = response.content.decode()
    assert f'href="{start.replace("&", "&amp;")}"' in text and "开始巡店" in text
    # The button leads to the start page prefilled from the visit.
    started = client.get(start)
    assert started.status_code == 200 and started.context["visit"] == scene.visit


def test_a_started_visit_continues_its_draft_and_is_listed_once(client, world, scene):
    supervisor = world.person("supervisor")
    draft, _created = inspection_services.inspection_create(
        actor=supervisor, unit=world.unit("store1"), template=scene.draft.template, visit=scene.visit, location_reason="测试:未定位")
    found = sections(home(client, supervisor))
    row = found["visits"].rows[0]
    assert row.url == reverse("inspections:run", args=[draft.pk]) and row.action == "继续巡店"
    drafts = [r.url for r in found["drafts"].rows]
    assert reverse("inspections:run", args=[draft.pk]) not in drafts
    assert drafts == [reverse("inspections:run", args=[scene.draft.pk])]


def test_a_supervisor_sees_drafts_findings_to_verify_and_overdue_in_scope_only(client, world, scene):
    response = home(client, world.people["supervisor"])
    found = sections(response)
    assert list(found) == ["visits", "drafts", "verify", "overdue", "reports_draft"]
    assert titles(found["drafts"]) == ["淮海路店"]
    assert titles(found["verify"]) == ["已提交待验收的问题"]
    assert found["verify"].rows[0].url == scene.submitted.get_absolute_url()
    assert titles(found["overdue"]) == ["过期未整改的问题"] and found["overdue"].rows[0].overdue
    assert "西区的逾期问题" not in response.content.decode()


def test_empty_sections_say_what_to_do(client, world):
    text = home(client, world.people["supervisor"]).content.decode()
    assert "今天没有计划的巡店 — 查看日历" in text
    assert f'href="{reverse("planning:calendar")}"' in text


# --- store manager --------------------------------------------------------------------------------
def test_a_store_manager_lands_on_the_stores_open_findings_most_urgent_first(client, world, scene):
    response = home(client, world.people["unit_manager"])
    bench = response.context["bench"]
    assert [s.key for s in bench.sections] == ["store_findings", "acknowledge", "bulletins", "approvals"]
    open_findings = bench.sections[0]
    assert titles(open_findings) == ["过期未整改的问题", "整改中的问题"]
    late, planned = open_findings.rows
    assert late.overdue and late.action == "制定整改计划" and late.url == scene.late.get_absolute_url()
    assert not planned.overdue and planned.action == "提交整改"
    text = response.content.decode()
    assert 'class="overdue"' in text
    assert "已提交待验收的问题" not in titles(open_findings)  # waiting for the supervisor, not the store


def test_a_store_manager_sees_inspections_to_sign_and_unread_bulletins_of_their_store(client, world, scene):
    response = home(client, world.people["unit_manager"])
    found = sections(response)
    assert [row.url for row in found["acknowledge"].rows] == [scene.to_sign.get_absolute_url()]
    assert [row.url for row in found["bulletins"].rows] == [scene.bulletin.get_absolute_url()]
    text = response.content.decode()
    assert "西区的逾期问题" not in text and scene.west_to_sign.get_absolute_url() not in text
    # Reading the bulletin takes it off the list.
    client.get(scene.bulletin.get_absolute_url())
    assert sections(home(client, world.people["unit_manager"]))["bulletins"].count == 0


def test_the_other_store_manager_sees_none_of_the_east(client, world, scene):
    response = home(client, world.people["other_unit_manager"])
    found = sections(response)
    assert titles(found["store_findings"]) == ["西区的逾期问题"]
    assert [row.url for row in found["acknowledge"].rows] == [scene.west_to_sign.get_absolute_url()]
    assert found["bulletins"].count == 0
    text = response.content.decode()
    for title in ("过期未整改的问题", "整改中的问题", "冷柜维修配件"):
        assert title not in text


# --- managers -------------------------------------------------------------------------------------
def test_an_approver_sees_the_requests_waiting_for_them(client, world, scene):
    found = sections(home(client, world.people["department_head"]))
    assert list(found)[0] == "approvals"
    assert titles(found["approvals"]) == ["冷柜维修配件"]
    assert found["approvals"].rows[0].url == reverse("approvals:detail", args=[scene.purchase.pk])
    # The requester waits; nothing is theirs to decide.
    assert sections(home(client, world.people["unit_manager"]))["approvals"].count == 0


def test_an_executive_sees_overdue_findings_of_the_whole_organisation(client, world, scene):
    found = sections(home(client, world.people["executive"]))
    assert set(titles(found["overdue"])) == {"过期未整改的问题", "西区的逾期问题"}
    assert "verify" not in found and "setup" not in found


def test_a_region_manager_sees_only_their_regions_overdue_findings(client, world, scene):
    found = sections(home(client, world.people["other_region_manager"]))
    assert titles(found["overdue"]) == ["西区的逾期问题"]


def test_an_admin_also_sees_the_setup_tasks_with_counts(client, world, scene):
    response = home(client, world.people["admin"])
    found = sections(response)
    setup = found["setup"]
    assert [row.url for row in setup.rows] == [
        reverse("org:tree"), reverse("org:people"), reverse("checklists:template-list"), reverse("policies:detail")]
    assert setup.rows[0].title == "机构 8 个"
    assert setup.rows[2].title == "已发布检查标准 1 套"


def test_staff_get_an_empty_state_that_says_where_to_look(client, world):
    response = home(client, world.people["staff"])
    assert [s.key for s in response.context["bench"].sections] == ["approvals"]
    assert "没有等待您审批的申请 — 查看审批" in response.content.decode()
    assert response.context["bench"].figures == []


def test_several_roles_get_each_roles_sections_once(client, world, scene):
    supervisor = world.person("supervisor")
    org_services.role_grant(actor=world.person("admin"), person=supervisor, role=Role.OPS_MANAGER,
                            unit=world.unit("east"))
    keys = [s.key for s in home(client, world.person("supervisor")).context["bench"].sections]
    assert keys == ["visits", "drafts", "verify", "overdue", "reports_draft", "approvals", "reports_recent"]
    assert len(keys) == len(set(keys))


def test_key_targets_of_the_latest_final_evaluation_show_in_scope_only(client, world):
    from dudao.analytics import services as analytics_services
    from dudao.analytics.tests.factories import Data, at, d

    assert "key_targets" not in sections(home(client, world.people["region_manager"]))  # nothing evaluated yet
    data = Data(world)
    data.inspection("store1", "2025-01-05", "50.0")
    data.inspection("store2", "2025-01-06", "95.0")
    data.inspection("store3", "2025-01-05", "40.0")
    analytics_services.evaluation_run(actor=world.person("admin"), organization=world.org, month=d("2025-01-01"),
                                      now=at("2025-02-01", 3))
    east = sections(home(client, world.people["region_manager"]))["key_targets"]
    assert titles(east) == ["南京西路店"] and "2025-01" in east.title
    assert east.rows[0].url == f"{reverse('analytics:evaluations')}?month=2025-01"
    assert titles(sections(home(client, world.people["other_region_manager"]))["key_targets"]) == ["春熙路店"]
    assert set(titles(sections(home(client, world.people["executive"]))["key_targets"])) == {"南京西路店", "春熙路店"}


# --- figures this month ---------------------------------------------------------------------------
def month_so_far() -> Period:
    today = timezone.localdate()
    return Period(month_start(today), today)


def figures(response) -> dict:
    return {figure.label: figure.value for group in response.context["bench"].figures for figure in group.figures}


def test_a_supervisors_figures_are_the_facts_of_their_own_work(client, world, scene):
    supervisor = world.person("supervisor")
    response = home(client, supervisor)
    shown = figures(response)
    everywhere, period = Scope.organisation(world.org.pk), month_so_far()
    visits = facts.plan_completion(facts.planned_visits(everywhere, period).filter(supervisor=supervisor))
    counted = facts.counted_inspections(everywhere, period).filter(inspector=supervisor)
    assert shown["计划完成率"] == visits["visit_rate"]
    assert shown["完成检查"] == counted.count() == 1  # the inspection to sign; the draft does not count
    assert shown["发现问题"] == facts.findings_raised(everywhere, period).filter(created_by=supervisor).count()
    # make_inspection leaves no score: no data, shown as such and never as 0.
    assert shown["检查平均分"] is None
    text = response.content.decode()
    assert "本月截至今日" in text and "暂无数据" in text


def test_a_store_managers_figures_are_the_facts_of_their_store(client, world, scene):
    manager = world.person("unit_manager")
    shown = figures(home(client, manager))
    scope, period = Scope.of_unit(world.unit("store1")), month_so_far()
    today = timezone.localdate()
    assert shown["检查平均分"] == facts.inspection_figures(scope, period)["average_score"]
    assert shown["接受检查"] == facts.inspection_figures(scope, period)["inspections"] == 1
    assert shown["按时整改率"] == facts.on_time_figures(scope, period, today)["on_time_closure_rate"]
    assert shown["待整改问题"] == 2


def test_a_managers_figures_are_the_dashboards_summary_of_their_scope(client, world, scene):
    executive = world.person("executive")
    shown = figures(home(client, executive))
    summary = facts.summary(analytics_scope(executive), month_so_far())
    assert shown["检查次数"] == summary["inspections"] == 2
    assert shown["检查平均分"] == summary["average_score"]
    assert shown["按时整改率"] == summary["on_time_closure_rate"]
    assert shown["门店覆盖率"] == summary["coverage"]["unit_rate"]


# --- query counts ---------------------------------------------------------------------------------
# The home page's queries per role; they must not grow with the number of rows.
PINNED = {
    # session, person, roles; each section its count and its first rows; the figures; the bell;
    # the session save (three statements).
    "supervisor": 19,
    "unit_manager": 16,
    "department_head": 20,
    "executive": 19,
    "admin": 22,
    "staff": 8,
}


def queries(client, person) -> int:
    client.force_login(person)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def more_of_everything(world, scene, n: int = 6) -> None:
    from dudao.approvals.tests.factories import purchase

    supervisor = world.person("supervisor")
    past = timezone.now() - dt.timedelta(days=20)
    for i in range(n):
        make_finding(world, title=f"又一个逾期问题{i}", now=past)
        make_finding(world, unit="store2", title=f"淮海路店问题{i}", now=past)
        finding_in(world, FindingStatus.SUBMITTED, title=f"又一个待验收{i}")
        make_inspection(world, scene.draft.template, unit="store1")
        purchase(world, 100 + i, title=f"采购{i}")
        inspection_services.inspection_create(actor=supervisor, unit=world.unit("store1"),
                                              template=scene.draft.template, location_reason="测试:未定位")


@pytest.mark.parametrize("role", sorted(PINNED))
def test_the_home_page_query_count_is_pinned_and_does_not_grow_with_rows(client, world, scene, role):
    person = world.person(role)
    before = queries(client, person)
    more_of_everything(world, scene)
    after = queries(client, world.person(role))
    assert after == before, f"{role}: {before} queries before, {after} after adding rows"
    assert before == PINNED[role], f"{role}: {before} queries (pinned {PINNED[role]})"
