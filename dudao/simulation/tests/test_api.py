"""`POST /api/v1/policy/simulate` over real HTTP: who may call it, 422s naming the key or field,
nothing written, and another organisation's data never seen."""

from __future__ import annotations

import pytest

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import ApiObjectMatrix
from dudao.policies.models import PolicyVersion

from .data import FROM, TO, by, january

NOT_SIMULATORS = ("executive", "supervisor", "region_manager", "unit_manager", "staff", "hr", "finance",
                  "department_head")
PASS_MARK_85 = {"overrides": {"inspections": {"pass_mark": 85}, "evaluation": {"pass_mark": 85}}, "from": FROM,
                "to": TO}


def counts():
    return PolicyVersion.objects.count(), AuditEvent.objects.count()


class TestPolicySimulateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/policy/simulate"
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = NOT_SIMULATORS

    def target(self, world):
        if not hasattr(self, "_rows"):
            self._rows = january(world)
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def path(self, world, target):
        return "/policy/simulate"

    def payload(self, world, target):
        return PASS_MARK_85

    def snapshot(self, world):
        return counts()

    def check_success(self, world, target, response):
        body = response.json()
        assert by(body["changes"], "inspection", self._rows["a"].pk, "passed") == (True, False)
        assert by(body["changes"], "unit", world.units["store2"].pk, "key_target") == (False, True)
        assert body["summary"]["evaluation"]["new_key_targets"] == 1
        change = next(c for c in body["changes"] if c["subject_type"] == "inspection")
        assert set(change) >= {"subject_type", "subject_id", "subject_name", "metric", "before", "after"}

    # The path names no organisation: each caller replays their own (see the test below).
    test_other_organization_is_404 = None

    def test_the_other_organizations_admin_replays_only_their_own(self):
        self.target(self.world)
        client = self.api_for(self.world.people["b_admin"])
        response = client.post("/api/v1/policy/simulate", json=PASS_MARK_85)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["changes"] == [] and body["summary"]["inspections"]["total"] == 0
        assert "南京西路店" not in response.text and "淮海路店" not in response.text

    def test_an_admin_may_simulate_too(self):
        self.target(self.world)
        response = self.api_for(self.world.people["admin"]).post("/api/v1/policy/simulate", json=PASS_MARK_85)
        assert response.status_code == 200 and response.json()["summary"]["inspections"]["newly_failing"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("payload", "key"), [
    ({"overrides": {"inspections": {"pass_markk": 85}}}, "inspections.pass_markk"),
    ({"overrides": {"evaluation": {"pass_mark": "high"}}}, "evaluation.pass_mark"),
    ({"overrides": {"appraisal": {"bonus_bands": []}}}, "appraisal.bonus_bands"),
    ({"overrides": [1, 2]}, "overrides"),
    ({"overrides": {}, "from": "2025-02-01", "to": "2025-01-01"}, "from"),
    ({"overrides": {}, "from": "2025-01-01", "to": "2999-01-01"}, "to"),
])
def test_bad_overrides_and_periods_are_422_naming_them_and_nothing_is_written(live_world, api_for, payload, key):
    client = api_for(live_world.people["ops_manager"])
    body = {"from": FROM, "to": TO, **payload}
    before = counts()
    response = client.post("/api/v1/policy/simulate", json=body)
    assert response.status_code == 422, response.text
    assert key in response.json()["detail"]["fields"]
    assert counts() == before
