"""Organisation pages: every one tried by anonymous, no role, in scope, out of scope, other organisation."""

from __future__ import annotations

from django.urls import reverse

from dudao.core.models import AuditEvent
from dudao.core.testing import ApiObjectMatrix, PageListMatrix, PageObjectMatrix
from dudao.org.models import Person, RoleAssignment, Unit
from dudao.org.tests.test_api_people import person_state
from dudao.org.tests.test_api_units import unit_state


class TestHomePage(PageObjectMatrix):
    """Home has no object: every signed-in person gets their own page."""

    url_name = "home"

    def url(self, world, target):
        return reverse("home")

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def test_no_role_is_404(self):
        assert "还没有被授予任何角色" in self.call("no_role", None).content.decode()

    def test_out_of_scope_is_404(self):
        assert self.call(self.out_of_scope, None).status_code == 200

    def test_other_organization_is_404(self):
        text = self.call("b_unit_manager", None).content.decode()
        assert "城东支行" in text and "南京西路店" not in text


class TestTreePage(PageListMatrix):
    url_name = "org:tree"
    in_scope = "region_manager"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def marker(self, target):
        return f">{target.name}</a>"


class TestUnitChildrenFragment(PageObjectMatrix):
    url_name = "org:unit-children"
    in_scope = "region_manager"

    def url(self, world, target):
        return reverse("org:unit-children", args=[target.pk])

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "南京西路店" in text and "淮海路店" in text and "春熙路店" not in text


class TestUnitDetailPage(PageObjectMatrix):
    url_name = "org:unit-detail"
    in_scope = "unit_manager"
    out_of_scope = "other_unit_manager"

    def url(self, world, target):
        return reverse("org:unit-detail", args=[target.pk])

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "南京西路店" in text and "unit_manager" in text
        # A unit manager may look but not change the tree.
        assert reverse("org:unit-edit", args=[target.pk]) not in text


class TestUnitCreatePage(PageObjectMatrix):
    url_name = "org:unit-create"
    out_of_scope = "region_manager"
    refused = ("executive", "ops_manager")

    def url(self, world, target):
        return reverse("org:unit-create") + f"?parent={target.pk}"

    def target(self, world):
        return world.units["east"]

    def other_org_target(self, world):
        return world.units["b_root"]


class TestUnitCreatePost(TestUnitCreatePage):
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"code": "S7", "name": "新开门店", "kind": "store", "parent": target.pk}

    def snapshot(self, world):
        return Unit.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        created = Unit.objects.get(code="S7", organization=world.org)
        assert response["Location"] == reverse("org:unit-detail", args=[created.pk])
        assert created.parent_id == target.pk


class TestUnitEditPage(PageObjectMatrix):
    url_name = "org:unit-edit"
    method = "post"
    success_status = 302
    refused = ("region_manager", "unit_manager", "executive")

    def url(self, world, target):
        return reverse("org:unit-edit", args=[target.pk])

    def data(self, world, target):
        return {"code": target.code, "name": "改名后的店", "kind": "store"}

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def snapshot(self, world):
        return unit_state(world)

    def check_success(self, world, target, response):
        assert world.unit("store1").name == "改名后的店"


class TestUnitMovePage(PageObjectMatrix):
    url_name = "org:unit-move"
    method = "post"
    success_status = 302
    refused = ("region_manager",)

    def url(self, world, target):
        return reverse("org:unit-move", args=[target.pk])

    def data(self, world, target):
        return {"parent": world.units["west"].pk}

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def snapshot(self, world):
        return unit_state(world)

    def check_success(self, world, target, response):
        assert world.unit("store1").parent_id == world.units["west"].pk


class TestPeoplePage(PageListMatrix):
    url_name = "org:people"
    in_scope = "region_manager"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def marker(self, target):
        return f">{target.display_name}</a>"


class TestPersonCreatePage(PageObjectMatrix):
    url_name = "org:person-create"
    method = "post"
    success_status = 302
    out_of_scope = "region_manager"
    other_org_actor = "b_unit_manager"
    refused = ("executive", "ops_manager")

    def url(self, world, target):
        return reverse("org:person-create")

    def data(self, world, target):
        return {"username": "newbie", "display_name": "新员工", "password": "Long-enough-pass-1", "email": ""}

    def target(self, world):
        return world.org

    def other_org_target(self, world):
        return world.other_org

    def snapshot(self, world):
        return Person.objects.count(), AuditEvent.objects.count()

    def check_success(self, world, target, response):
        assert Person.objects.get(username="newbie").organization_id == world.org.pk


class TestPersonDetailPage(PageObjectMatrix):
    url_name = "org:person-detail"
    in_scope = "region_manager"

    def url(self, world, target):
        return reverse("org:person-detail", args=[target.pk])

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]


class TestPersonDeactivatePage(PageObjectMatrix):
    url_name = "org:person-deactivate"
    method = "post"
    success_status = 302
    refused = ("region_manager", "executive")

    def url(self, world, target):
        return reverse("org:person-deactivate", args=[target.pk])

    def data(self, world, target):
        return {"left_on": "2026-03-31"}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert world.person("unit_manager").is_active is False
        assert world.person("unit_manager").left_on.isoformat() == "2026-03-31"


class TestRoleGrantPage(PageObjectMatrix):
    url_name = "org:role-grant"
    method = "post"
    success_status = 302
    refused = ("region_manager",)

    def url(self, world, target):
        return reverse("org:role-grant", args=[target.pk])

    def data(self, world, target):
        return {"role": "supervisor", "unit": world.units["west"].pk}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert RoleAssignment.objects.filter(person=target, role="supervisor", unit=world.units["west"]).exists()


class TestRoleRevokePage(PageObjectMatrix):
    url_name = "org:role-revoke"
    method = "post"
    success_status = 302
    refused = ("region_manager",)

    def url(self, world, target):
        return reverse("org:role-revoke", args=[target.person_id, target.pk])

    def target(self, world):
        return RoleAssignment.objects.get(person=world.people["unit_manager"])

    def other_org_target(self, world):
        return RoleAssignment.objects.get(person=world.people["b_unit_manager"])

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert not RoleAssignment.objects.filter(pk=target.pk).exists()


class TestTokenRevokeMatrix(ApiObjectMatrix):
    """Revoking a token acts on the caller's own token only: there is no one else's to name."""

    route = "DELETE /api/v1/auth/token"
    success_status = 204
    in_scope = "unit_manager"

    def path(self, world, target):
        return "/auth/token"

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def test_no_role_is_404(self):
        assert self.call("no_role", None).status_code == 204

    def test_out_of_scope_is_404(self):
        assert self.call(self.out_of_scope, None).status_code == 204
        # Only the caller's token was revoked.
        assert self.clients["unit_manager"].get("/api/v1/me").status_code == 200

    def test_other_organization_is_404(self):
        assert self.call("b_unit_manager", None).status_code == 204
        assert self.clients["unit_manager"].get("/api/v1/me").status_code == 200

    other_org_actor = "b_unit_manager"


def test_create_form_errors_name_the_field_and_change_nothing(client, world):
    client.force_login(world.people["admin"])
    before = (Unit.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("org:unit-create"), {"code": "S1", "name": "重复编码", "kind": "store",
                                                         "parent": world.units["east"].pk})
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_people_search_answers_htmx_with_the_table_only(client, world):
    client.force_login(world.people["admin"])
    response = client.get(reverse("org:people") + "?q=region", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and ">region_manager</a>" in text and ">unit_manager</a>" not in text
