"""The inbox over the API: each person reads and marks only their own notifications; anyone else's is 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.notifications.models import Notification

from .helpers import note_for

ITEM_FIELDS = {"id", "kind", "title", "object_type", "object_id", "created_at", "read_at"}


def read_state():
    """Which notifications are read, and when (targets made during a test are unread)."""
    return sorted(Notification.objects.filter(read_at__isnull=False).values_list("id", "read_at"))


class _OwnNotification:
    """The target is the in-scope person's own notification; `admin` (who sees everything else) is out of scope."""

    in_scope = "unit_manager"
    out_of_scope = "admin"
    refused = ("supervisor", "region_manager", "executive", "staff")

    def target(self, world):
        return note_for(world, "unit_manager")

    def other_org_target(self, world):
        return note_for(world, "b_unit_manager", unit="b_branch")

    def snapshot(self, world):
        return read_state()


class TestNotificationListMatrix(_OwnNotification, ApiListMatrix):
    route = "GET /api/v1/notifications"


class TestNotificationGetMatrix(_OwnNotification, ApiObjectMatrix):
    route = "GET /api/v1/notifications/{notification_id}"

    def path(self, world, target):
        return f"/notifications/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert set(body) == ITEM_FIELDS | {"body", "url"}
        assert body["id"] == target.pk and body["kind"] == "finding.assigned"
        assert body["object_type"] == "org.unit" and body["object_id"] == str(world.units["store1"].pk)
        assert body["url"] == f"/org/units/{world.units['store1'].pk}/"
        assert body["body"] == "· 地面湿滑\n· 灭火器过期"
        assert body["read_at"] is None  # reading the detail does not mark it read
        assert Notification.objects.get(pk=target.pk).read_at is None


class TestNotificationReadMatrix(_OwnNotification, ApiObjectMatrix):
    route = "POST /api/v1/notifications/{notification_id}/read"

    def path(self, world, target):
        return f"/notifications/{target.pk}/read"

    def check_success(self, world, target, response):
        body = response.json()
        assert set(body) == ITEM_FIELDS
        stored = Notification.objects.get(pk=target.pk)
        assert stored.read_at is not None and body["read_at"] is not None
        # everything else stays unread
        assert Notification.objects.filter(read_at__isnull=False).count() == 1


class TestNotificationReadAllMatrix(_OwnNotification, ApiObjectMatrix):
    """Everyone signed in owns an inbox: others are not refused, they mark their own (empty) inbox."""

    route = "POST /api/v1/notifications/read-all"
    other_org_actor = "b_admin"

    def path(self, world, target):
        return "/notifications/read-all"

    def _marks_nothing_of_the_target(self, actor, target):
        before = self.snapshot(self.world)
        response = self.call(actor, target)
        assert response.status_code == 200, response.text
        assert response.json() == {"count": 0}
        assert self.snapshot(self.world) == before
        assert Notification.objects.get(pk=target.pk).read_at is None

    def test_no_role_is_404(self):
        self._marks_nothing_of_the_target("no_role", self.target(self.world))

    def test_out_of_scope_is_404(self):
        self._marks_nothing_of_the_target(self.out_of_scope, self.target(self.world))

    def test_other_organization_is_404(self):
        target = self.target(self.world)
        self.other_org_target(self.world)
        self._marks_nothing_of_the_target("b_admin", target)
        assert Notification.objects.get(recipient=self.world.people["b_unit_manager"]).read_at is None

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            self._marks_nothing_of_the_target(actor, self.target(self.world))

    def check_success(self, world, target, response):
        assert response.json() == {"count": 1}
        assert Notification.objects.get(pk=target.pk).read_at is not None


# --- behaviour -----------------------------------------------------------------------------------
def test_the_list_has_exactly_the_contract_fields_newest_first(live_world, api_for):
    world = live_world
    older = note_for(world, "unit_manager", unit="store1")
    newer = note_for(world, "unit_manager", unit="store2")
    body = api_for(world.people["unit_manager"]).get("/api/v1/notifications").json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    assert all(set(item) == ITEM_FIELDS for item in body["items"])


def test_unread_filter_and_marking(live_world, api_for):
    world = live_world
    client = api_for(world.people["unit_manager"])
    first = note_for(world, "unit_manager", unit="store1")
    second = note_for(world, "unit_manager", unit="store2")
    assert client.post(f"/api/v1/notifications/{first.pk}/read").status_code == 200
    unread = client.get("/api/v1/notifications", params={"unread": "true"}).json()
    assert [item["id"] for item in unread["items"]] == [second.pk] and unread["count"] == 1
    read = client.get("/api/v1/notifications", params={"unread": "false"}).json()
    assert [item["id"] for item in read["items"]] == [first.pk]
    assert client.post("/api/v1/notifications/read-all").json() == {"count": 1}
    assert client.get("/api/v1/notifications", params={"unread": "true"}).json() == {"items": [], "count": 0}


def test_pagination(live_world, api_for):
    world = live_world
    for unit in ("store1", "store2", "store3", "east"):
        note_for(world, "unit_manager", unit=unit)
    client = api_for(world.people["unit_manager"])
    page = client.get("/api/v1/notifications", params={"limit": 2, "offset": 2}).json()
    assert page["count"] == 4 and len(page["items"]) == 2


@pytest.mark.parametrize("path", ["/api/v1/notifications/999999999", "/api/v1/notifications/999999999/read"])
def test_unknown_ids_are_404(live_world, api_for, path):
    client = api_for(live_world.people["unit_manager"])
    response = client.get(path) if path.endswith("9") else client.post(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_query_count_does_not_grow_with_the_page(world, client):
    person = world.people["unit_manager"]
    client.force_login(person)

    def count(limit):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/notifications", {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["items"]) == min(limit, 12)
        return len(captured)

    for i in range(12):
        note_for(world, "unit_manager", title=f"通知 {i}")
    small, large = count(2), count(50)
    assert small == large
    # session, person, count, page; the session save (savepoint, update, release)
    assert large == 7, large
