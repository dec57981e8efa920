"""The policy page and the area editor: admins only (404 for everyone else), typed fields pre-filled
only with the values in force, a diff before saving, a dated version holding only what changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import PageObjectMatrix
from dudao.policies import services
from dudao.policies.forms import first_of_next_month, next_monday, tomorrow
from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for
from dudao.policies.schema import AREAS

from .formdata import unchanged_post

URL = "/policy/"
# The policy page's queries: fixed, whatever the number of versions (session, person and the base
# template's reads included).
PAGE_QUERIES = 9
NON_ADMINS = ("executive", "department_head", "supervisor", "region_manager",
              "unit_manager", "staff", "hr", "finance", "no_role", "b_unit_manager")


def _counts(world=None):
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


def edit_url(area: str = "findings") -> str:
    return reverse("policies:edit", args=[area])


def monday() -> dt.date:
    return next_monday(timezone.localdate())


class TestPolicyPageMatrix(PageObjectMatrix):
    """GET /policy/: the page has no object id; the organisation is the signed-in admin's own."""

    url_name = "policies:detail"
    out_of_scope = "executive"
    refused = NON_ADMINS

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def url(self, world, target) -> str:
        return reverse(self.url_name)

    def snapshot(self, world):
        return _counts(world)

    def check_success(self, world, target, response) -> None:
        assert world.org.name in response.content.decode()

    # The URL names no organisation, so nobody can ask for another one's policy: instead the other
    # organisation's admin must see their own policy and nothing of this one's.
    test_other_organization_is_404 = None

    def test_other_organization_admin_sees_only_their_own_policy(self):
        services.policy_version_create(
            actor=self.world.people["admin"], organization=self.world.org,
            effective_from=timezone.localdate(), overrides={"inspections": {"pass_mark": 87}}, note="甲组织的修订",
        )
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 200
        text = response.content.decode()
        assert self.world.other_org.name in text and "bank_branches" in text
        assert "每季度检查的网点数不低于网点总数的25%" in text
        assert self.world.org.name not in text and "甲组织的修订" not in text
        rows = {row.key: row for section in response.context["sections"] for row in section.rows}
        assert rows["inspections.pass_mark"].lines == ["80"] and not rows["inspections.pass_mark"].overridden
        assert response.context["versions"] == []


class TestPolicyEditPageMatrix(PageObjectMatrix):
    """GET /policy/edit/<area>/: the area form, for admins of the organisation only."""

    url_name = "policies:edit"
    out_of_scope = "executive"
    refused = NON_ADMINS

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def url(self, world, target) -> str:
        return edit_url("findings")

    def snapshot(self, world):
        return _counts(world)

    def check_success(self, world, target, response) -> None:
        assert "整改期限(天) · 高" in response.content.decode()

    test_other_organization_is_404 = None

    def test_other_organization_admin_edits_their_own_pack_values(self):
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 200
        fields = {field.key: field for field in response.context["fields"]}
        assert fields["findings.due_days.high"].control.value == "3"
        assert self.world.org.name not in response.content.decode()


class TestPolicyEditSaveMatrix(PageObjectMatrix):
    """POST /policy/edit/<area>/ with confirm: only admins save; everyone else 404, nothing saved."""

    url_name = "policies:edit"
    method = "post"
    out_of_scope = "executive"
    refused = NON_ADMINS
    success_status = 302

    @classmethod
    def route_key(cls) -> str:
        return ""  # the GET class above covers the route; this one adds the write

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def url(self, world, target) -> str:
        return edit_url("inspections")

    def data(self, world, target):
        return {"effective_from": tomorrow().isoformat(), "inspections.pass_mark": "85",
                "inspections.back_entry_days": "7", "inspections.geolocation_required_on_site": "on",
                "inspections.geofence_m": "500", "inspections.score_decimals": "1", "confirm": "1"}

    def snapshot(self, world):
        return _counts(world)

    def check_success(self, world, target, response) -> None:
        assert response["Location"] == f"{URL}#versions"
        assert policy_for(world.org, tomorrow()).inspections.pass_mark == 85
        assert policy_for(world.org).inspections.pass_mark == 80

    test_other_organization_is_404 = None


def test_the_page_shows_effective_values_beside_the_pack_defaults(client, world):
    services.policy_version_create(actor=world.people["admin"], organization=world.org,
                                   effective_from=timezone.localdate(), overrides={"inspections": {"pass_mark": 85}})
    client.force_login(world.people["admin"])
    response = client.get(URL)
    text = response.content.decode()
    for expected in ("restaurant_chain", "检查合格分", "inspections.pass_mark", "整改期限(天) · 严重",
                     "每家门店每周至少由其督导巡店一次", "部门负责人 → 运营经理 → 总经理", "制度包默认",
                     "与制度包不同", 'href="/policy/edit/findings/"'):
        assert expected in text, expected
    rows = {row.key: row for section in response.context["sections"] for row in section.rows}
    assert (rows["inspections.pass_mark"].lines, rows["inspections.pass_mark"].default_lines) == (["85"], ["80"])
    assert rows["inspections.pass_mark"].overridden and not rows["findings.due_days.high"].overridden
    assert [section.key for section in response.context["sections"]] == list(AREAS)
    assert "<textarea" not in text


