"""The top bar shows each person only what their roles can use, and every entry it shows opens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dudao.org.testing import ROLE_HOLDERS

NAV = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')
# A first-level link, or a group: its summary (with its class) and its links.
ENTRY = re.compile(r'<details class="nav-group">\s*<summary([^>]*)>([^<]+)</summary>(.*?)</details>'
                   r'|<a href="[^"]+"[^>]*>([^<]+)</a>', re.S)


def nav_html(client, person, path="/") -> str:
    client.force_login(person)
    response = client.get(path)
    assert response.status_code == 200
    nav = NAV.search(response.content.decode())
    assert nav, "no navigation bar"
    return nav.group(1)


def shape(client, person, path="/") -> list[str | tuple[str, list[str]]]:
    """The bar's first level in order: a link's label, or (group label, [its entries' labels])."""
    entries = []
    for _attrs, group, body, link in ENTRY.findall(nav_html(client, person, path)):
        if group:
            entries.append((group.strip(), [label.strip() for _url, label in LINK.findall(body)]))
        else:
            entries.append(link.strip())
    return entries


def bar(client, person) -> dict[str, str]:
    """{label: url} of the navigation bar the person gets on their home page."""
    client.force_login(person)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    nav = NAV.search(response.content.decode())
    assert nav, "no navigation bar"
    return {label.strip(): url for url, label in LINK.findall(nav.group(1))}


EXPECTED = {
    "admin": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "检查标准", "组织架构",
              "人员", "考核", "考核数据", "导入", "制度", "制度模拟", "督导校准"},
    "executive": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "组织架构", "人员",
                  "考核", "考核数据"},
    "ops_manager": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "检查标准",
                    "组织架构", "人员", "考核", "考核数据", "导入", "制度", "制度模拟", "督导校准"},
    "department_head": {"首页", "培训", "会议", "巡店", "整改", "审批", "报告", "分析", "事故投诉", "工作计划", "组织架构"},
    "supervisor": {"首页", "培训", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "检查标准",
                   "组织架构"},
    "region_manager": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "组织架构", "督导校准"},
    "unit_manager": {"首页", "巡店", "整改", "审批", "公报", "分析", "事故投诉", "违规"},
    "staff": {"首页", "审批", "事故投诉"},
    "hr": {"首页", "干部评估", "培训", "审批", "分析", "事故投诉", "违规", "组织架构", "人员", "考核", "考核数据", "导入"},
    "finance": {"首页", "审批", "组织架构", "考核"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_what_it_can_use_and_every_link_opens(client, world, role):
    person = world.people[role]
    links = bar(client, person)
    assert set(links) == EXPECTED[role]
    for label, url in links.items():
        response = client.get(url)
        assert response.status_code == 200, f"{role}: {label} {url} answers {response.status_code}"


def test_every_role_of_the_world_is_covered():
    assert {role for role, _unit in ROLE_HOLDERS.values()} == set(EXPECTED)


def test_a_store_manager_goes_to_their_inspections_to_sign_and_a_reader_to_the_records(client, world):
    assert bar(client, world.people["unit_manager"])["巡店"] == reverse("inspections:my-work")
    assert bar(client, world.people["region_manager"])["巡店"] == reverse("inspections:inspection-list")
    assert bar(client, world.people["supervisor"])["巡店"] == reverse("inspections:my-work")


def test_someone_without_a_role_sees_only_home(client, world):
    assert set(bar(client, world.people["no_role"])) == {"首页"}


def test_the_header_has_a_menu_button_for_the_navigation_and_the_bell(client, world):
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("home")).content.decode()
    assert 'class="menu-toggle" href="#main-nav"' in text and 'id="main-nav"' in text
    assert 'class="bell"' in text and 'class="who-name"' in text
    assert "dudao/header.js" in text


def test_an_administrator_gets_the_daily_pages_first_and_the_rest_in_three_groups(client, world):
    assert shape(client, world.people["admin"]) == [
        "首页", "巡店", "整改", "计划", "审批", "报告", "分析",
        ("运营", ["事故投诉", "会议", "工作计划", "督导校准"]),
        ("人事绩效", ["考核", "考核数据", "干部评估", "违规", "培训"]),
        ("设置", ["检查标准", "组织架构", "人员", "导入", "制度", "制度模拟"]),
    ]


def test_a_group_with_one_entry_is_that_link_and_a_group_with_none_is_not_shown(client, world):
    # Finance may use only 考核 of 人事绩效 and only 组织架构 of 设置, and nothing of 运营.
    assert shape(client, world.people["finance"]) == ["首页", "审批", "考核", "组织架构"]
    # Staff report incidents and nothing else of the groups.
    assert shape(client, world.people["staff"]) == ["首页", "审批", "事故投诉"]
    html = nav_html(client, world.people["staff"])
    assert "<details" not in html and "运营" not in html


def test_the_group_of_the_page_open_is_marked_and_its_link_is_current(client, world):
    path = reverse("org:people")
    html = nav_html(client, world.people["admin"], path)
    groups = {label.strip(): attrs for attrs, label, _body, _link in ENTRY.findall(html) if label}
    assert groups == {"运营": "", "人事绩效": "", "设置": ' class="active"'}
    assert re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', html) == [path]
    # On the home page no group is marked.
    html = nav_html(client, world.people["admin"])
    assert '<summary class="active">' not in html
    assert re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', html) == ["/"]
