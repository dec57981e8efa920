"""People and roles over the API: only admins manage them, everyone sees only their scope."""

from __future__ import annotations

from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.org.models import ApiToken, Person, RoleAssignment


def person_state(world, key="unit_manager"):
    person = world.person(key)
    roles = sorted(RoleAssignment.objects.filter(person=person).values_list("role", "unit_id"))
    return (person.display_name, person.email, person.phone, person.is_active, person.password, person.left_on,
            person.must_change_password, person.session_stamp, roles, Person.objects.count(),
            ApiToken.objects.filter(revoked_at__isnull=True).count(), AuditEvent.objects.count())


class TestPersonListMatrix(ApiListMatrix):
    route = "GET /api/v1/people"
    in_scope = "region_manager"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]


class TestPersonGetMatrix(ApiObjectMatrix):
    route = "GET /api/v1/people/{person_id}"
    in_scope = "supervisor"

    def path(self, world, target):
        return f"/people/{target.pk}"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def check_success(self, world, target, response):
        body = response.json()
        assert body["username"] == "unit_manager"
        assert body["roles"] == [{"id": body["roles"][0]["id"], "role": "unit_manager",
                                  "unit_id": world.units["store1"].pk, "unit_name": "南京西路店"}]
        assert "password" not in body


class TestPersonCreateMatrix(ApiObjectMatrix):
    """Creating a person has no object in scope; only the admin may, others get 404 (not 403)."""

    route = "POST /api/v1/people"
    success_status = 201
    out_of_scope = "region_manager"
    other_org_actor = "b_admin"
    refused = ("executive", "ops_manager", "unit_manager")

    def path(self, world, target):
        return "/people"

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def payload(self, world, target):
        return {"username": "new_person", "display_name": "新人", "password": "Long-enough-pass-1",
                "email": "new@example.com"}

    def snapshot(self, world):
        return Person.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        created = Person.objects.get(pk=response.json()["id"])
        assert created.organization_id == world.org.pk
        assert created.check_password("Long-enough-pass-1")
        assert AuditEvent.objects.filter(action="person.create", object_id=str(created.pk)).exists()
        assert "password" not in AuditEvent.objects.get(action="person.create", object_id=str(created.pk)).after

    def test_other_organization_is_404(self):
        # The other organisation's admin creates people in their own organisation only.
        response = self.call("b_admin", self.world.other_org)
        assert response.status_code == 201
        assert Person.objects.get(pk=response.json()["id"]).organization_id == self.world.other_org.pk

    def test_out_of_scope_is_404(self):
        before = self.snapshot(self.world)
        assert self.call("region_manager", self.world.org).status_code == 404
        assert self.snapshot(self.world) == before


class TestPersonUpdateMatrix(ApiObjectMatrix):
    route = "PATCH /api/v1/people/{person_id}"
    refused = ("region_manager", "supervisor", "unit_manager")

    def path(self, world, target):
        return f"/people/{target.pk}"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def payload(self, world, target):
        return {"display_name": "新名字", "email": "renamed@example.com"}

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert response.json()["display_name"] == "新名字"
        assert response.json()["email"] == "renamed@example.com"
        event = AuditEvent.objects.filter(action="person.update", object_id=str(target.pk)).last()
        assert event.before["display_name"] == "unit_manager" and event.after["display_name"] == "新名字"
        assert event.before["email"] == "unit_manager@example.com"
        assert event.after["email"] == "renamed@example.com"


class TestPersonDeactivateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/people/{person_id}/deactivate"
    refused = ("region_manager", "executive")

    def path(self, world, target):
        return f"/people/{target.pk}/deactivate"

    def payload(self, world, target):
        return {"left_on": "2026-03-31"}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert response.json()["is_active"] is False
        assert response.json()["left_on"] == "2026-03-31"
        assert world.person("unit_manager").left_on.isoformat() == "2026-03-31"


class TestPersonRolesMatrix(ApiObjectMatrix):
    route = "GET /api/v1/people/{person_id}/roles"
    in_scope = "region_manager"

    def path(self, world, target):
        return f"/people/{target.pk}/roles"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def check_success(self, world, target, response):
        assert [(r["role"], r["unit_id"]) for r in response.json()] == [("unit_manager", world.units["store1"].pk)]


class TestRoleGrantMatrix(ApiObjectMatrix):
    route = "POST /api/v1/people/{person_id}/roles"
    success_status = 201
    refused = ("region_manager", "ops_manager", "executive")

    def path(self, world, target):
        return f"/people/{target.pk}/roles"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def payload(self, world, target):
        unit = world.units["store2"] if target.organization_id == world.org.pk else world.units["b_branch"]
        return {"role": "unit_manager", "unit_id": unit.pk}

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert response.json()["unit_id"] == world.units["store2"].pk
        assert world.person("unit_manager").scope_paths(None) == sorted(
            [world.units["store1"].path, world.units["store2"].path])


class TestRoleRevokeMatrix(ApiObjectMatrix):
    route = "DELETE /api/v1/people/{person_id}/roles/{assignment_id}"
    success_status = 204
    refused = ("region_manager", "executive")

    def path(self, world, target):
        return f"/people/{target.person_id}/roles/{target.pk}"

    def target(self, world):
        return RoleAssignment.objects.get(person=world.people["unit_manager"])

    def other_org_target(self, world):
        return RoleAssignment.objects.get(person=world.people["b_unit_manager"])

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert not RoleAssignment.objects.filter(pk=target.pk).exists()
        assert AuditEvent.objects.filter(action="role.revoke", object_id=str(target.pk)).exists()


class TestMeMatrix(ApiObjectMatrix):
    """`me` has no object: everyone signed in gets themselves, anonymous gets 401."""

    route = "GET /api/v1/me"

    def path(self, world, target):
        return "/me"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    in_scope = "unit_manager"

    def test_no_role_is_404(self):
        body = self.call("no_role", None).json()
        assert body["username"] == "no_role" and body["roles"] == []

    def test_out_of_scope_is_404(self):
        assert self.call(self.out_of_scope, None).json()["username"] == self.out_of_scope

    def test_other_organization_is_404(self):
        body = self.call("b_unit_manager", None).json()
        assert body["organization_id"] == self.world.other_org.pk

    def check_success(self, world, target, response):
        assert response.json() == {
            "id": target.pk, "username": "unit_manager", "display_name": "unit_manager",
            "organization_id": world.org.pk,
            "roles": [{"role": "unit_manager", "unit_id": world.units["store1"].pk}],
        }

    other_org_actor = "b_unit_manager"


def test_weak_password_is_refused_naming_the_field(client, world):
    client.force_login(world.people["admin"])
    before = (Person.objects.count(), AuditEvent.objects.count())
    response = client.post("/api/v1/people", {"username": "weak", "display_name": "弱", "password": "12345678"},
                           content_type="application/json")
    assert response.status_code == 422
    assert "password" in response.json()["detail"]["fields"]
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_duplicate_username_is_refused_naming_the_field(client, world):
    client.force_login(world.people["admin"])
    response = client.post("/api/v1/people", {"username": "b_admin", "display_name": "重名",
                                              "password": "Long-enough-pass-1"}, content_type="application/json")
    assert response.status_code == 422
    assert "username" in response.json()["detail"]["fields"]


def test_people_list_query_count_is_pinned(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.people["admin"])
    counts = []
    for limit in (2, 10):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/people?limit={limit}")
        assert len(response.json()["items"]) == limit
        counts.append(len(ctx.captured_queries))
    # session, person, roles, count, page, prefetched roles with units, session renewal (3)
    assert counts == [9, 9], counts
