"""The unit tree over the API: who sees which units, who may change them, and what a move does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.org import services
from dudao.org.choices import UnitKind
from dudao.org.models import Unit


def unit_state(world, key="store1"):
    unit = world.unit(key)
    return (unit.code, unit.name, unit.kind, unit.parent_id, unit.path, Unit.objects.count(), AuditEvent.objects.count())


class TestUnitListMatrix(ApiListMatrix):
    route = "GET /api/v1/units"
    in_scope = "region_manager"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]


class TestUnitGetMatrix(ApiObjectMatrix):
    route = "GET /api/v1/units/{unit_id}"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def path(self, world, target):
        return f"/units/{target.pk}"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def check_success(self, world, target, response):
        assert response.json() == {
            "id": target.pk, "code": "S1", "name": "南京西路店", "kind": "store",
            "parent_id": world.units["east"].pk, "depth": 2, "is_active": True,
            "latitude": None, "longitude": None, "address": "",
        }


class TestUnitCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/units"
    success_status = 201
    refused = ("region_manager", "supervisor", "executive")

    def path(self, world, target):
        return "/units"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def payload(self, world, target):
        return {"code": "S9", "name": "新店", "kind": "store", "parent_id": target.pk}

    def snapshot(self, world):
        return Unit.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        created = Unit.objects.get(pk=response.json()["id"])
        assert created.path == f"{target.path}{created.pk}/"
        assert created.organization_id == world.org.pk
        assert AuditEvent.objects.filter(action="unit.create", object_id=str(created.pk)).count() == 1


class TestUnitUpdateMatrix(ApiObjectMatrix):
    route = "PATCH /api/v1/units/{unit_id}"
    refused = ("region_manager", "unit_manager", "executive")

    def path(self, world, target):
        return f"/units/{target.pk}"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        return {"name": "南京西路旗舰店"}

    def snapshot(self, world):
        return unit_state(world)

    def check_success(self, world, target, response):
        assert response.json()["name"] == "南京西路旗舰店"
        event = AuditEvent.objects.get(action="unit.update")
        assert event.before["name"] == "南京西路店" and event.after["name"] == "南京西路旗舰店"


class TestUnitMoveMatrix(ApiObjectMatrix):
    route = "POST /api/v1/units/{unit_id}/move"
    refused = ("region_manager", "ops_manager")

    def path(self, world, target):
        return f"/units/{target.pk}/move"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        return {"parent_id": world.units["west"].pk}

    def snapshot(self, world):
        return unit_state(world)

    def check_success(self, world, target, response):
        assert response.json()["parent_id"] == world.units["west"].pk
        assert world.unit("store1").path == f"{world.units['west'].path}{target.pk}/"


# --- behaviour -------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, world):
    client.force_login(world.people["admin"])
    return client


def api_post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_create_refuses_bad_input_naming_the_field_and_changes_nothing(admin_client, world):
    before = (Unit.objects.count(), AuditEvent.objects.count())
    response = api_post(admin_client, "/api/v1/units", {"code": "", "name": "x", "kind": "store",
                                                        "parent_id": world.units["east"].pk})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "code" in response.json()["detail"]["fields"]
    response = api_post(admin_client, "/api/v1/units", {"code": "X", "name": "x", "kind": "planet",
                                                        "parent_id": world.units["east"].pk})
    assert response.status_code == 422 and "kind" in response.json()["detail"]["fields"]
    response = api_post(admin_client, "/api/v1/units", {"code": "S2", "name": "重复", "kind": "store",
                                                        "parent_id": world.units["east"].pk})
    assert response.status_code == 422, response.json()
    assert "S2" not in response.json()["message"] or "code" in response.json()["message"].lower()
    response = api_post(admin_client, "/api/v1/units", {"code": "S8", "name": "店下店", "kind": "store",
                                                        "parent_id": world.units["store1"].pk})
    assert response.status_code == 422 and "parent_id" in response.json()["detail"]["fields"]
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_the_same_code_may_exist_in_another_organisation(admin_client, world):
    response = api_post(admin_client, "/api/v1/units", {"code": "B1", "name": "同码门店", "kind": "store",
                                                        "parent_id": world.units["east"].pk})
    assert response.status_code == 201


def test_moving_a_region_rewrites_every_path_below_it(world):
    admin = world.person("admin")
    sub = services.unit_create(actor=admin, parent=world.units["east"], code="E-N", name="华东北片",
                               kind=UnitKind.REGION)
    store = services.unit_create(actor=admin, parent=sub, code="S10", name="苏州店", kind=UnitKind.STORE)
    services.unit_move(actor=admin, unit=world.unit("east"), new_parent=world.unit("center"))
    east = world.unit("east")
    store.refresh_from_db()
    assert east.path == f"{world.units['center'].path}{east.pk}/"
    assert store.path == f"{east.path}{sub.pk}/{store.pk}/"
    assert store.depth == 4
    assert world.unit("store1").path.startswith(east.path)
    # The region manager of east still sees exactly their subtree.
    visible = set(Unit.objects.visible_to(world.person("region_manager")).values_list("code", flat=True))
    assert visible == {"E", "S1", "S2", "E-N", "S10"}


def test_a_unit_cannot_move_under_itself(admin_client, world):
    before = unit_state(world, "east")
    response = api_post(admin_client, f"/api/v1/units/{world.units['east'].pk}/move",
                        {"parent_id": world.units["east"].pk})
    assert response.status_code == 422 and "parent_id" in response.json()["detail"]["fields"]
    assert unit_state(world, "east") == before


def test_unit_list_query_count_does_not_grow_with_page_size(admin_client, world):
    admin = world.person("admin")
    for number in range(45):
        services.unit_create(actor=admin, parent=world.units["west"], code=f"W{number}", name=f"门店{number}",
                             kind=UnitKind.STORE)
    counts = []
    for limit in (5, 50):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(f"/api/v1/units?limit={limit}")
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # session, person with organisation, roles, count, page, and the session renewal
    # (savepoint, update, release): pinned, a new query here is a regression.
    assert counts[0] == 8, counts


def test_unit_page_links(world):
    assert reverse("org:unit-detail", args=[world.units["store1"].pk]).startswith("/org/units/")
