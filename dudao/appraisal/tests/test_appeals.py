"""Appeals (复议) against a final appraisal: only the person, only within the policy window, one at
a time; upheld it reopens the appraisal and its cycle for rescoring and a second submission,
dismissed it is final again. Appeals share their approval kind with other subjects (penalties):
the engine hands each subject's decision to its own handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.appraisal import results, services
from dudao.appraisal.models import Appraisal, AppraisalCycle
from dudao.approvals import registry
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide, approval_request_create
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiObjectMatrix
from dudao.notifications.models import Notification
from dudao.org.choices import Role

from .results_world import FINAL_AT, approve_all, final_cycle

A = API_PREFIX + "/appraisals"


def _mine(cycle, username="supervisor") -> Appraisal:
    return Appraisal.objects.select_related("cycle", "person").get(cycle=cycle, person__username=username)


def _state(appraisal):
    appraisal = Appraisal.objects.get(pk=appraisal.pk)
    cycle = AppraisalCycle.objects.get(pk=appraisal.cycle_id)
    return (appraisal.status, appraisal.reopened, cycle.status, ApprovalRequest.objects.filter(kind="appeal").count())


def _recent_final_cycle(world):
    return final_cycle(world, finalised_at=timezone.now() - dt.timedelta(days=1))


# --- over HTTP ------------------------------------------------------------------------------------------
def test_the_person_appeals_their_final_appraisal_within_the_window(live_world, api_for):
    world = live_world
    cycle = _recent_final_cycle(world)
    mine = _mine(cycle)
    response = api_for(world.person("supervisor")).post(f"{A}/{mine.pk}/appeal", json={"reason": "满意度数据有误"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "appealing" and body["id"] == mine.pk
    approval = ApprovalRequest.objects.get(pk=body["approval_id"])
    assert approval.kind == "appeal" and approval.subject_type == "appraisal.appraisal"
    assert approval.subject_id == str(mine.pk) and approval.requester_id == world.people["supervisor"].pk
    assert [s.role for s in approval.steps.order_by("position")] == ["ops_manager", "hr"]  # the policy's appeal route
    assert approval.detail["reason"] == "满意度数据有误"
    event = AuditEvent.objects.get(action="appraisal.appeal", object_id=str(mine.pk))
    assert event.after["reason"] == "满意度数据有误" and event.after["approval_id"] == approval.pk
    # The cycle stays final and the other person's result is untouched.
    assert AppraisalCycle.objects.get(pk=cycle.pk).status == "final"
    assert _mine(cycle, "supervisor2").status == "final"


def test_an_empty_reason_is_refused_naming_it_and_nothing_changes(live_world, api_for):
    world = live_world
    mine = _mine(_recent_final_cycle(world))
    api = api_for(world.person("supervisor"))
    before = _state(mine), AuditEvent.objects.count()
    response = api.post(f"{A}/{mine.pk}/appeal", json={"reason": "  "})
    assert response.status_code == 422 and "reason" in response.json()["detail"]["fields"]
    assert (_state(mine), AuditEvent.objects.count()) == before


def test_a_second_appeal_while_one_is_pending_is_refused_with_409(live_world, api_for):
    world = live_world
    mine = _mine(_recent_final_cycle(world))
    api = api_for(world.person("supervisor"))
    assert api.post(f"{A}/{mine.pk}/appeal", json={"reason": "第一次"}).status_code == 200
    before = _state(mine)
    again = api.post(f"{A}/{mine.pk}/appeal", json={"reason": "第二次"})
    assert again.status_code == 409 and again.json()["detail"]["status"] == "appealing"
    assert _state(mine) == before


# --- the window -----------------------------------------------------------------------------------------
def test_the_window_is_the_policy_days_after_the_final_approval(world):
    cycle = final_cycle(world)
    mine, theirs = _mine(cycle), _mine(cycle, "supervisor2")
    late = FINAL_AT + dt.timedelta(days=7, minutes=1)
    before = _state(mine)
    with pytest.raises(ApplicationError) as refused:
        results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="晚了", now=late)
    assert refused.value.code == "conflict" and "7" in refused.value.message
    assert _state(mine) == before
    in_time = FINAL_AT + dt.timedelta(days=6, hours=23)
    approval = results.appraisal_appeal(actor=world.person("supervisor2"), appraisal=theirs, reason="及时", now=in_time)
    assert approval.kind == "appeal" and _mine(cycle, "supervisor2").status == "appealing"


def test_an_open_appraisal_cannot_be_appealed(world):
    from .results_world import open_cycle

    mine = _mine(open_cycle(world))
    with pytest.raises(ApplicationError) as refused:
        results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="尚未定稿")
    assert refused.value.code == "invalid_transition"
    assert _state(mine)[0] == "open"


# --- decisions ------------------------------------------------------------------------------------------
def test_an_upheld_appeal_reopens_the_appraisal_and_the_cycle_for_rescoring_and_a_second_submission(world):
    cycle = final_cycle(world)
    mine = _mine(cycle)
    appeal_at = FINAL_AT + dt.timedelta(days=2)
    approval = results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="学习成长漏计",
                                        now=appeal_at)
    approve_all(world, approval, deciders=("ops2", "hr"), now=appeal_at + dt.timedelta(hours=2))

    mine = _mine(cycle)
    assert (mine.status, mine.reopened) == ("open", 1)
    assert AppraisalCycle.objects.get(pk=cycle.pk).status == "open"
    assert _mine(cycle, "supervisor2").status == "final"
    told = Notification.objects.get(kind="appraisal.appeal_upheld")
    assert told.recipient_id == world.people["supervisor"].pk

    ops2 = world.person("ops2")
    services.manual_scores_set(actor=ops2, appraisal=mine,
                               scores=[{"kpi_code": "learning_growth", "score": "100", "note": "复议后补计"}])
    assert _mine(cycle).score == Decimal("94.0")  # (15 × 92 + 5 × 100) / 20, was 89.0
    cycle = AppraisalCycle.objects.get(pk=cycle.pk)
    resubmitted = results.cycle_submit(actor=ops2, cycle=cycle)
    second = resubmitted.approval
    assert second.pk != approval.pk and len(second.detail["appraisees"]) == 1  # only the reopened appraisal
    assert "supervisor（supervisor）" in second.detail["appraisees"][0]
    approve_all(world, second)
    assert AppraisalCycle.objects.get(pk=cycle.pk).status == "final"
    assert {a.status for a in Appraisal.objects.filter(cycle=cycle)} == {"final"}
    assert Notification.objects.filter(kind="appraisal.final", recipient=world.people["supervisor"]).count() == 2
    assert Notification.objects.filter(kind="appraisal.final", recipient=world.people["supervisor2"]).count() == 1


def test_a_dismissed_appeal_makes_the_appraisal_final_again_and_tells_the_person(world):
    cycle = final_cycle(world)
    mine = _mine(cycle)
    appeal_at = FINAL_AT + dt.timedelta(days=1)
    approval = results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="不服",
                                        now=appeal_at)
    approval_decide(actor=world.person("ops2"), approval=approval, decision="reject", comment="数据核实无误",
                    now=appeal_at + dt.timedelta(hours=1))
    mine = _mine(cycle)
    assert (mine.status, mine.reopened) == ("final", 0)
    assert AppraisalCycle.objects.get(pk=cycle.pk).status == "final"
    told = Notification.objects.get(kind="appraisal.appeal_dismissed")
    assert told.recipient_id == world.people["supervisor"].pk and "数据核实无误" in told.body
    event = AuditEvent.objects.get(action="appraisal.dismiss", object_id=str(mine.pk))
    assert event.after["comment"] == "数据核实无误"


# --- one kind, two subjects -----------------------------------------------------------------------------
def test_appeals_about_two_subjects_reach_their_own_handlers(world, monkeypatch):
    monkeypatch.setattr(registry, "_SUBJECT_HANDLERS", dict(registry._SUBJECT_HANDLERS))
    heard = []

    def penalty_appeal_outcome(request, outcome):
        heard.append((request.subject_type, outcome))

    # Another app's subject of the same kind (the discipline issue's penalties); a unit stands in for it.
    registry.register_outcome_handler("appeal", penalty_appeal_outcome, subject="org.unit")
    assert registry.outcome_handler("appeal", "org.unit") is penalty_appeal_outcome
    assert registry.outcome_handler("appeal", "appraisal.appraisal") is results.appeal_outcome
    assert registry.outcome_handler("plan") is not None  # kinds registered without a subject still work
    with pytest.raises(ValueError):
        registry.register_outcome_handler("appeal", lambda request, outcome: None, subject="org.unit")

    cycle = final_cycle(world)
    mine = _mine(cycle)
    appraisal_appeal = results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="复议",
                                                now=FINAL_AT + dt.timedelta(days=1))
    other = approval_request_create(actor=world.person("supervisor"), kind="appeal", title="罚单复议",
                                    unit=world.unit("east"), subject=world.unit("east"))
    approve_all(world, other, deciders=("ops2", "hr"))
    assert heard == [("org.unit", "approved")]
    assert _mine(cycle).status == "appealing"  # the penalty's decision did not touch the appraisal
    approve_all(world, appraisal_appeal, deciders=("ops2", "hr"))
    assert heard == [("org.unit", "approved")] and _mine(cycle).status == "open"


# --- permission matrix ----------------------------------------------------------------------------------
class TestAppraisalAppeal(ApiObjectMatrix):
    route = "POST /api/v1/appraisals/{appraisal_id}/appeal"
    in_scope = "supervisor"          # the appraised person
    out_of_scope = "other_region_manager"
    other_org_actor = "supervisor"
    refused = ("admin", "hr", "finance")  # see the appraisal, may not appeal for the person

    def target(self, world):
        if getattr(self, "_appraisal", None) is None:
            self._appraisal = _mine(_recent_final_cycle(world))
        return self._appraisal

    def other_org_target(self, world):
        cycle = services.cycle_create(actor=world.person("b_admin"), role=Role.UNIT_MANAGER, period="2026-11",
                                      scope_unit=world.unit("b_root"))
        return cycle.appraisals.get()

    def path(self, world, target):
        return f"/appraisals/{target.pk}/appeal"

    def payload(self, world, target):
        return {"reason": "满意度数据有误"}

    def snapshot(self, world):
        return _state(self.target(world)), AuditEvent.objects.filter(organization_id=world.org.pk).count()

    def check_success(self, world, target, response):
        assert response.json()["status"] == "appealing"
        assert Appraisal.objects.get(pk=target.pk).status == "appealing"