def test_every_area_form_is_prefilled_with_the_values_in_force_only(client, world):
    client.force_login(world.people["admin"])
    for area in AREAS:
        response = client.get(edit_url(area))
        assert response.status_code == 200, area
        assert response.context["on"] == tomorrow()
        assert [field for field in response.context["fields"] if not field.help] == [], area
    fields = {f.key: f for f in client.get(edit_url("findings")).context["fields"]}
    assert fields["findings.due_days.high"].control.value == "3"
    assert fields["findings.due_days.high"].control.minimum == 1
    assert fields["findings.due_days.high"].unit == "天"
    assert fields["findings.evidence_required"].control.widget == "multi"
    assert fields["findings.escalation"].control.is_table and len(fields["findings.escalation"].control.rows) == 3
    approvals = {f.key: f for f in client.get(edit_url("approvals")).context["fields"]}
    purchase = approvals["approvals.routes.purchase"].control
    assert [cells[1].value for _token, cells in purchase.rows] == [
        "部门负责人", "部门负责人 → 运营经理", "部门负责人 → 运营经理 → 总经理"]
    assert purchase.rows[2][1][0].value == ""  # the open-ended route: no limit


def test_quick_dates_are_tomorrow_next_monday_and_the_first_of_next_month(client, world):
    client.force_login(world.people["admin"])
    response = client.get(edit_url("findings"))
    assert [date for _label, date in response.context["quick_dates"]] == [
        tomorrow(), monday(), first_of_next_month(timezone.localdate())]
    text = response.content.decode()
    assert "下周一" in text and "下月1日" in text


@pytest.mark.parametrize("area", AREAS)
def test_submitting_an_area_unchanged_shows_no_diff_and_saves_nothing(client, world, area):
    client.force_login(world.people["admin"])
    services.policy_version_create(actor=world.people["admin"], organization=world.org,
                                   effective_from=timezone.localdate(),
                                   overrides={"discipline": {"card_colours": ["red", "blue"]},
                                              "inspections": {"pass_mark": 82.5}})
    before = _counts()
    form = client.get(edit_url(area))
    response = client.post(edit_url(area), unchanged_post(form))
    assert response.status_code == 200
    assert "policies/edit.html" in [t.name for t in response.templates]
    assert "没有任何改动" in response.content.decode()
    response = client.post(edit_url(area), {**unchanged_post(form), "confirm": "1"})
    assert _counts() == before


def test_changing_the_high_severity_due_days_from_next_monday(client, world):
    admin = world.people["admin"]
    services.policy_version_create(actor=admin, organization=world.org, effective_from=timezone.localdate(),
                                   overrides={"inspections": {"pass_mark": 85}})
    client.force_login(admin)
    form = client.get(edit_url("findings"), {"on": monday().isoformat()})
    data = unchanged_post(form)
    assert data["effective_from"] == [monday().isoformat()]
    data["findings.due_days.high"] = ["2"]
    data["note"] = ["缩短高风险问题整改期限"]
    before = _counts()
    preview = client.post(edit_url("findings"), data)
    assert preview.status_code == 200
    changes = preview.context["proposal"].changes
    assert [(c.key, c.before, c.after, c.default) for c in changes] == [("findings.due_days.high", "3", "2", "3")]
    text = preview.content.decode()
    assert "findings.due_days.high" in text and "确认保存" in text and monday().isoformat() in text
    assert _counts() == before  # a preview saves nothing

    confirm: dict[str, list[str]] = {}
    for name, value in preview.context["post"]:
        confirm.setdefault(name, []).append(value)
    confirm["confirm"] = ["1"]
    response = client.post(edit_url("findings"), confirm)
    assert response.status_code == 302
    version = PolicyVersion.objects.get(organization=world.org, effective_from=monday())
    # the existing overrides plus only the changed key
    assert version.overrides == {"inspections": {"pass_mark": 85}, "findings": {"due_days": {"high": 2}}}
    assert version.note == "缩短高风险问题整改期限" and version.created_by == admin
    assert policy_for(world.org, monday() - dt.timedelta(days=1)).findings.due_days.high == 3
    assert policy_for(world.org, monday()).findings.due_days.high == 2
    assert policy_for(world.org, monday()).inspections.pass_mark == 85
    assert AuditEvent.objects.filter(action="policy.override", object_id=str(version.pk)).exists()

    page = client.get(URL)
    history = page.context["versions"]
    assert history[0]["state"] == "future" and [c.key for c in history[0]["changes"]] == ["findings.due_days.high"]
    assert "待生效" in page.content.decode()


def test_a_bad_value_is_shown_on_its_field_and_nothing_is_saved(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("findings")))
    data["findings.due_days.high"] = ["0"]
    data["findings.due_days.low"] = ["abc"]
    before = _counts()
    response = client.post(edit_url("findings"), {**data, "confirm": "1"})
    assert response.status_code == 422
    fields = {f.key: f for f in response.context["fields"]}
    assert fields["findings.due_days.high"].errors == ["必须 >= 1"]
    assert fields["findings.due_days.low"].errors == ["必须是整数"]
    assert fields["findings.due_days.low"].control.value == "abc"  # what was typed stays to be fixed
    assert _counts() == before


