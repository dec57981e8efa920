"""The demo's meeting: last month's company meeting with its cases, minutes and three actions, the
overdue one chased by the daily job and opened by its owner from the reminder."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from dudao.meetings import services
from dudao.meetings.models import Meeting
from dudao.notifications.models import Notification


@pytest.mark.django_db
def test_the_demo_meeting_has_cases_minutes_and_one_action_to_chase(client):
    call_command("dudao_demo")
    meeting = Meeting.objects.get()
    today = timezone.localdate()
    assert meeting.status == "held" and meeting.held_on < today.replace(day=1) and meeting.minutes
    assert meeting.scope_unit.parent_id is None and meeting.created_by.username == "ops"
    assert meeting.cases.count() == 4 and meeting.attendees.count() >= 5
    states = sorted((a.status, a.is_overdue(today)) for a in meeting.actions.all())
    assert states == [("done", False), ("open", False), ("open", True)]
    assert services.meeting_actions_remind(now=timezone.now()) == 1
    reminder = Notification.objects.filter(kind="meeting.action_overdue").exclude(recipient__username="ops").get()
    client.force_login(reminder.recipient)
    page = client.get(reminder.url)
    assert page.status_code == 200 and 'class="overdue"' in page.content.decode()
    assert services.meetings_missing_remind(now=timezone.now()) == 0
