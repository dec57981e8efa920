"""Calibration pages: the overview, a pair's two inspections side by side, the Excel report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dudao.core.testing import PageObjectMatrix

from .. import services
from .factories import F, P, add_supervisor, completed_pair, inspect


def period_query() -> str:
    today = timezone.localdate()
    return f"date_from={(today - dt.timedelta(days=20)).isoformat()}&date_to={today.isoformat()}"


class _OnePair:
    in_scope = "region_manager"
    refused = ("staff", "unit_manager", "hr", "finance", "department_head", "executive")

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = completed_pair(world, [P, P, P, P], [P, P, P, F])
        return self._target


class TestOverviewMatrix(_OnePair, PageObjectMatrix):
    """No object in the URL: "out of scope" is a supervisor (the pairs are blind to them), and
    another organisation's people have no calibration of this one to see."""

    url_name = "calibration:overview"
    out_of_scope = "supervisor"
    other_org_actor = "b_unit_manager"

    def other_org_target(self, world):
        return self.target(world)

    def url(self, world, target):
        return reverse(self.url_name) + "?" + period_query()

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "南京西路店" in text and "+25.0" in text and "75.0%" in text


class TestPairDetailMatrix(_OnePair, PageObjectMatrix):
    url_name = "calibration:pair-detail"
    other_org_actor = "b_admin"

    def other_org_target(self, world):
        return self.target(world)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "逐项对比" in text and "I003" in text and "不一致" in text and "+25.0" in text


class TestExportMatrix(_OnePair, PageObjectMatrix):
    url_name = "calibration:export"
    out_of_scope = "supervisor"
    other_org_actor = "b_unit_manager"

    def other_org_target(self, world):
        return self.target(world)

    def url(self, world, target):
        return reverse(self.url_name) + "?" + period_query()

    def check_success(self, world, target, response):
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["督导偏差", "检查项一致率", "复查对"]
        rows = list(book["复查对"].iter_rows(values_only=True))
        assert rows[1][1] == "南京西路店" and rows[1][-2] == 25


@pytest.mark.django_db
def test_another_region_manager_sees_their_empty_region_not_this_pair(world, client):
    completed_pair(world, [P, P, P, P], [P, P, P, F])
    client.force_login(world.people["other_region_manager"])
    response = client.get(reverse("calibration:overview") + "?" + period_query())
    assert response.status_code == 200 and "南京西路店" not in response.content.decode()


@pytest.mark.django_db
def test_an_open_pair_shows_no_answers_yet(world, client):
    add_supervisor(world, "west_supervisor")
    pair = services.calibration_schedule(
        inspection=inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, F]))
    client.force_login(world.people["admin"])
    text = client.get(reverse("calibration:pair-detail", args=[pair.pk])).content.decode()
    assert "两次检查都完成后才显示逐项对比" in text and "逐项对比</h2>" not in text


@pytest.mark.django_db
def test_a_reversed_period_is_refused_on_the_form(world, client):
    client.force_login(world.people["admin"])
    response = client.get(reverse("calibration:overview") + "?date_from=2026-03-02&date_to=2026-03-01")
    assert response.status_code == 422 and "开始日期不能晚于结束日期" in response.content.decode()


PAGE_QUERIES = 10


@pytest.mark.django_db
def test_the_page_query_count_does_not_grow_with_the_pairs(world, client):
    add_supervisor(world, "west_supervisor")
    add_supervisor(world, "west_supervisor2")
    client.force_login(world.people["ops_manager"])
    url = reverse("calibration:overview") + "?" + period_query()
    completed_pair(world, [P, P, P, P], [P, P, P, F])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    completed_pair(world, [P, P, F, P], [P, P, P, F], days_ago=3)
    completed_pair(world, [P, P, P, P], [F, P, P, F], unit_key="store2", days_ago=4)
    services.calibration_schedule(
        inspection=inspect(world, world.person("supervisor"), world.unit("store2"), [P, P, P, F]))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert (len(few), len(many)) == (PAGE_QUERIES, PAGE_QUERIES), [q["sql"] for q in many.captured_queries]
