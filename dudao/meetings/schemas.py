from __future__ import annotations

import datetime as dt

from ninja import Schema


class MeetingIn(Schema):
    title: str
    held_on: dt.date
    scope_unit_id: int
    finding_ids: list[int] = []
    inspection_ids: list[int] = []
    incident_ids: list[int] = []
    attendee_ids: list[int] = []
    notes: dict[str, str] = {}


class MinutesIn(Schema):
    text: str


class ActionIn(Schema):
    title: str
    owner_id: int
    due_date: dt.date


class DoneIn(Schema):
    note: str = ""


class AttendeeOut(Schema):
    id: int
    display_name: str


class CaseOut(Schema):
    kind: str
    object_id: int
    title: str
    unit_id: int
    unit_name: str
    note: str
    url: str


class ActionOut(Schema):
    id: int
    meeting_id: int
    title: str
    owner_id: int
    owner_name: str
    due_date: dt.date
    status: str
    overdue: bool
    done_note: str
    done_at: dt.datetime | None
    done_by_id: int | None


class MeetingSummaryOut(Schema):
    id: int
    title: str
    held_on: dt.date
    scope_unit_id: int
    scope_unit_name: str
    status: str
    created_by_id: int

    @staticmethod
    def resolve_scope_unit_name(obj) -> str:
        return obj["scope_unit_name"] if isinstance(obj, dict) else obj.scope_unit.name


class MeetingOut(MeetingSummaryOut):
    minutes: str
    attendees: list[AttendeeOut]
    cases: list[CaseOut]
    actions: list[ActionOut]
