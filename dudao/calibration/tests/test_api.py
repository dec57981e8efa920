"""GET /api/v1/calibration: the matrix, the figures, scope, bad dates and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.core.testing import ApiObjectMatrix

from .factories import F, P, add_supervisor, completed_pair

URL = "/api/v1/calibration"


def period_query() -> str:
    today = timezone.localdate()
    return f"from={(today - dt.timedelta(days=20)).isoformat()}&to={today.isoformat()}"


class TestCalibrationMatrix(ApiObjectMatrix):
    """The organisation for admins and ops managers, a region manager their region; supervisors
    (blind pairs), store people, executives and HR get 404; another organisation's people too."""

    route = "GET /api/v1/calibration"
    in_scope = "region_manager"
    out_of_scope = "supervisor"
    other_org_actor = "b_unit_manager"
    refused = ("staff", "unit_manager", "hr", "finance", "department_head")

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = completed_pair(world, [P, P, P, P], [P, P, P, F])
        return self._target

    def other_org_target(self, world):
        return self.target(world)

    def path(self, world, target):
        return f"/calibration?{period_query()}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["pairs"] == 1 and body["agreement"] == "75.0"
        assert body["supervisors"] == [{
            "person_id": world.people["supervisor"].pk, "name": world.people["supervisor"].display_name,
            "inspections": 1, "pairs": 1, "drift": "25.0", "ci_low": None, "ci_high": None, "flagged": False}]
        assert [i["code"] for i in body["items"]][0] == "I003"


@pytest.mark.django_db
def test_a_region_manager_reads_only_their_region_and_ops_the_organisation(world, client):
    completed_pair(world, [P, P, P, P], [P, P, P, F])  # store1, east
    add_supervisor(world, "east_supervisor2", "east")
    completed_pair(world, [P, P, P, P], [P, P, F, F], first_by="west_supervisor", second_by="east_supervisor2",
                   unit_key="store3")  # store3, west
    for key, expected in [("region_manager", 1), ("other_region_manager", 1), ("ops_manager", 2), ("admin", 2)]:
        client.force_login(world.people[key])
        body = client.get(f"{URL}?{period_query()}").json()
        assert body["pairs"] == expected, key
    client.force_login(world.people["other_region_manager"])
    body = client.get(f"{URL}?{period_query()}").json()
    assert [s["person_id"] for s in body["supervisors"]] == [world.people["west_supervisor"].pk]
    client.force_login(world.people["b_admin"])
    assert client.get(f"{URL}?{period_query()}").json()["pairs"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("query, field", [("from=2026-13-01", "from"), ("to=yesterday", "to"),
                                          ("from=2026-03-02&to=2026-03-01", "from"),
                                          ("from=2020-01-01&to=2026-01-01", "to")])
def test_bad_dates_are_422_naming_the_field(world, client, query, field):
    client.force_login(world.people["admin"])
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]["fields"]


@pytest.mark.django_db
def test_the_default_period_is_the_policy_window(world, client):
    client.force_login(world.people["admin"])
    body = client.get(URL).json()
    today = timezone.localdate()
    assert body["period"] == {"start": (today - dt.timedelta(days=89)).isoformat(), "end": today.isoformat()}
    assert (body["pairs"], body["agreement"], body["kappa"], body["supervisors"]) == (0, None, None, [])


API_QUERIES = 9


@pytest.mark.django_db
def test_the_api_query_count_does_not_grow_with_the_pairs(world, client):
    add_supervisor(world, "west_supervisor")
    add_supervisor(world, "west_supervisor2")
    client.force_login(world.people["admin"])
    completed_pair(world, [P, P, P, P], [P, P, P, F])
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{URL}?{period_query()}").status_code == 200
    completed_pair(world, [P, P, F, P], [P, P, P, F], days_ago=3)
    completed_pair(world, [P, P, P, P], [F, P, P, F], unit_key="store2", second_by="west_supervisor2", days_ago=4)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{URL}?{period_query()}").json()
    assert body["pairs"] == 3
    assert (len(few), len(many)) == (API_QUERIES, API_QUERIES), [q["sql"] for q in many.captured_queries]