def test_a_cross_field_rule_names_the_row(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("findings")))
    data["findings.escalation.2.after_days"] = ["2"]
    before = _counts()
    response = client.post(edit_url("findings"), data)
    assert response.status_code == 422
    fields = {f.key: f for f in response.context["fields"]}
    assert fields["findings.escalation"].errors == ["2.after_days: 必须大于上一步的天数(3)"]
    assert _counts() == before


def test_rows_are_added_and_removed_in_page_order(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("findings", )))
    for name in [n for n in data if n.startswith("findings.escalation.1.")]:
        del data[name]
    data["findings.escalation.nx1.__row"] = ["1"]
    data["findings.escalation.nx1.after_days"] = ["14"]
    data["findings.escalation.nx1.role"] = ["admin"]
    response = client.post(edit_url("findings"), data)
    assert response.status_code == 200
    [change] = response.context["proposal"].changes
    assert change.key == "findings.escalation"
    assert change.value == [{"after_days": 0, "role": "region_manager"}, {"after_days": 7, "role": "executive"},
                            {"after_days": 14, "role": "admin"}]


def test_roles_are_typed_in_order_by_their_chinese_names(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("appraisal")))
    data["appraisal.result_flow"] = ["运营经理、人事 → finance"]
    response = client.post(edit_url("appraisal"), data)
    [change] = response.context["proposal"].changes
    assert change.value == ["ops_manager", "hr", "finance"]
    data["appraisal.result_flow"] = ["运营经理 → 老板"]
    response = client.post(edit_url("appraisal"), data)
    assert response.status_code == 422
    assert any(f.key == "appraisal.result_flow" and f.errors for f in response.context["fields"])


def test_a_past_date_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world.people["admin"])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = unchanged_post(client.get(edit_url("inspections")))
    data.update({"effective_from": [yesterday.isoformat()], "inspections.pass_mark": ["90"], "confirm": ["1"]})
    before = _counts()
    response = client.post(edit_url("inspections"), data)
    assert response.status_code == 422
    assert "不能早于今天" in response.content.decode()
    assert _counts() == before


def test_the_form_for_a_later_date_shows_what_will_be_in_force_then(client, world):
    services.policy_version_create(actor=world.people["admin"], organization=world.org,
                                   effective_from=monday(), overrides={"findings": {"due_days": {"high": 2}}})
    client.force_login(world.people["admin"])
    at_monday = {f.key: f for f in client.get(edit_url("findings"), {"on": monday().isoformat()}).context["fields"]}
    assert at_monday["findings.due_days.high"].control.value == "2" and at_monday["findings.due_days.high"].differs
    if tomorrow() < monday():
        before = {f.key: f for f in client.get(edit_url("findings")).context["fields"]}
        assert before["findings.due_days.high"].control.value == "3"


def test_an_unknown_area_is_404(client, world):
    client.force_login(world.people["admin"])
    assert client.get(edit_url("nonsense")).status_code == 404


def test_a_bad_date_to_view_falls_back_to_today(client, world):
    client.force_login(world.people["admin"])
    response = client.get(URL, {"on": "tomorrow"})
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_the_versions(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = world.people["admin"]
    client.force_login(admin)
    services.policy_version_create(actor=admin, organization=world.org, effective_from=tomorrow(),
                                   overrides={"inspections": {"pass_mark": 81}})
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(2, 8):
        services.policy_version_create(actor=admin, organization=world.org,
                                       effective_from=timezone.localdate() + dt.timedelta(days=n),
                                       overrides={"inspections": {"pass_mark": 80 + n}})
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["versions"]) == 7
    assert len(few) == len(many) == PAGE_QUERIES, [q["sql"] for q in many.captured_queries]


def test_going_back_from_the_diff_keeps_what_was_typed(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("inspections")))
    data.update({"inspections.pass_mark": ["82.5"], "back": ["1"]})
    response = client.post(edit_url("inspections"), data)
    assert response.status_code == 200 and "policies/edit.html" in [t.name for t in response.templates]
    fields = {f.key: f for f in response.context["fields"]}
    assert fields["inspections.pass_mark"].control.value == "82.5"
    assert PolicyVersion.objects.count() == 0


def test_a_decimal_typed_as_a_whole_number_is_no_change(client, world):
    client.force_login(world.people["admin"])
    data = unchanged_post(client.get(edit_url("inspections")))
    data["inspections.pass_mark"] = ["80.00"]
    response = client.post(edit_url("inspections"), data)
    assert response.status_code == 200 and "没有任何改动" in response.content.decode()
    data["inspections.pass_mark"] = ["82.5"]
    [change] = client.post(edit_url("inspections"), data).context["proposal"].changes
    assert (change.key, change.before, change.after, change.value) == ("inspections.pass_mark", "80", "82.5", 82.5)
