"""Meeting pages: a permission matrix for every page, the new-meeting page proposing last period's
cases, the detail page's forms (minutes, actions, done with a note, close) with refusals shown on
the page, overdue actions highlighted, and pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.core.testing.matrix import PageFormMatrix, PageListMatrix, PageObjectMatrix
from dudao.meetings.models import Meeting, MeetingAction

from .factories import (
    ActionTarget,
    MeetingTarget,
    action_of,
    meeting_of,
    other_org_meeting,
    records,
    state,
)


class TestMeetingListPage(PageListMatrix):
    url_name = "meetings:list"
    in_scope = "region_manager"

    def target(self, world):
        return meeting_of(world)

    def other_org_target(self, world):
        return other_org_meeting(world)

    def marker(self, target):
        return reverse("meetings:detail", args=[target.pk])


class _MeetingPage(MeetingTarget):
    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestMeetingCreatePage(PageFormMatrix):
    url_name = "meetings:create"
    in_scope = "region_manager"
    refused = ("supervisor", "unit_manager", "staff")

    def test_out_of_scope_is_404(self):
        """Every organiser holds meetings over their own units; the refused roles above hold none."""


class TestMeetingDetailPage(_MeetingPage, PageObjectMatrix):
    url_name = "meetings:detail"

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "华东区月度运营会" in text and "冷库温控整改复查" in text and 'name="text"' in text


class TestMeetingMinutesPage(_MeetingPage, PageObjectMatrix):
    url_name = "meetings:minutes"
    method = "post"
    success_status = 302
    refused = ("unit_manager",)

    def data(self, world, target):
        return {"text": "会议决定：南京西路店一周内完成冷库整改。"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "held" and target.minutes.startswith("会议决定")


class TestMeetingActionAddPage(_MeetingPage, PageObjectMatrix):
    url_name = "meetings:action-add"
    method = "post"
    success_status = 302
    refused = ("unit_manager",)

    def data(self, world, target):
        return {"title": "淮海路店复查", "owner_id": world.people["supervisor"].pk,
                "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}

    def check_success(self, world, target, response):
        assert target.actions.filter(title="淮海路店复查", owner=world.people["supervisor"]).exists()


class TestMeetingClosePage(_MeetingPage, PageObjectMatrix):
    url_name = "meetings:close"
    method = "post"
    success_status = 302
    refused = ("unit_manager",)

    def target(self, world):
        return meeting_of(world, minutes=True, action=False)

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "closed"


class TestMeetingPdfPage(_MeetingPage, PageObjectMatrix):
    url_name = "meetings:pdf"

    def check_success(self, world, target, response):
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


class TestActionDonePage(ActionTarget, PageObjectMatrix):
    url_name = "meetings:action-done"
    method = "post"
    success_status = 302

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"note": "已更换温控器"}

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert (target.status, target.done_note) == ("done", "已更换温控器")


@pytest.mark.django_db
def test_the_new_meeting_page_proposes_last_months_cases_and_creates_the_meeting(world, client):
    rows = records(world)
    client.force_login(world.people["region_manager"])
    page = client.get(reverse("meetings:create")).content.decode()
    for key in (f"finding:{rows['critical'].pk}", f"finding:{rows['overdue'].pk}",
                f"inspection:{rows['inspection'].pk}", f"incident:{rows['complaint'].pk}"):
        assert f'value="{key}"' in page, key
    assert f'value="finding:{rows["west"].pk}"' not in page
    response = client.post(reverse("meetings:create"), {
        "scope_unit_id": world.units["east"].pk, "title": "华东区十一月运营会", "held_on": timezone.localdate().isoformat(),
        "case": [f"finding:{rows['critical'].pk}", f"inspection:{rows['inspection'].pk}"],
        f"note-finding:{rows['critical'].pk}": "红线问题，需店长说明",
        "attendee": [world.people["unit_manager"].pk, world.people["supervisor"].pk]})
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="华东区十一月运营会")
    assert [c.note for c in meeting.cases.all()][0] == "红线问题，需店长说明"
    assert meeting.attendees.count() == 2


@pytest.mark.django_db
def test_a_bad_new_meeting_shows_its_error_and_saves_nothing(world, client):
    client.force_login(world.people["region_manager"])
    before = state()
    response = client.post(reverse("meetings:create"), {
        "scope_unit_id": world.units["east"].pk, "title": "会", "held_on": timezone.localdate().isoformat(),
        "attendee": [world.people["other_unit_manager"].pk]})
    assert response.status_code == 422
    assert "人员不存在或不在您的管理范围内" in response.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_an_overdue_action_is_highlighted_for_its_owner_and_on_the_meeting(world, client):
    action = action_of(world)
    MeetingAction.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(world.people["unit_manager"])
    mine = client.get(reverse("meetings:list")).content.decode()
    assert "我的会议事项" in mine and '<tr class="overdue">' in mine and "冷库温控整改复查" in mine
    detail = client.get(reverse("meetings:detail", args=[action.meeting_id])).content.decode()
    assert f'<tr id="action-{action.pk}" class="overdue">' in detail
    assert 'name="text"' not in detail  # an attendee reads the minutes, does not edit them


@pytest.mark.django_db
def test_marking_done_without_a_note_is_refused_on_the_page(world, client):
    action = action_of(world)
    client.force_login(world.people["unit_manager"])
    before = state()
    response = client.post(reverse("meetings:action-done", args=[action.pk]), {"note": ""})
    assert response.status_code == 422
    assert "请填写完成情况" in response.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_closing_with_open_actions_is_refused_on_the_page(world, client):
    meeting = meeting_of(world, minutes=True)
    client.force_login(world.people["region_manager"])
    before = state()
    response = client.post(reverse("meetings:close", args=[meeting.pk]))
    assert response.status_code == 422
    assert "还有 1 个事项未完成" in response.content.decode()
    assert state() == before


@pytest.mark.django_db
def test_the_pages_queries_do_not_grow_with_meetings_and_actions(world, client):
    from dudao.meetings import services

    meeting = meeting_of(world)
    client.force_login(world.people["region_manager"])
    list_url, detail_url = reverse("meetings:list"), reverse("meetings:detail", args=[meeting.pk])

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = []
        for url in (list_url, detail_url):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for index in range(3):
        services.meeting_action_add(actor=world.person("region_manager"), meeting=meeting, title=f"事项 {index}",
                                    owner_id=world.people["region_manager"].pk, due_date=timezone.localdate())
        services.meeting_create(actor=world.person("region_manager"), title=f"会 {index}",
                                held_on=timezone.localdate(), scope_unit_id=world.units["east"].pk)
    assert counts() == before == [9, 15]
