"""Accounts over the API: an administrator's password reset, changing my password, leaving dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiClient, ApiObjectMatrix
from dudao.org import services
from dudao.org.models import ApiToken
from dudao.org.testing import PASSWORD
from dudao.org.tests.test_api_people import person_state

NEW_PASSWORD = "Fresh-start-pass-77"


class TestPersonPasswordResetMatrix(ApiObjectMatrix):
    route = "POST /api/v1/people/{person_id}/password"
    refused = ("region_manager", "executive", "supervisor", "unit_manager")

    def path(self, world, target):
        return f"/people/{target.pk}/password"

    def payload(self, world, target):
        return {"password": "Temporary-pass-2026"}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        assert response.json()["must_change_password"] is True
        person = world.person("unit_manager")
        assert person.check_password("Temporary-pass-2026") and person.must_change_password
        event = AuditEvent.objects.get(action="person.password_reset", object_id=str(target.pk))
        assert event.actor_id == world.people["admin"].pk
        assert "Temporary-pass-2026" not in str(event.after) and "password" not in (event.after or {})


class TestMyPasswordChangeMatrix(ApiObjectMatrix):
    """No object: every signed-in person changes their own password, nobody anyone else's."""

    route = "POST /api/v1/me/password"
    success_status = 204
    in_scope = "unit_manager"
    other_org_actor = "b_unit_manager"

    def path(self, world, target):
        return "/me/password"

    def payload(self, world, target):
        return {"old_password": PASSWORD, "new_password": NEW_PASSWORD}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def _changes_only_own(self, actor_key):
        before = person_state(self.world)  # unit_manager, who is not the caller
        assert self.call(actor_key, None).status_code == 204
        assert self.world.person(actor_key).check_password(NEW_PASSWORD)
        assert person_state(self.world)[:9] == before[:9]

    def test_no_role_is_404(self):
        self._changes_only_own("no_role")

    def test_out_of_scope_is_404(self):
        self._changes_only_own(self.out_of_scope)

    def test_other_organization_is_404(self):
        self._changes_only_own("b_unit_manager")

    def check_success(self, world, target, response):
        person = world.person("unit_manager")
        assert person.check_password(NEW_PASSWORD) and not person.must_change_password
        assert AuditEvent.objects.filter(action="person.password_change", object_id=str(person.pk)).exists()


