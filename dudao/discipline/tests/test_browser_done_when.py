"""Issue 12's "done when", tried in a real browser as new users would, on an organisation made from
the `utility_plant` pack (beside the demo, on the demo server):

- a plant manager records a late arrival with a witness on a phone; the party and the witness sign
  from their own phones; the third late in the month shows as one absence on the person's page;
- the party appeals one of the lates and the operations manager and HR uphold it on the approval
  pages: it is overturned and counts for nothing;
- the operations manager plans a session from the top failed items (the proposals page), records
  attendance and sees the rate in the `training_attendance` KPI of a supervisors' appraisal;
- a supervisor's weekly summary is refused until each unfinished item has a reason.

Every step is photographed at phone and desktop size into var/screenshots/done-when-*.png.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from dudao.core.testing.browser import SIZES, console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The plant organisation: a region with two plants, their managers and two operators at the first,
# the operations manager and HR over it all, a supervisor over the region; two lates of the operator
# earlier this month, signed by all three; failed checklist items at both plants three days ago.
UTILITY_PLANT = """
import datetime as dt, json
from types import SimpleNamespace
from django.utils import timezone
from dudao.discipline import services as discipline
from dudao.inspections.models import Answer, Inspection
from dudao.inspections.tests.factories import make_template
from dudao.org import services as org
from dudao.org.choices import Role, UnitKind
from dudao.org.models import Person
from dudao.provisioning.services import organization_init

PASSWORD = "Dudao-demo-2026"
result = organization_init(name="清源水务集团", pack="utility_plant", admin_username="u_admin",
                           admin_password=PASSWORD)
admin = Person.objects.get(pk=result.admin.pk)
root = org.root_unit(result.organization)
east = org.unit_create(actor=admin, parent=root, code="EAST", name="东片区", kind=UnitKind.REGION)
plant = org.unit_create(actor=admin, parent=east, code="P01", name="城东水厂", kind=UnitKind.PLANT)
other = org.unit_create(actor=admin, parent=east, code="P02", name="城北污水处理厂", kind=UnitKind.PLANT)

def person(username, name, role, unit):
    someone = org.person_create(actor=admin, username=username, display_name=name, password=PASSWORD)
    org.role_grant(actor=admin, person=someone, role=role, unit=unit)
    return Person.objects.get(pk=someone.pk)

people = {
    "ops": person("u_ops", "钱运营", Role.OPS_MANAGER, root),
    "hr": person("u_hr", "吴人事", Role.HR, root),
    "supervisor": person("u_sup", "郑督导", Role.SUPERVISOR, east),
    "manager": person("u_plant", "城东水厂厂长", Role.UNIT_MANAGER, plant),
    "other_manager": person("u_plant2", "城北厂厂长", Role.UNIT_MANAGER, other),
    "worker": person("u_worker", "王运行工", Role.STAFF, plant),
    "witness": person("u_witness", "李班长", Role.STAFF, plant),
}
now = timezone.now()
month_start = timezone.make_aware(dt.datetime.combine(timezone.localdate().replace(day=1), dt.time.min))
lates = []
for k in (1, 2):
    at = month_start + (now - month_start) * k / 3
    violation, _ = discipline.violation_create(
        actor=people["manager"], person=people["worker"], unit=plant, kind="late", occurred_at=at,
        witness=people["witness"], description="交接班迟到", now=at)
    discipline.violation_confirm(actor=people["worker"], violation=violation, now=at)
    discipline.violation_confirm(actor=people["witness"], violation=violation, now=at)
    lates.append(violation.pk)

