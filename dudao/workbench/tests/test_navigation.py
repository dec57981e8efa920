"""The top bar shows each person only what their roles can use, and every entry it shows opens."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dudao.org.testing import ROLE_HOLDERS

NAV = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


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
              "人员", "考核", "考核数据", "导入", "制度"},
    "executive": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "组织架构", "人员",
                  "考核", "考核数据"},
    "ops_manager": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "检查标准",
                    "组织架构", "人员", "考核", "考核数据", "导入"},
    "department_head": {"首页", "培训", "会议", "巡店", "整改", "审批", "报告", "分析", "事故投诉", "工作计划", "组织架构"},
    "supervisor": {"首页", "培训", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "工作计划", "检查标准",
                   "组织架构"},
    "region_manager": {"首页", "干部评估", "培训", "会议", "巡店", "整改", "计划", "审批", "报告", "分析", "事故投诉", "违规", "组织架构"},
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