# --- administrator's reset -------------------------------------------------------------------
def test_reset_ends_sessions_and_tokens_and_forces_a_change_before_anything_else(live_world, api_for, client):
    person = live_world.person("unit_manager")
    old_token = api_for(person)
    client.post("/login/", {"username": "unit_manager", "password": PASSWORD})
    assert client.get("/org/").status_code == 200
    assert old_token.get("/api/v1/units").status_code == 200

    admin = api_for(live_world.person("admin"))
    response = admin.post(f"/api/v1/people/{person.pk}/password", json={"password": "Temporary-pass-2026"})
    assert response.status_code == 200, response.text

    # Every session and token the person had is over.
    assert old_token.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.filter(person=person, revoked_at__isnull=True).count() == 0
    response = client.get("/org/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")

    # Signing in with the temporary password gives a token that can only ask who it is and change it.
    anonymous = ApiClient(admin.base_url)
    raw = anonymous.post("/api/v1/auth/token", json={"username": "unit_manager",
                                                      "password": "Temporary-pass-2026"}).json()["token"]
    own = ApiClient(admin.base_url, raw)
    for path in ("/api/v1/units", "/api/v1/people", "/api/v1/findings"):
        refused = own.get(path)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["code"] == "password_change_required"
    assert own.get("/api/v1/me").status_code == 200
    changed = own.post("/api/v1/me/password", json={"old_password": "Temporary-pass-2026",
                                                    "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    # The token it was changed with stays, and now opens everything again.
    assert own.get("/api/v1/units").status_code == 200
    assert live_world.person("unit_manager").must_change_password is False


def test_reset_with_a_weak_password_names_the_field_and_changes_nothing(live_world, api_for):
    admin = api_for(live_world.person("admin"))
    target = live_world.person("unit_manager")
    before = person_state(live_world)
    response = admin.post(f"/api/v1/people/{target.pk}/password", json={"password": "12345678"})
    assert response.status_code == 422
    assert list(response.json()["detail"]["fields"]) == ["password"]
    assert person_state(live_world) == before


def test_an_admin_cannot_reset_their_own_password_here(world):
    admin = world.person("admin")
    before = person_state(world, "admin")
    with pytest.raises(ApplicationError) as refused:
        services.person_password_reset(actor=admin, person=admin, password="Temporary-pass-2026")
    assert refused.value.code == "validation_error"
    assert person_state(world, "admin") == before


# --- my password -----------------------------------------------------------------------------
def test_wrong_old_password_is_422_naming_old_password_and_nothing_changes(live_world, api_for):
    me = api_for(live_world.person("supervisor"))
    before = person_state(live_world, "supervisor")
    response = me.post("/api/v1/me/password", json={"old_password": "not-it", "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert list(response.json()["detail"]["fields"]) == ["old_password"]
    assert person_state(live_world, "supervisor") == before


def test_weak_new_password_is_422_naming_new_password(live_world, api_for):
    me = api_for(live_world.person("supervisor"))
    before = person_state(live_world, "supervisor")
    response = me.post("/api/v1/me/password", json={"old_password": PASSWORD, "new_password": "supervisor1"})
    assert response.status_code == 422
    assert list(response.json()["detail"]["fields"]) == ["new_password"]
    assert person_state(live_world, "supervisor") == before


def test_change_keeps_the_calling_token_and_ends_the_other_tokens_and_sessions(live_world, api_for, client):
    person = live_world.person("supervisor")
    other_token = api_for(person)
    client.post("/login/", {"username": "supervisor", "password": PASSWORD})
    assert client.get("/org/").status_code == 200
    me = api_for(person)
    assert me.post("/api/v1/me/password", json={"old_password": PASSWORD,
                                                "new_password": NEW_PASSWORD}).status_code == 204
    assert me.get("/api/v1/me").status_code == 200
    assert other_token.get("/api/v1/me").status_code == 401
    assert client.get("/org/").status_code == 302
    event = AuditEvent.objects.get(action="person.password_change", object_id=str(person.pk))
    assert event.after == {"was_required": False, "tokens_revoked": 1, "sessions_ended": 1}


def test_change_through_the_session_keeps_that_session(world, client):
    client.post("/login/", {"username": "supervisor", "password": PASSWORD})
    response = client.post("/api/v1/me/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                           content_type="application/json")
    assert response.status_code == 204, response.content
    assert client.get("/org/").status_code == 200
    assert world.person("supervisor").check_password(NEW_PASSWORD)


# --- edit ------------------------------------------------------------------------------------
def test_patch_takes_exactly_display_name_and_email(live_world, api_for):
    admin = api_for(live_world.person("admin"))
    target = live_world.person("unit_manager")
    response = admin.patch(f"/api/v1/people/{target.pk}",
                           json={"email": "store@example.com", "password": "Sneaky-new-pass-1"})
    assert response.status_code == 200, response.text
    person = live_world.person("unit_manager")
    assert person.email == "store@example.com" and person.display_name == "unit_manager"
    assert person.check_password(PASSWORD)  # a password is not a field of this endpoint


def test_patch_with_a_bad_email_names_it_and_changes_nothing(live_world, api_for):
    admin = api_for(live_world.person("admin"))
    target = live_world.person("unit_manager")
    before = person_state(live_world)
    response = admin.patch(f"/api/v1/people/{target.pk}", json={"email": "not an address"})
    assert response.status_code == 422
    assert "email" in response.json()["detail"]["fields"]
    assert person_state(live_world) == before


# --- deactivation ----------------------------------------------------------------------------
def test_leaving_date_far_ahead_is_refused_naming_left_on(live_world, api_for):
    admin = api_for(live_world.person("admin"))
    target = live_world.person("unit_manager")
    before = person_state(live_world)
    far = timezone.localdate() + dt.timedelta(days=services.LEFT_ON_MAX_AHEAD_DAYS + 1)
    response = admin.post(f"/api/v1/people/{target.pk}/deactivate", json={"left_on": far.isoformat()})
    assert response.status_code == 422
    assert list(response.json()["detail"]["fields"]) == ["left_on"]
    assert person_state(live_world) == before
    missing = admin.post(f"/api/v1/people/{target.pk}/deactivate", json={})
    assert missing.status_code == 422 and "left_on" in missing.json()["detail"]["fields"]
    assert person_state(live_world) == before


def test_deactivation_stores_the_leaving_date_and_ends_sessions_and_tokens(live_world, api_for):
    person = live_world.person("unit_manager")
    own = api_for(person)
    admin = api_for(live_world.person("admin"))
    soon = timezone.localdate() + dt.timedelta(days=services.LEFT_ON_MAX_AHEAD_DAYS)
    response = admin.post(f"/api/v1/people/{person.pk}/deactivate", json={"left_on": soon.isoformat()})
    assert response.status_code == 200, response.text
    assert response.json()["left_on"] == soon.isoformat()
    assert own.get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="person.deactivate", object_id=str(person.pk))
    assert event.before["left_on"] is None and event.after["left_on"] == soon.isoformat()
    assert event.after["tokens_revoked"] == 1
    listed = admin.get(f"/api/v1/people/{person.pk}").json()
    assert listed["left_on"] == soon.isoformat() and listed["is_active"] is False
