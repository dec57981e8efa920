"""Meetings API: a permission matrix for every route, refusals that name the field, and pinned query
counts for the list and one meeting."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix
from dudao.meetings import services

from .factories import (
    ActionTarget,
    MeetingTarget,
    meeting_of,
    other_org_meeting,
    records,
    state,
)


class TestMeetingCreate(ApiObjectMatrix):
    route = "POST /api/v1/meetings"
    success_status = 201
    in_scope = "region_manager"
    refused = ("supervisor", "unit_manager", "staff")

    def target(self, world):
        return None

    def other_org_target(self, world):
        return None

    def path(self, world, target):
        return "/meetings"

    def payload(self, world, target):
        rows = getattr(self, "_rows", None) or records(world)
        self._rows = rows
        return {"title": "华东区运营会", "held_on": timezone.localdate().isoformat(),
                "scope_unit_id": world.units["east"].pk, "finding_ids": [rows["critical"].pk],
                "inspection_ids": [rows["inspection"].pk], "incident_ids": [rows["complaint"].pk],
                "attendee_ids": [world.people["unit_manager"].pk], "notes": {f"finding:{rows['critical'].pk}": "红线"}}

    def snapshot(self, world):
        self.payload(world, None)  # the records it names exist before the call
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "planned" and body["scope_unit_name"] == "华东区"
        assert [c["kind"] for c in body["cases"]] == ["finding", "inspection", "incident"]
        assert body["cases"][0]["note"] == "红线" and body["cases"][0]["unit_name"] == "南京西路店"
        assert body["attendees"] == [{"id": world.people["unit_manager"].pk, "display_name": "unit_manager"}]

    def test_out_of_scope_is_404(self):
        """Another region's manager may hold meetings, but not over the east: the unit is refused by field."""
        before = self.snapshot(self.world)
        response = self.call(self.out_of_scope, None)
        assert response.status_code == 422, response.text
        assert "scope_unit_id" in response.json()["detail"]["fields"]
        assert self.snapshot(self.world) == before

    def test_other_organization_is_404(self):
        """Another organisation's administrator names a unit that is not theirs: refused by field."""
        other = self.api_for(self.world.people["b_admin"])  # its token is audited before the snapshot
        before = self.snapshot(self.world)
        response = other.post(API_PREFIX + "/meetings", json=self.payload(self.world, None))
        assert response.status_code == 422, response.text
        assert "scope_unit_id" in response.json()["detail"]["fields"]
        assert self.snapshot(self.world) == before


def test_an_out_of_scope_finding_or_person_is_422_naming_the_field(live_world, api_for):
    world = live_world
    rows = records(world)
    api = api_for(world.people["region_manager"])
    base = {"title": "华东区运营会", "held_on": timezone.localdate().isoformat(), "scope_unit_id": world.units["east"].pk}
    before = state()
    for extra, field in [({"finding_ids": [rows["west"].pk]}, "finding_ids"),
                         ({"attendee_ids": [world.people["b_unit_manager"].pk]}, "attendee_ids"),
                         ({"inspection_ids": [999999]}, "inspection_ids")]:
        response = api.post(API_PREFIX + "/meetings", json={**base, **extra})
        assert response.status_code == 422, response.text
        assert set(response.json()["detail"]["fields"]) == {field}
    assert state() == before


class TestMeetingList(ApiListMatrix):
    route = "GET /api/v1/meetings"
    in_scope = "region_manager"

    def target(self, world):
        return meeting_of(world)

    def other_org_target(self, world):
        return other_org_meeting(world)


class TestMeetingDetail(MeetingTarget, ApiObjectMatrix):
    route = "GET /api/v1/meetings/{meeting_id}"

    def path(self, world, target):
        return f"/meetings/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert body["title"] == "华东区月度运营会" and len(body["cases"]) == 4
        assert body["actions"][0]["owner_name"] == "unit_manager" and body["actions"][0]["overdue"] is False

    def test_an_attendee_and_an_action_owner_read_it(self):
        target = self.target(self.world)
        for actor in ("supervisor", "unit_manager"):
            response = self.api_for(self.world.people[actor]).get(API_PREFIX + f"/meetings/{target.pk}")
            assert response.status_code == 200, actor


class TestMeetingMinutes(MeetingTarget, ApiObjectMatrix):
    route = "PUT /api/v1/meetings/{meeting_id}/minutes"
    refused = ("unit_manager", "supervisor")  # attendees read the meeting but do not write its minutes

    def path(self, world, target):
        return f"/meetings/{target.pk}/minutes"

    def payload(self, world, target):
        return {"text": "一、南京西路店冷库温控问题由店长负责整改。"}

    def check_success(self, world, target, response):
        assert response.json()["status"] == "held"
        assert response.json()["minutes"].startswith("一、南京西路店")


class TestMeetingActionAdd(MeetingTarget, ApiObjectMatrix):
    route = "POST /api/v1/meetings/{meeting_id}/actions"
    success_status = 201
    refused = ("unit_manager",)

    def path(self, world, target):
        return f"/meetings/{target.pk}/actions"

    def payload(self, world, target):
        return {"title": "淮海路店复查", "owner_id": world.people["supervisor"].pk,
                "due_date": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["owner_id"], body["status"]) == (world.people["supervisor"].pk, "open")


class TestMeetingActionDone(ActionTarget, ApiObjectMatrix):
    route = "POST /api/v1/meeting-actions/{action_id}/done"

    def path(self, world, target):
        return f"/meeting-actions/{target.pk}/done"

    def payload(self, world, target):
        return {"note": "温控器已更换并复测"}

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["status"], body["done_note"]) == ("done", "温控器已更换并复测")


class TestMeetingPdf(MeetingTarget, ApiObjectMatrix):
    route = "GET /api/v1/meetings/{meeting_id}/pdf"

    def path(self, world, target):
        return f"/meetings/{target.pk}/pdf"

    def call(self, actor_key, target):
        return self.clients[actor_key].request("GET", API_PREFIX + self.path(self.world, target))

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def _queries(api_call) -> int:
    with CaptureQueriesContext(connection) as queries:
        api_call()
    return len(queries)


def test_the_list_and_one_meeting_cost_the_same_queries_whatever_their_size(world, client):
    meeting = meeting_of(world)
    client.force_login(world.people["region_manager"])

    def detail():
        assert client.get(API_PREFIX + f"/meetings/{meeting.pk}").status_code == 200

    def listing():
        assert client.get(API_PREFIX + "/meetings").status_code == 200

    detail_before, list_before = _queries(detail), _queries(listing)
    for index in range(3):
        services.meeting_action_add(actor=world.person("region_manager"), meeting=meeting, title=f"事项 {index}",
                                    owner_id=world.people["supervisor"].pk, due_date=timezone.localdate())
        services.meeting_create(actor=world.person("region_manager"), title=f"会 {index}",
                                held_on=timezone.localdate(), scope_unit_id=world.units["east"].pk,
                                attendee_ids=[world.people["supervisor"].pk])
    after = (_queries(detail), _queries(listing))
    assert after == (detail_before, list_before) == (10, 8)
