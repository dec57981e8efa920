"""Appeals of violations through the approval engine: only the party, within the policy window; an
upheld appeal overturns the violation (it counts for nothing), a dismissed one leaves it standing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.approvals.services import approval_decide
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.testing.matrix import ApiObjectMatrix, PageObjectMatrix
from dudao.discipline import selectors, services
from dudao.discipline.models import Violation

from .test_api import state

NOW = timezone.now().replace(microsecond=0)


def effective(world, *, party="staff", unit="store1", when=None):
    violation, _created = services.violation_create(
        actor=world.person("unit_manager"), person=world.person(party), unit=world.unit(unit), kind="late",
        occurred_at=when or NOW - dt.timedelta(hours=2), witness=world.person("supervisor"))
    for key in (party, "supervisor"):
        violation = services.violation_confirm(actor=world.person(key), violation=violation)
    return violation


def other_org_effective(world):
    from .test_api import other_org_violation

    violation = other_org_violation(world)
    for person in (violation.person, violation.witness):
        violation = services.violation_confirm(actor=person, violation=violation)
    return violation


def decide(world, approval, decision):
    for key in ("ops_manager", "hr"):
        approval.refresh_from_db()
        if approval.status != "pending":
            break
        approval_decide(actor=world.person(key), approval=approval, decision=decision, comment="已核实")


@pytest.mark.django_db
def test_an_upheld_appeal_overturns_the_violation_and_it_counts_for_nothing(world):
    violation = effective(world)
    year = timezone.localtime(violation.occurred_at).year
    assert selectors.summary(world.person("staff"), year)["late"] == 1
    approval = services.violation_appeal(actor=world.person("staff"), violation=violation, reason="当天地铁停运")
    assert Violation.objects.get(pk=violation.pk).status == "appealing"
    decide(world, approval, "approve")
    assert Violation.objects.get(pk=violation.pk).status == "overturned"
    assert selectors.summary(world.person("staff"), year)["late"] == 0


@pytest.mark.django_db
def test_a_dismissed_appeal_leaves_it_standing(world):
    violation = effective(world)
    approval = services.violation_appeal(actor=world.person("staff"), violation=violation, reason="不服")
    decide(world, approval, "reject")
    assert Violation.objects.get(pk=violation.pk).status == "effective"


@pytest.mark.django_db
def test_only_the_party_appeals_within_the_window(world):
    violation = effective(world)
    with pytest.raises(ApplicationError) as denied:
        services.violation_appeal(actor=world.person("supervisor"), violation=violation, reason="x")
    assert denied.value.code == ErrorCode.PERMISSION_DENIED
    with pytest.raises(ApplicationError) as late:
        services.violation_appeal(actor=world.person("staff"), violation=violation, reason="x",
                                  now=violation.effective_at + dt.timedelta(days=8))
    assert late.value.code == ErrorCode.CONFLICT
    with pytest.raises(ApplicationError) as empty:
        services.violation_appeal(actor=world.person("staff"), violation=violation, reason=" ")
    assert "reason" in empty.value.detail["fields"]
    assert Violation.objects.get(pk=violation.pk).status == "effective"


class _Effective:
    in_scope = "staff"
    out_of_scope = "other_unit_manager"
    refused = ("supervisor",)  # the witness reads it but may not appeal

    def target(self, world):
        if getattr(self, "_violation", None) is None:
            self._violation = effective(world)
        return self._violation

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_effective(world)
        return self._other

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestViolationAppeal(_Effective, ApiObjectMatrix):
    route = "POST /api/v1/violations/{violation_id}/appeal"

    def path(self, world, target):
        return f"/violations/{target.pk}/appeal"

    def payload(self, world, target):
        return {"reason": "打卡机故障"}

    def check_success(self, world, target, response):
        assert response.json()["status"] == "appealing" and response.json()["approval_id"]


class TestViolationAppealPage(_Effective, PageObjectMatrix):
    url_name = "discipline:violation-appeal"
    method = "post"
    success_status = 302

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"reason": "打卡机故障"}
