"""Analytics and evaluations over the API: a permission matrix for every route, exact figures,
refusals that change nothing, and list query counts that do not grow with the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.analytics import services
from dudao.analytics.models import EvaluationRun, ReviewCase, UnitEvaluation
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix

from .factories import Data, at, d


def evaluated(world, month="2025-01"):
    """store1 fails `month` (60.0), store2 passes (90.0), store3 has no data; the month is evaluated."""
    data = Data(world)
    data.inspection("store1", f"{month}-10", "60.0")
    data.inspection("store2", f"{month}-10", "90.0")
    services.evaluation_run(actor=world.person("admin"), organization=world.org, month=d(f"{month}-01"),
                            now=at("2025-06-01"))
    return UnitEvaluation.objects.get(unit=world.units["store1"], month=d(f"{month}-01"))


def other_org_evaluation(world):
    services.evaluation_run(actor=world.person("b_admin"), organization=world.other_org, month=d("2025-01-01"),
                            now=at("2025-06-01"))
    return UnitEvaluation.objects.get(unit=world.units["b_branch"])


def review_case(world):
    """store1 fails January and February: one case for its manager (unit_manager)."""
    evaluated(world, "2025-01")
    evaluated(world, "2025-02")
    return ReviewCase.objects.get(unit=world.units["store1"])


def other_org_case(world):
    return ReviewCase.objects.create(organization=world.other_org, unit=world.units["b_branch"], month=d("2025-02-01"),
                                     consecutive_failures=2, opened_at=timezone.now())


def case_state(case):
    case.refresh_from_db()
    return case.status, case.decision, case.notes, AuditEvent.objects.count()


# --- summary -------------------------------------------------------------------------------------
class TestSummaryMatrix(ApiObjectMatrix):
    route = "GET /api/v1/analytics/summary"
    in_scope = "region_manager"
    refused = ("staff", "finance")

    def target(self, world):
        if not hasattr(self, "_target"):
            data = Data(world)
            data.inspection("store1", "2025-03-02", "80.0")
            data.inspection("store2", "2025-03-05", "91.0")
            data.inspection("store3", "2025-03-06", "50.0")
            data.finding("store1", at("2025-03-01"), "2025-03-04", closed=at("2025-03-03", 22), severity="high")
            data.finding("store2", at("2025-03-01"), "2025-03-04", severity="low", repeat=True)
            data.visit("store1", "2025-03-02", "done")
            data.visit("store2", "2025-03-09", "planned")
            self._target = world.units["east"]
        return self._target

    def other_org_target(self, world):
        return world.units["b_root"]

    def path(self, world, target):
        return f"/analytics/summary?scope_unit_id={target.pk}&from=2025-03-01&to=2025-03-31"

    def check_success(self, world, target, response):
        assert response.json() == {
            "scope_unit_id": target.pk, "period": {"start": "2025-03-01", "end": "2025-03-31"},
            "inspections": 2, "average_score": "85.5",
            "findings_by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 1},
            "on_time_closure_rate": "50.0", "median_closure_days": "2.5", "repeat_rate": "50.0",
            "coverage": {"visits_planned": 2, "visits_done": 1, "visit_rate": "50.0", "units": 2,
                         "units_inspected": 2, "unit_rate": "100.0"},
            "findings": 2, "findings_due": 2, "findings_on_time": 1,
        }


@pytest.mark.django_db
def test_summary_defaults_to_everything_the_caller_reads_this_month(live_world, api_for):
    Data(live_world).inspection("store3", timezone.localdate().isoformat(), "77.0", hour=0)
    body = api_for(live_world.people["other_region_manager"]).get("/api/v1/analytics/summary").json()
    assert body["scope_unit_id"] == live_world.units["west"].pk and body["inspections"] == 1
    assert body["period"] == {"start": timezone.localdate().replace(day=1).isoformat(),
                              "end": timezone.localdate().isoformat()}
    admin = api_for(live_world.people["admin"]).get("/api/v1/analytics/summary").json()
    assert admin["scope_unit_id"] == live_world.units["root"].pk and admin["average_score"] == "77.0"


@pytest.mark.django_db
def test_summary_refuses_a_reversed_period_naming_the_field(live_world, api_for):
    response = api_for(live_world.people["admin"]).get("/api/v1/analytics/summary",
                                                       params={"from": "2025-03-10", "to": "2025-03-01"})
    assert response.status_code == 422
    assert list(response.json()["detail"]["fields"]) == ["from"]


def test_summary_query_count_does_not_grow_with_data(world, client):
    client.force_login(world.people["admin"])
    data = Data(world)
    url = "/api/v1/analytics/summary?from=2025-03-01&to=2025-03-31"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(url)
    small = count()
    for day in range(1, 10):
        inspection = data.inspection("store1", f"2025-03-{day:02d}", "90.0")
        data.finding("store2", at(f"2025-03-{day:02d}"), f"2025-03-{day + 3:02d}", closed=at(f"2025-03-{day + 1:02d}"),
                     inspection=inspection)
        data.visit("store3", f"2025-03-{day:02d}", "done")
    client.get(url)  # the first read after the changes recomputes the months they marked (facts.rollups)
    assert count() == small


# --- evaluations ---------------------------------------------------------------------------------
class TestRunMatrix(ApiObjectMatrix):
    route = "POST /api/v1/evaluations/run"
    in_scope = "admin"
    # The run is about the caller's own organisation: another organisation's person without the role.
    other_org_actor = "b_unit_manager"
    refused = ("region_manager", "supervisor", "hr", "unit_manager")

    def target(self, world):
        if not hasattr(self, "_data"):
            self._data = Data(world)
            self._data.inspection("store1", "2025-01-10", "60.0")
        return world.units["root"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def path(self, world, target):
        return "/evaluations/run"

    def payload(self, world, target):
        return {"month": "2025-01"}

    def snapshot(self, world):
        return EvaluationRun.objects.count(), UnitEvaluation.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        body = response.json()
        assert {k: body[k] for k in ("month", "units", "scored", "passed", "key_targets", "review_cases_opened")} == {
            "month": "2025-01", "units": 3, "scored": 1, "passed": 0, "key_targets": 1, "review_cases_opened": 0}
        assert not UnitEvaluation.objects.filter(organization=world.other_org).exists()


@pytest.mark.django_db
def test_run_refuses_a_bad_month_naming_the_field(live_world, api_for):
    client = api_for(live_world.people["ops_manager"])
    for month in ("2025-13", "January", ""):
        response = client.post("/api/v1/evaluations/run", json={"month": month})
        assert response.status_code == 422 and list(response.json()["detail"]["fields"]) == ["month"], month
    future = client.post("/api/v1/evaluations/run", json={"month": "2999-01"})
    assert future.status_code == 422 and not EvaluationRun.objects.exists()


class TestEvaluationListMatrix(ApiListMatrix):
    route = "GET /api/v1/evaluations"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = evaluated(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_evaluation(world)
        return self._other


@pytest.mark.django_db
def test_evaluation_list_items_are_ranked_with_the_contract_fields(live_world, api_for):
    evaluated(live_world, "2025-01")
    evaluated(live_world, "2025-02")
    client = api_for(live_world.people["admin"])
    body = client.get("/api/v1/evaluations", params={"month": "2025-01"}).json()
    assert body["count"] == 3
    first = body["items"][0]
    assert {"unit_id", "score", "passed", "rank", "consecutive_failures", "key_target",
            "review_case_id"} <= set(first)
    assert [(i["unit_name"], i["score"], i["rank"], i["passed"], i["key_target"]) for i in body["items"]] == [
        ("淮海路店", "90.0", 1, True, False), ("南京西路店", "60.0", 2, False, True),
        ("春熙路店", None, None, None, False)]
    latest = client.get("/api/v1/evaluations", params={"key_target": "true"}).json()
    case = ReviewCase.objects.get()
    assert [(i["month"], i["unit_id"], i["consecutive_failures"], i["review_case_id"]) for i in latest["items"]] == [
        ("2025-02", live_world.units["store1"].pk, 2, case.pk)]
    bad = client.get("/api/v1/evaluations", params={"month": "2025/01"})
    assert bad.status_code == 422


class TestEvaluationGetMatrix(ApiObjectMatrix):
    route = "GET /api/v1/evaluations/{evaluation_id}"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("staff", "finance")

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = evaluated(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_evaluation(world)
        return self._other

    def path(self, world, target):
        return f"/evaluations/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["score"], body["passed"], body["rank"], body["region_rank"], body["key_target"]) == (
            "60.0", False, 2, 2, True)
        assert body["key_target_deadline"] == "2025-03-02"
        assert body["components"] == [{"component": "inspection_average", "value": "60.00", "weight": "0.7",
                                       "applied_weight": "1.0000"}]


def test_evaluation_list_query_count_does_not_grow_with_page_size(world, client):
    evaluated(world)
    client.force_login(world.people["admin"])

    def count(limit):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/evaluations?month=2025-01&limit={limit}")
        assert len(response.json()["items"]) == limit
        return len(queries)

    count(1)
    assert count(1) == count(3)


# --- review cases --------------------------------------------------------------------------------
class _CaseMatrix(ApiObjectMatrix):
    in_scope = "hr"
    out_of_scope = "other_region_manager"

    def target(self, world):
        if not hasattr(self, "_target"):
            self._target = review_case(world)
        return self._target

    def other_org_target(self, world):
        if not hasattr(self, "_other"):
            self._other = other_org_case(world)
        return self._other

    def snapshot(self, world):
        return case_state(self.target(world))


class TestReviewCaseListMatrix(ApiListMatrix):
    route = "GET /api/v1/evaluations/review-cases"
    in_scope = "region_manager"

    def target(self, world):
        return _CaseMatrix.target(self, world)

    def other_org_target(self, world):
        return _CaseMatrix.other_org_target(self, world)

    def test_the_reviewed_manager_and_the_store_do_not_list_it(self):
        target = self.target(self.world)
        for who in ("unit_manager", "staff", "supervisor"):
            client = self.api_for(self.world.people[who])
            assert target.pk not in self.ids(client.get("/api/v1/evaluations/review-cases")), who


class TestReviewCaseGetMatrix(_CaseMatrix):
    route = "GET /api/v1/evaluations/review-cases/{case_id}"
    refused = ("unit_manager", "supervisor", "staff", "finance")

    def path(self, world, target):
        return f"/evaluations/review-cases/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["unit_id"], body["month"], body["status"], body["consecutive_failures"]) == (
            world.units["store1"].pk, "2025-02", "open", 2)
        assert (body["manager_id"], body["superior_id"], body["hr_ids"]) == (
            world.people["unit_manager"].pk, world.people["region_manager"].pk, [world.people["hr"].pk])


class TestReviewCaseStartMatrix(_CaseMatrix):
    route = "POST /api/v1/evaluations/review-cases/{case_id}/start"
    in_scope = "region_manager"
    refused = ("admin", "unit_manager", "supervisor")

    def path(self, world, target):
        return f"/evaluations/review-cases/{target.pk}/start"

    def check_success(self, world, target, response):
        assert response.json()["status"] == "in_review"
        assert AuditEvent.objects.order_by("-seq").first().action == "review_case.start"


class TestReviewCaseDecideMatrix(_CaseMatrix):
    route = "POST /api/v1/evaluations/review-cases/{case_id}/decide"
    refused = ("admin", "unit_manager", "supervisor", "ops_manager")

    def path(self, world, target):
        return f"/evaluations/review-cases/{target.pk}/decide"

    def payload(self, world, target):
        return {"decision": "demote", "notes": "连续两月未达标,降为副店长"}

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["status"], body["decision"], body["notes"], body["decided_by_id"]) == (
            "decided", "demote", "连续两月未达标,降为副店长", world.people["hr"].pk)

    def test_other_needs_notes_and_a_decided_case_is_final(self):
        case = self.target(self.world)
        client = self.clients["hr"]
        url = "/api/v1" + self.path(self.world, case)
        before = case_state(case)
        response = client.post(url, json={"decision": "other", "notes": " "})
        assert response.status_code == 422 and list(response.json()["detail"]["fields"]) == ["notes"]
        unknown = client.post(url, json={"decision": "promote"})
        assert unknown.status_code == 422
        assert case_state(case) == before
        assert client.post(url, json={"decision": "retain"}).status_code == 200
        decided = case_state(case)
        again = client.post(url, json={"decision": "dismiss"})
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
        assert case_state(case) == decided


def test_review_case_list_query_count_does_not_grow_with_page_size(world, client):
    review_case(world)
    other = ReviewCase.objects.create(organization=world.org, unit=world.units["store2"], month=d("2025-02-01"),
                                      consecutive_failures=2, opened_at=timezone.now())
    other.hr_assignees.add(world.people["hr"])
    client.force_login(world.people["hr"])

    def count(limit):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/evaluations/review-cases?limit={limit}")
        assert len(response.json()["items"]) == limit
        return len(queries)

    count(1)
    assert count(1) == count(2)

