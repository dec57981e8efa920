"""Meetings for tests: a region meeting over the east region with a finding, an inspection and a
complaint on the table, two attendees and an action owned by the store manager."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.analytics.tests.factories import Data, at
from dudao.core.periods import add_months
from dudao.incidents.services import incident_report
from dudao.meetings import services
from dudao.meetings.models import Meeting, MeetingAction


def last_month_day(day: int = 10) -> dt.date:
    return add_months(timezone.localdate(), -1).replace(day=day)


def records(world) -> dict:
    """A critical finding and an overdue one, a low inspection (east) and one in the west."""
    data = Data(world)
    day = last_month_day()
    inspection = data.inspection("store2", day.isoformat(), "62.0")
    critical = data.finding("store1", at(day), (day + dt.timedelta(days=60)).isoformat(), severity="critical")
    overdue = data.finding("store2", at(day - dt.timedelta(days=20)), (day - dt.timedelta(days=5)).isoformat())
    west = data.finding("store3", at(day), day.isoformat(), severity="critical")
    complaint, _created = incident_report(actor=world.person("unit_manager"), unit=world.unit("store1"),
                                          kind="complaint", severity="minor", occurred_at=at(day, 9),
                                          description="顾客投诉汤里有异物", now=at(day, 11))
    return {"inspection": inspection, "critical": critical, "overdue": overdue, "west": west, "complaint": complaint}


def meeting_of(world, *, minutes: bool = False, action: bool = True) -> Meeting:
    found = Meeting.objects.filter(organization=world.org).first()
    if found is None:
        rows = records(world)
        found = services.meeting_create(
            actor=world.person("region_manager"), title="华东区月度运营会", held_on=timezone.localdate(),
            scope_unit_id=world.units["east"].pk, finding_ids=[rows["critical"].pk, rows["overdue"].pk],
            inspection_ids=[rows["inspection"].pk], incident_ids=[rows["complaint"].pk],
            attendee_ids=[world.people["unit_manager"].pk, world.people["supervisor"].pk],
            notes={f"finding:{rows['critical'].pk}": "红线问题"})
        if action:
            services.meeting_action_add(actor=world.person("region_manager"), meeting=found, title="冷库温控整改复查",
                                        owner_id=world.people["unit_manager"].pk,
                                        due_date=timezone.localdate() + dt.timedelta(days=7))
        if minutes:
            services.meeting_record_minutes(actor=world.person("region_manager"), meeting=found, text="会议决定：……")
    return Meeting.objects.get(pk=found.pk)


def action_of(world) -> MeetingAction:
    meeting_of(world)
    return MeetingAction.objects.filter(organization=world.org).first()


def other_org_meeting(world) -> Meeting:
    found = Meeting.objects.filter(organization=world.other_org).first()
    if found is None:
        found = services.meeting_create(actor=world.person("b_admin"), title="乙行运营会", held_on=timezone.localdate(),
                                        scope_unit_id=world.units["b_root"].pk,
                                        attendee_ids=[world.people["b_unit_manager"].pk])
        services.meeting_action_add(actor=world.person("b_admin"), meeting=found, title="网点整改",
                                    owner_id=world.people["b_unit_manager"].pk,
                                    due_date=timezone.localdate() + dt.timedelta(days=3))
    return Meeting.objects.get(pk=found.pk)


def other_org_action(world) -> MeetingAction:
    return MeetingAction.objects.filter(meeting=other_org_meeting(world)).first()


def state():
    """What a refused call must leave unchanged: meetings, cases, attendees, actions, audit, inbox."""
    from dudao.core.models import AuditEvent
    from dudao.meetings.models import MeetingAttendee, MeetingCase
    from dudao.notifications.models import Notification

    return (list(Meeting.objects.order_by("pk").values_list("status", "minutes", "title")),
            MeetingCase.objects.count(), MeetingAttendee.objects.count(),
            list(MeetingAction.objects.order_by("pk").values_list("status", "done_note", "reminded_on")),
            AuditEvent.objects.count(), Notification.objects.count())


class MeetingTarget:
    """The permission matrices' target for a meeting's routes and pages (the API's and the pages')."""

    in_scope = "region_manager"

    def target(self, world):
        return meeting_of(world)

    def other_org_target(self, world):
        return other_org_meeting(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class ActionTarget(MeetingTarget):
    """An action: its owner (the store manager) marks it done; an attendee who neither owns it nor
    organised the meeting sees it but may not."""

    in_scope = "unit_manager"
    refused = ("supervisor",)

    def target(self, world):
        return action_of(world)

    def other_org_target(self, world):
        return other_org_action(world)
