"""The discipline API over real HTTP: permission matrices, the contract's fields, a retried create."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix
from dudao.discipline import services
from dudao.discipline.models import Violation

WHEN = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
YEAR = timezone.localtime(WHEN).year


def violation(world, *, unit="store1", handler="unit_manager", party="staff", witness="supervisor"):
    found = Violation.objects.filter(unit=world.units[unit], person=world.people[party]).first()
    if found is not None:
        return found
    made, _created = services.violation_create(
        actor=world.person(handler), person=world.person(party), unit=world.unit(unit), kind="late",
        occurred_at=WHEN, witness=world.person(witness))
    return made


def other_org_violation(world):
    from dudao.org.services import role_grant
    from dudao.org.testing import make_person

    if not Violation.objects.filter(organization=world.other_org).exists():
        teller = make_person(world.other_org, "b_teller")
        role_grant(actor=world.person("b_admin"), person=teller, role="staff", unit=world.unit("b_branch"))
        witness = make_person(world.other_org, "b_witness")
        services.violation_create(actor=world.person("b_unit_manager"), person=teller, unit=world.unit("b_branch"),
                                  kind="late", occurred_at=WHEN, witness=witness)
    return Violation.objects.get(organization=world.other_org)


def state():
    return (list(Violation.objects.order_by("pk").values_list("status", "party_confirmed_at", "witness_confirmed_at")),
            AuditEvent.objects.count())


class TestViolationCreate(ApiObjectMatrix):
    route = "POST /api/v1/violations"
    success_status = 201
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"
    refused = ("finance", "staff")

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/violations"

    def payload(self, world, target):
        return {"person_id": self.world.people["staff"].pk, "unit_id": target.pk, "kind": "late",
                "occurred_at": WHEN.isoformat(), "witness_id": self.world.people["supervisor"].pk,
                "description": "迟到 12 分钟", "card": "blue"}

    def snapshot(self, world):
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "pending" and body["confirmed"] == {"party": False, "witness": False, "handler": True}
        assert body["fine"] == "0.00" and body["card"] == "blue"


class TestViolationList(ApiListMatrix):
    route = "GET /api/v1/violations"

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)


class TestViolationDetail(ApiObjectMatrix):
    route = "GET /api/v1/violations/{violation_id}"
    in_scope = "staff"  # the party reads what they are asked to sign

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)

    def path(self, world, target):
        return f"/violations/{target.pk}"


class TestViolationConfirm(ApiObjectMatrix):
    route = "POST /api/v1/violations/{violation_id}/confirm"
    in_scope = "staff"
    refused = ("region_manager", "ops_manager")  # they see it, but only the three sign

    def target(self, world):
        return violation(world)

    def other_org_target(self, world):
        return other_org_violation(world)

    def path(self, world, target):
        return f"/violations/{target.pk}/confirm"

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        assert response.json()["confirmed"] == {"party": True, "witness": False, "handler": True}


class TestPersonDiscipline(ApiObjectMatrix):
    route = "GET /api/v1/people/{person_id}/discipline"
    in_scope = "staff"  # their own year
    out_of_scope = "other_unit_manager"

    def target(self, world):
        violation(world)
        return world.people["staff"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def path(self, world, target):
        return f"/people/{target.pk}/discipline?year={YEAR}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["late"] == 0 and body["penalties"] == 0  # pending: not counted yet
        assert set(body) >= {"early_leave", "absence", "absence_from_lates", "fines_total", "cards",
                             "year_end_bonus_forfeited", "reasons"}


def test_the_same_client_id_twice_records_one_violation(live_world, api_for):
    world = live_world
    api = api_for(world.person("unit_manager"))
    payload = {"person_id": world.people["staff"].pk, "unit_id": world.units["store1"].pk, "kind": "absence",
               "occurred_at": WHEN.isoformat(), "witness_id": world.people["supervisor"].pk, "client_id": "c-1"}
    first = api.post(API_PREFIX + "/violations", json=payload)
    second = api.post(API_PREFIX + "/violations", json=payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and Violation.objects.count() == 1


def test_a_bad_kind_names_the_field_and_records_nothing(live_world, api_for):
    world = live_world
    api = api_for(world.person("unit_manager"))
    before = state()
    response = api.post(API_PREFIX + "/violations", json={
        "person_id": world.people["staff"].pk, "unit_id": world.units["store1"].pk, "kind": "nap",
        "occurred_at": WHEN.isoformat(), "witness_id": world.people["supervisor"].pk})
    assert response.status_code == 422 and "kind" in response.json()["detail"]["fields"]
    assert state() == before
