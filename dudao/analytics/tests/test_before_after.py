"""Before/after comparison: a unit's and a region's figures around a date, by the facts'
definitions, "no data" as null, pivots offered from events, the API and page matrices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dudao.analytics import services
from dudao.analytics.before_after import before_after
from dudao.analytics.pivots import pivots_for
from dudao.core.errors import ApplicationError
from dudao.core.testing.matrix import ApiObjectMatrix, PageObjectMatrix
from dudao.facts.scope import Scope

from .factories import Data, at, d

TODAY = d("2025-03-10")


def january_and_february(world) -> None:
    """store1: January 82 and 90 (one high finding due the 13th, closed late on the 15th);
    February one inspection of 70 and no finding. store2: January 78."""
    data = Data(world)
    data.inspection("store1", "2025-01-05", "82.0")
    data.inspection("store1", "2025-01-20", "90.0")
    data.inspection("store2", "2025-01-12", "78.0")
    data.inspection("store1", "2025-02-10", "70.0")
    data.finding("store1", at("2025-01-10"), "2025-01-13", closed=at("2025-01-15"), severity="high")
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=d("2025-01-01"),
                            now=at("2025-03-01"))


@pytest.mark.django_db
def test_a_units_figures_before_and_after_with_no_data_as_null(world):
    january_and_february(world)
    result = before_after(Scope.of_unit(world.units["store1"]), d("2025-02-01"), 31, TODAY)
    before, after, difference = result["before"], result["after"], result["difference"]
    assert (before["from"], before["to"], after["from"], after["to"]) == (
        d("2025-01-01"), d("2025-01-31"), d("2025-02-01"), d("2025-03-03"))
    assert before == {**before, "inspections": 2, "average_score": Decimal("86.0"), "pass_rate": Decimal("100.0"),
                      "findings": 1, "on_time_closure_rate": Decimal("0.0"), "repeat_rate": Decimal("0.0"),
                      "evaluation_score": Decimal("60.2")}
    assert after == {**after, "inspections": 1, "average_score": Decimal("70.0"), "pass_rate": Decimal("0.0"),
                     "findings": 0, "on_time_closure_rate": None, "repeat_rate": None, "evaluation_score": None}
    assert difference == {"inspections": -1, "average_score": Decimal("-16.0"), "pass_rate": Decimal("-100.0"),
                          "findings": -1, "on_time_closure_rate": None, "repeat_rate": None,
                          "evaluation_score": None}


@pytest.mark.django_db
def test_a_region_sums_its_stores(world):
    january_and_february(world)
    result = before_after(Scope.of_unit(world.units["east"]), d("2025-02-01"), 31, TODAY)
    # 82, 90 and 78: 83.3 on average, two of three passed; stores' evaluation scores 60.2 and 78.0.
    assert result["before"]["average_score"] == Decimal("83.3")
    assert result["before"]["pass_rate"] == Decimal("66.7")
    assert result["before"]["evaluation_score"] == Decimal("69.1")


@pytest.mark.django_db
def test_pivots_are_findings_closed_new_managers_and_training_sessions(world):
    january_and_february(world)
    pivots = pivots_for(world.units["store1"])
    kinds = {(p["kind"], p["date"]) for p in pivots}
    assert ("finding_closed", d("2025-01-15")) in kinds
    assert any(kind == "new_manager" for kind, _day in kinds)
    assert pivots == sorted(pivots, key=lambda p: (p["date"], p["kind"]), reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("pivot", "days", "field"), [("2025-02-01", 3, "days"), ("2025-02-01", 400, "days"),
                                                       ("2025-04-01", 30, "pivot")])
def test_bad_windows_are_refused_naming_the_field(world, pivot, days, field):
    with pytest.raises(ApplicationError) as refused:
        before_after(Scope.of_unit(world.units["store1"]), d(pivot), days, TODAY)
    assert field in refused.value.detail["fields"]


@pytest.mark.django_db
def test_the_comparison_is_a_fixed_number_of_queries(world, django_assert_num_queries):
    january_and_february(world)
    with django_assert_num_queries(8):
        before_after(Scope.of_unit(world.units["east"]), d("2025-02-01"), 31, TODAY)


class TestBeforeAfterApiMatrix(ApiObjectMatrix):
    route = "GET /api/v1/analytics/before-after"
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return f"/analytics/before-after?unit_id={target.pk}&pivot=2025-02-01&days=31"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["unit_id"] == target.pk and body["pivot"] == "2025-02-01"
        assert body["before"]["from"] == "2025-01-01" and body["after"]["from"] == "2025-02-01"
        assert set(body["before"]) >= {"average_score", "pass_rate", "findings", "on_time_closure_rate",
                                       "repeat_rate", "evaluation_score"}
        assert body["difference"]["average_score"] is None  # no data on either side

    @pytest.mark.django_db(transaction=True)
    def test_without_a_pivot_the_latest_event_is_used(self):
        client = self.api_for(self.world.people["region_manager"])
        response = client.get(f"/api/v1/analytics/before-after?unit_id={self.world.units['store1'].pk}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pivot"] == body["pivots"][0]["date"]
        assert body["pivots"][0]["kind"] == "new_manager"


class TestBeforeAfterPageMatrix(PageObjectMatrix):
    url_name = "analytics:before-after"
    in_scope = "region_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk]) + "?pivot=2025-02-01&days=31"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "前后对比" in text and "2025-01-01 – 2025-01-31" in text and "平均得分" in text


@pytest.mark.django_db
def test_the_page_names_a_bad_window(client, world):
    client.force_login(world.people["region_manager"])
    url = reverse("analytics:before-after", args=[world.units["store1"].pk])
    response = client.get(url + "?pivot=2999-01-01")
    assert response.status_code == 422 and "比较日期不能晚于今天" in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_links_a_chosen_unit_to_its_comparison(client, world):
    client.force_login(world.people["region_manager"])
    store = world.units["store1"]
    response = client.get(reverse("analytics:dashboard") + f"?scope={store.pk}")
    assert reverse("analytics:before-after", args=[store.pk]) in response.content.decode()