template = make_template(SimpleNamespace(org=result.organization, people={"admin": admin}), [
    {"code": "W01", "text": "加药间通风设施运行正常", "kind": "check", "points": 10},
    {"code": "W02", "text": "设备巡检记录填写完整", "kind": "check", "points": 10},
    {"code": "W03", "text": "进入生产区佩戴安全帽", "kind": "check", "points": 10},
], name="厂站运行检查表")
items = {item.code: item for item in template.items.all()}
performed = now - dt.timedelta(days=3)
for unit, failed in ((plant, {"W01", "W02"}), (other, {"W01"})):
    inspection = Inspection.objects.create(
        organization=result.organization, unit=unit, template=template, inspector=people["supervisor"],
        performed_at=performed, status="submitted", submitted_at=performed)
    for code, item in items.items():
        Answer.objects.create(inspection=inspection, item=item, value="fail" if code in failed else "pass",
                              failed=code in failed, answered_by=people["supervisor"], answered_at=performed)
print(json.dumps({"people": {k: p.pk for k, p in people.items()}, "lates": lates, "root": root.pk,
                  "plant": plant.pk}))
"""


@pytest.fixture(scope="module")
def plant_org(demo_server) -> dict:
    return json.loads(demo_server.shell(UTILITY_PLANT).splitlines()[-1])


def shots(page, name: str) -> None:
    """The page as it is, at phone size and at desktop size (the page keeps its own size after); no
    reload, so a page answering a refused form is photographed with its errors."""
    size = page.viewport_size
    screenshot(page, f"done-when-{name}-phone" if size["width"] < 600 else f"done-when-{name}-desktop")
    other = SIZES["desktop" if size["width"] < 600 else "phone"]["viewport"]
    page.set_viewport_size(other)
    screenshot(page, f"done-when-{name}-desktop" if size["width"] < 600 else f"done-when-{name}-phone")
    page.set_viewport_size(size)


def fits(page, width: int = 390) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_a_late_signed_on_phones_makes_the_third_one_absence_and_an_appeal_overturns_one(
        demo_server, page_at, plant_org):
    from playwright.sync_api import expect

    url, people = demo_server.url, plant_org["people"]

    # The plant manager records the worker's third late this month, with the shift leader as witness.
    manager = page_at("phone")
    login(manager, url, "u_plant", PASSWORD)
    manager.goto(f"{url}/discipline/new/")
    expect(manager.locator("#id_unit")).to_have_value(str(plant_org["plant"]))  # their only plant
    manager.select_option("#id_person", str(people["worker"]))
    manager.select_option("#id_kind", "late")
    manager.select_option("#id_witness", str(people["witness"]))
    manager.select_option("#id_card", "blue")
    manager.fill("#id_description", "早班 8:00 交接，8:25 到岗，迟到 25 分钟。")
    assert fits(manager)
    shots(manager, "01-violation-form")
    manager.get_by_role("button", name="登记").tap()
    manager.wait_for_url(re.compile(r"/discipline/violations/\d+/$"))
    violation_path = manager.url.removeprefix(url)
    expect(manager.locator("h1")).to_contain_text("待确认")
    expect(manager.locator("ul.signatures li.signed")).to_have_count(1)  # the handler's own
    expect(manager.locator(".facts")).to_contain_text("¥10.00")  # the plant pack's fine for a late
    expect(manager.locator(".facts")).to_contain_text("蓝牌")
    shots(manager, "02-violation-recorded")

    # The worker and the shift leader each sign from their own phone.
    for username, name in (("u_worker", "party"), ("u_witness", "witness")):
        signer = page_at("phone")
        login(signer, url, username, PASSWORD)
        signer.goto(f"{url}/discipline/")
        expect(signer.get_by_role("heading", name="待我确认")).to_be_visible()
        assert fits(signer)
        shots(signer, f"03-waiting-{name}")
        signer.locator(f"a[href='{violation_path}']").first.tap()
        signer.get_by_role("button", name="我已核实，确认").tap()
        signer.wait_for_url(re.compile(re.escape(violation_path) + "$"))
        expect(signer.get_by_role("button", name="我已核实，确认")).to_have_count(0)
        assert console_errors(signer) == []
    expect(signer.locator("h1")).to_contain_text("已生效")
    expect(signer.locator("ul.signatures li.signed")).to_have_count(3)
    shots(signer, "04-violation-effective")

    # Three lates in the month: one absence on the worker's page, reached from the ledger.
    manager.goto(f"{url}/discipline/")
    manager.locator("table.list").last.get_by_role("link", name="王运行工").first.tap()
    manager.wait_for_url(re.compile(rf"/discipline/people/{people['worker']}/$"))
    expect(manager.locator(".tiles")).to_contain_text("另迟到早退折算 1 次")
    month_row = manager.locator("table.list").first.locator("tbody tr").first
    expect(month_row.locator("td").nth(1)).to_have_text("3")
    expect(month_row.locator("td").nth(4)).to_have_text("1")
    assert fits(manager)
    shots(manager, "05-third-late-one-absence")

    # The worker appeals the first late; the operations manager, then HR, uphold the appeal.
    worker = page_at("phone")
    login(worker, url, "u_worker", PASSWORD)
    worker.goto(f"{url}/discipline/violations/{plant_org['lates'][0]}/")
    worker.fill("textarea[name=reason]", "当天厂区停电，门禁打卡机故障，实际按时到岗，有门卫登记为证。")
    worker.get_by_role("button", name="提交复议").tap()
    expect(worker.locator("h1")).to_contain_text("复议中")
    approval_path = worker.get_by_role("link", name="复议审批进度").get_attribute("href")
    shots(worker, "06-appealed")
    for username, step in (("u_ops", "ops"), ("u_hr", "hr")):
        decider = page_at("desktop")
        login(decider, url, username, PASSWORD)
        decider.goto(f"{url}/approvals/")
        decider.locator(f"a[href='{approval_path}']").first.click()
        decider.wait_for_url(re.compile(re.escape(approval_path) + "$"))
        expect(decider.locator("main")).not_to_contain_text("fine")  # every row labelled
        decider.locator("textarea[name=comment]").fill("核实门卫登记，复议成立。")
        shots(decider, f"07-appeal-{step}")
        decider.get_by_role("button", name="同意").click()
        decider.wait_for_load_state()
        assert console_errors(decider) == []
    worker.goto(f"{url}/discipline/violations/{plant_org['lates'][0]}/")
    expect(worker.locator("h1")).to_contain_text("已撤销")
    shots(worker, "08-overturned")

    # Overturned, it counts for nothing: two lates, no absence.
    manager.goto(f"{url}/discipline/people/{people['worker']}/")
    expect(manager.locator(".tiles")).not_to_contain_text("折算")
    expect(manager.locator("table.list").first.locator("tbody tr").first.locator("td").nth(1)).to_have_text("2")
    shots(manager, "09-after-appeal")
    assert console_errors(manager) == [] and console_errors(worker) == []


def test_ops_plans_training_from_the_top_failed_items_and_sees_the_attendance_rate_in_the_kpi(
        demo_server, page_at, plant_org):
    from playwright.sync_api import expect

    url, people = demo_server.url, plant_org["people"]
    ops = page_at("desktop")
    login(ops, url, "u_ops", PASSWORD)
    ops.goto(f"{url}/training/proposals/")
    rows = ops.locator("table.list tbody tr")
    expect(rows.first).to_contain_text("加药间通风设施运行正常")  # failed at both plants: first
    expect(rows.first.locator("td").nth(1)).to_have_text("2")
    shots(ops, "10-training-proposals")
    rows.first.get_by_role("link", name="据此安排培训").click()
    ops.wait_for_url(re.compile(r"/training/new/\?"))
    expect(ops.locator("#id_item_codes")).to_have_value("W01")
    now = dt.datetime.now(SHANGHAI)
    starts = max(now.replace(day=1, hour=0, minute=5, second=0, microsecond=0), now - dt.timedelta(hours=2))
    ops.fill("#id_title", "加药间通风与安全操作培训")
    ops.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    ops.select_option("#id_trainer", str(people["hr"]))
    ops.select_option("#id_invitees", [str(people[k]) for k in ("supervisor", "manager", "other_manager")])
    shots(ops, "11-training-form")
    ops.get_by_role("button", name="保存并通知学员").click()
    ops.wait_for_url(re.compile(r"/training/sessions/\d+/$"))
    for key, score in (("supervisor", "88"), ("manager", "56")):
        ops.check(f"input[name=attended-{people[key]}]")
        ops.fill(f"input[name=score-{people[key]}]", score)
    ops.get_by_role("button", name="保存出勤和成绩").click()
    expect(ops.locator("body")).to_contain_text("出勤率 66.7%")
    shots(ops, "12-training-attendance")

    # A supervisors' appraisal of this month: the training KPI reads the attendance just recorded.
    ops.goto(f"{url}/appraisal/cycles/")
    ops.select_option("#id_role", "supervisor")
    ops.fill("#id_period", f"{now:%Y-%m}")
    ops.select_option("#id_scope_unit_id", str(plant_org["root"]))
    ops.get_by_role("button", name="发起并计算").click()
    expect(ops.locator("h1")).to_contain_text(f"{now:%Y-%m} 督导考核", timeout=60_000)  # computed on opening
    shots(ops, "13-appraisal-cycle")
    ops.get_by_role("link", name=re.compile("郑督导")).first.click()
    ops.wait_for_url(re.compile(r"/appraisal/\d+/$"))
    expect(ops.locator("td.explanation", has_text="出勤率")).to_contain_text("本期受邀参加培训 1 次，出勤 1 次")
    shots(ops, "14-training-kpi")
    assert console_errors(ops) == []


def test_a_supervisors_weekly_summary_is_refused_until_each_unfinished_item_has_a_reason(
        demo_server, page_at, plant_org):
    from playwright.sync_api import expect

    url = demo_server.url
    supervisor = page_at("phone")
    login(supervisor, url, "u_sup", PASSWORD)
    supervisor.goto(f"{url}/work-plans/new/")
    supervisor.select_option("#id_period_kind", "week")
    supervisor.fill("#id_items", "城东水厂月度安全检查\n城北污水处理厂加药间整改复查\n片区设备巡检记录抽查")
    assert fits(supervisor)
    shots(supervisor, "15-work-plan-form")
    supervisor.get_by_role("button", name="保存").tap()
    supervisor.wait_for_url(re.compile(r"/work-plans/\d+/$"))
    supervisor.get_by_role("button", name="提交计划").tap()
    expect(supervisor.locator("h1")).to_contain_text("已提交")
    radios = supervisor.locator("input[type=radio]")
    radios.nth(0).check()  # item 1 done
    radios.nth(3).check()  # item 2 not done, no reason
    radios.nth(5).check()  # item 3 not done, with a reason
    supervisor.locator("textarea[name^=reason-]").nth(2).fill("厂区停电检修，抽查改到下周一。")
    supervisor.get_by_role("button", name="提交总结").tap()
    expect(supervisor.locator(".errorlist").first).to_contain_text("城北污水处理厂加药间整改复查")
    expect(supervisor.locator("h1")).to_contain_text("已提交")  # refused: nothing summarised
    assert fits(supervisor)
    shots(supervisor, "16-summary-refused")
    supervisor.locator("textarea[name^=reason-]").nth(1).fill("整改配件未到货，到货后三日内复查。")
    supervisor.get_by_role("button", name="提交总结").tap()
    expect(supervisor.locator("h1")).to_contain_text("已总结")
    shots(supervisor, "17-summary-accepted")
    # The refused summary answers 422, which the browser logs; nothing else may go wrong.
    assert [e for e in console_errors(supervisor) if "422 (Unprocessable" not in e] == []


# The demo's own month (its demo.py files): ids to open, and the year its lates fall in.
DEMO_MONTH = """
import json
from dudao.discipline.models import Violation
from dudao.training.models import Session
from dudao.workplans.models import WorkPlan
late = Violation.objects.filter(person__username="staff01", kind="late").order_by("occurred_at").first()
plan = WorkPlan.objects.filter(owner__username="supervisor3", status="submitted").order_by("period_start").first()
print(json.dumps({"session": Session.objects.order_by("id").first().pk, "year": late.occurred_at.year,
                  "open_plan": plan.pk}))
