"""Permission-matrix base classes: every endpoint and page is tried by five kinds of caller.

A concrete test class names its route and supplies data; the base class supplies the tests:

- anonymous: API 401, page redirect to sign-in;
- authenticated without any role: 404 (object) or absent from the list;
- in scope: success;
- out of scope (same organisation, no access to the object): 404 or absent;
- other organisation: 404 or absent.

Actors are keys of `World.people` (see dudao/org/testing.py). A class may also name `refused`:
actors who see the object but may not perform this action; they get 404 and nothing changes.
`test_every_route_has_a_matrix` (dudao/core/tests) fails when a route has no class here.
"""

from __future__ import annotations

import pytest

API_PREFIX = "/api/v1"


def all_matrix_classes() -> list[type]:
    found: list[type] = []
    stack = [ApiObjectMatrix, ApiListMatrix, PageObjectMatrix, PageListMatrix]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.route_key():
                found.append(sub)
    return found


class _Matrix:
    route: str = ""
    in_scope: str = "admin"
    out_of_scope: str = "other_region_manager"
    other_org_actor: str | None = None  # default: the in-scope actor asking for another org's object
    refused: tuple[str, ...] = ()

    @classmethod
    def route_key(cls) -> str:
        """What the class covers: "METHOD /api/v1/path" for the API, "namespace:name" for pages."""
        return cls.route

    def target(self, world):
        """The object the call is about, in the in-scope actor's scope."""
        raise NotImplementedError

    def other_org_target(self, world):
        """An object of the same kind in the other organisation."""
        raise NotImplementedError

    def out_of_scope_target(self, world):
        """By default the same target, asked for by `out_of_scope` who cannot see it."""
        return self.target(world)

    def snapshot(self, world):
        """Something that must not change when a call is refused (e.g. the row's values)."""
        return None


# --- API -------------------------------------------------------------------------------------
class _ApiMatrix(_Matrix):
    @pytest.fixture(autouse=True)
    def _api_setup(self, live_world, api_for):
        self.world = live_world
        self.api_for = api_for
        # Tokens are issued (and audited) up front, so snapshots taken in a test see only the call.
        actors = {None, "no_role", self.in_scope, self.out_of_scope, self.other_org_actor, *self.refused}
        self.clients = {key: api_for(live_world.people[key] if key else None) for key in actors}

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    def path(self, world, target) -> str:
        raise NotImplementedError

    def payload(self, world, target):
        return None

    def call(self, actor_key: str | None, target):
        return self.clients[actor_key].request(self.method, API_PREFIX + self.path(self.world, target),
                              json=self.payload(self.world, target))

    def test_anonymous_is_401(self):
        before = self.snapshot(self.world)
        response = self.call(None, self.target(self.world))
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "authentication_failed"
        assert self.snapshot(self.world) == before


class ApiObjectMatrix(_ApiMatrix):
    success_status = 200

    def check_success(self, world, target, response) -> None:
        """Further assertions on a successful call (override)."""

    def test_no_role_is_404(self):
        before = self.snapshot(self.world)
        response = self.call("no_role", self.target(self.world))
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found"
        assert self.snapshot(self.world) == before

    def test_out_of_scope_is_404(self):
        before = self.snapshot(self.world)
        response = self.call(self.out_of_scope, self.out_of_scope_target(self.world))
        assert response.status_code == 404, response.text
        assert self.snapshot(self.world) == before

    def test_other_organization_is_404(self):
        before = self.snapshot(self.world)
        response = self.call(self.other_org_actor or self.in_scope, self.other_org_target(self.world))
        assert response.status_code == 404, response.text
        assert self.snapshot(self.world) == before

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            before = self.snapshot(self.world)
            response = self.call(actor, self.target(self.world))
            assert response.status_code == 404, f"{actor}: {response.status_code} {response.text}"
            assert self.snapshot(self.world) == before, actor

    def test_in_scope_succeeds(self):
        target = self.target(self.world)
        response = self.call(self.in_scope, target)
        assert response.status_code == self.success_status, response.text
        self.check_success(self.world, target, response)