"""


@pytest.fixture(scope="module")
def demo_month(demo_server) -> dict:
    return json.loads(demo_server.shell(DEMO_MONTH).splitlines()[-1])


def test_the_demo_month_reads_on_a_phone(demo_server, page_at, demo_month):
    """The demo's ledger, a staff member's record with one absence from lates, an appeal
    overturned, incidents with the late report flagged, plans and summaries, and every training page."""
    from playwright.sync_api import expect

    url = demo_server.url
    store = page_at("phone")
    login(store, url, "store01", PASSWORD)
    store.goto(f"{url}/discipline/?year={demo_month['year']}")
    table = store.locator("table.list").last
    for status in ("已生效", "待确认", "已撤销"):
        expect(table).to_contain_text(status)
    assert fits(store)
    shots(store, "demo-discipline-ledger")
    table.get_by_role("link", name="陈员工").first.tap()
    store.wait_for_url(re.compile(r"/discipline/people/\d+/$"))
    store.goto(f"{store.url.split('?')[0]}?year={demo_month['year']}")
    expect(store.locator(".tiles")).to_contain_text("另迟到早退折算 1 次")
    shots(store, "demo-discipline-person")

    waiting = page_at("phone")
    login(waiting, url, "staff02", PASSWORD)
    waiting.goto(f"{url}/discipline/")
    expect(waiting.get_by_role("heading", name="待我确认")).to_be_visible()
    expect(waiting.locator("table.list").first).to_contain_text("脱岗")
    shots(waiting, "demo-discipline-waiting")

    ops = page_at("phone")
    login(ops, url, "ops", PASSWORD)
    ops.goto(f"{url}/incidents/")
    rows = ops.locator("table.list tbody tr")
    expect(rows).to_have_count(3)
    expect(ops.locator("table.list")).to_contain_text("重大")
    expect(ops.locator(".badge.danger", has_text="超时")).to_have_count(1)  # the major incident, reported late
    assert fits(ops)
    shots(ops, "demo-incidents")
    ops.goto(f"{url}/work-plans/")
    expect(ops.locator("body")).to_contain_text("已总结")
    shots(ops, "demo-work-plans")

    # Every training page, as the organiser and as an invitee.
    for path, name in (("/training/", "list"), ("/training/proposals/", "proposals"), ("/training/new/", "new"),
                       (f"/training/sessions/{demo_month['session']}/", "session")):
        ops.goto(f"{url}{path}")
        expect(ops.locator("h1")).to_be_visible()
        assert fits(ops), path
        screenshot(ops, f"done-when-demo-training-{name}-phone")
    expect(ops.locator("body")).to_contain_text("出勤率")
    invitee = page_at("phone")
    login(invitee, url, "supervisor1", PASSWORD)
    invitee.goto(f"{url}/training/me/")
    expect(invitee.locator("body")).to_contain_text("高频失分项专项培训")
    assert fits(invitee)
    screenshot(invitee, "done-when-demo-training-mine-phone")

    # supervisor3 has last week's plan to summarise: an item not done without a reason is refused.
    summariser = page_at("phone")
    login(summariser, url, "supervisor3", PASSWORD)
    summariser.goto(f"{url}/work-plans/{demo_month['open_plan']}/")
    radios = summariser.locator("input[type=radio]")
    radios.nth(0).check()
    radios.nth(3).check()
    radios.nth(4).check()
    summariser.get_by_role("button", name="提交总结").tap()
    expect(summariser.locator(".errorlist").first).to_contain_text("天津滨江道店收银差异核查")
    expect(summariser.locator("h1")).to_contain_text("已提交")
    shots(summariser, "demo-work-plan-refused")
    for page in (store, waiting, invitee):
        assert console_errors(page) == []
    assert [e for e in console_errors(summariser) if "422 (Unprocessable" not in e] == []