class ApiListMatrix(_ApiMatrix):
    """A list endpoint: the target must be listed for the in-scope actor and for nobody else."""

    def path(self, world, target) -> str:
        return self.route.split(" ", 1)[1].removeprefix(API_PREFIX)

    def ids(self, response) -> set:
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= {"items", "count"}
        return {item["id"] for item in body["items"]}

    def test_no_role_does_not_list_it(self):
        assert self.target(self.world).pk not in self.ids(self.call("no_role", self.target(self.world)))

    def test_in_scope_lists_it(self):
        assert self.target(self.world).pk in self.ids(self.call(self.in_scope, self.target(self.world)))

    def test_out_of_scope_does_not_list_it(self):
        target = self.out_of_scope_target(self.world)
        assert target.pk not in self.ids(self.call(self.out_of_scope, target))

    def test_other_organization_is_not_listed(self):
        target = self.other_org_target(self.world)
        assert target.pk not in self.ids(self.call(self.other_org_actor or self.in_scope, target))


# --- pages -----------------------------------------------------------------------------------
class _PageMatrix(_Matrix):
    method = "get"
    url_name: str = ""

    @classmethod
    def route_key(cls) -> str:
        return cls.url_name

    @pytest.fixture(autouse=True)
    def _page_setup(self, world, client):
        self.world = world
        self.client = client

    def url(self, world, target) -> str:
        raise NotImplementedError

    def data(self, world, target):
        return None

    def call(self, actor_key: str | None, target):
        self.client.logout()
        if actor_key:
            self.client.force_login(self.world.people[actor_key])
        url = self.url(self.world, target)
        if self.method == "post":
            return self.client.post(url, self.data(self.world, target) or {})
        return self.client.get(url)

    def test_anonymous_is_sent_to_sign_in(self):
        before = self.snapshot(self.world)
        response = self.call(None, self.target(self.world))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert self.snapshot(self.world) == before


class PageObjectMatrix(_PageMatrix):
    success_status = 200

    def check_success(self, world, target, response) -> None:
        """Further assertions on a successful call (override)."""

    def test_no_role_is_404(self):
        before = self.snapshot(self.world)
        assert self.call("no_role", self.target(self.world)).status_code == 404
        assert self.snapshot(self.world) == before

    def test_out_of_scope_is_404(self):
        before = self.snapshot(self.world)
        assert self.call(self.out_of_scope, self.out_of_scope_target(self.world)).status_code == 404
        assert self.snapshot(self.world) == before

    def test_other_organization_is_404(self):
        before = self.snapshot(self.world)
        response = self.call(self.other_org_actor or self.in_scope, self.other_org_target(self.world))
        assert response.status_code == 404
        assert self.snapshot(self.world) == before

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            before = self.snapshot(self.world)
            assert self.call(actor, self.target(self.world)).status_code == 404, actor
            assert self.snapshot(self.world) == before, actor

    def test_in_scope_succeeds(self):
        target = self.target(self.world)
        response = self.call(self.in_scope, target)
        assert response.status_code == self.success_status, response.content[:500]
        self.check_success(self.world, target, response)


class PageFormMatrix(PageObjectMatrix):
    """A page that makes something new (a "new ..." form): no object in its URL. Its "other
    organisation" check is that the form offers nothing of another organisation: `other_org_marker`
    (a unit or organisation name there) never shows to the in-scope actor."""

    other_org_marker = "城东支行"

    def target(self, world):
        return None

    def other_org_target(self, world):
        return None

    def url(self, world, target) -> str:
        from django.urls import reverse

        return reverse(self.url_name)

    def test_other_organization_is_404(self):
        assert self.other_org_marker not in self.call(self.in_scope, None).content.decode()


class PageListMatrix(_PageMatrix):
    """A list page: the target's marker text shows for the in-scope actor only."""

    def marker(self, target) -> str:
        return str(target)

    def url(self, world, target) -> str:
        from django.urls import reverse

        return reverse(self.url_name)

    def text(self, actor_key, target) -> str:
        response = self.call(actor_key, target)
        assert response.status_code == 200
        return response.content.decode()

    def test_no_role_does_not_see_it(self):
        assert self.marker(self.target(self.world)) not in self.text("no_role", self.target(self.world))

    def test_in_scope_sees_it(self):
        assert self.marker(self.target(self.world)) in self.text(self.in_scope, self.target(self.world))

    def test_out_of_scope_does_not_see_it(self):
        target = self.out_of_scope_target(self.world)
        assert self.marker(target) not in self.text(self.out_of_scope, target)

    def test_other_organization_does_not_see_it(self):
        target = self.other_org_target(self.world)
        assert self.marker(target) not in self.text(self.other_org_actor or self.in_scope, target)
