"""Inbox pages: the list, opening one, mark all read, preferences; each person sees only their own inbox."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dudao.core.models import AuditEvent
from dudao.core.testing import PageListMatrix, PageObjectMatrix
from dudao.notifications.models import DeliveryPreference, Notification
from dudao.notifications.services import notify

from .helpers import note_for, prefer
from .test_api import read_state


class _OwnNotification:
    in_scope = "unit_manager"
    out_of_scope = "admin"
    refused = ("supervisor", "region_manager", "executive", "staff")

    def target(self, world):
        return note_for(world, "unit_manager")

    def other_org_target(self, world):
        return note_for(world, "b_unit_manager", unit="b_branch")

    def snapshot(self, world):
        return read_state()


class TestInboxPage(_OwnNotification, PageListMatrix):
    url_name = "notifications:inbox"

    def marker(self, target):
        return f'id="notification-{target.pk}"'


class TestOpenPage(_OwnNotification, PageObjectMatrix):
    url_name = "notifications:open"
    success_status = 302

    def url(self, world, target):
        return reverse("notifications:open", args=[target.pk])

    def check_success(self, world, target, response):
        assert response["Location"] == world.units["store1"].get_absolute_url()
        assert Notification.objects.get(pk=target.pk).read_at is not None


class _EveryoneHasTheirOwn:
    """Pages about the caller's own inbox or settings: other callers are not refused, they get their own."""

    def _leaves_the_target_alone(self, actor):
        target = self.target(self.world)
        before = self.snapshot(self.world)
        response = self.call(actor, target)
        assert response.status_code == self.success_status, actor
        assert self.snapshot(self.world) == before, actor
        return response

    def test_no_role_is_404(self):
        self._leaves_the_target_alone("no_role")

    def test_out_of_scope_is_404(self):
        self._leaves_the_target_alone(self.out_of_scope)

    def test_other_organization_is_404(self):
        self._leaves_the_target_alone("b_admin")

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            self._leaves_the_target_alone(actor)


class TestReadAllPage(_EveryoneHasTheirOwn, _OwnNotification, PageObjectMatrix):
    url_name = "notifications:read-all"
    method = "post"
    success_status = 302

    def url(self, world, target):
        return reverse("notifications:read-all")

    def check_success(self, world, target, response):
        assert response["Location"] == reverse("notifications:inbox")
        assert Notification.objects.get(pk=target.pk).read_at is not None


class TestPreferencesPage(_EveryoneHasTheirOwn, PageObjectMatrix):
    """The target is the in-scope person's saved preference; nobody else's page shows or changes it."""

    url_name = "notifications:preferences"
    in_scope = "supervisor"
    out_of_scope = "admin"
    refused = ("unit_manager", "region_manager")

    def url(self, world, target):
        return reverse("notifications:preferences")

    def target(self, world):
        prefer(world.people["supervisor"], daily_digest=True)
        return DeliveryPreference.objects.get(person=world.people["supervisor"])

    def other_org_target(self, world):
        return self.target(world)

    def snapshot(self, world):
        self.target(world)  # made first, so only the call can change what follows
        return sorted(DeliveryPreference.objects.values_list("person_id", "daily_digest", "email_enabled"))

    def check_success(self, world, target, response):
        assert response.context["form"].initial == {"email_enabled": True, "mail_mode": "digest"}
        assert "supervisor@example.com" in response.content.decode()

    def _leaves_the_target_alone(self, actor):
        response = super()._leaves_the_target_alone(actor)
        assert "supervisor@example.com" not in response.content.decode()
        return response


# --- the inbox -----------------------------------------------------------------------------------
def test_days_newest_first_unread_bold_and_the_unread_filter(world, client):
    read = note_for(world, "unit_manager", unit="store2", title="已读的通知")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    unread = note_for(world, "unit_manager", unit="store1", title="未读的通知")
    Notification.objects.filter(pk=unread.pk).update(created_at=read.created_at.replace(year=2020))
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert text.index("今天") < text.index("已读的通知") < text.index("2020年") < text.index("未读的通知")
    assert f'class="inbox-item unread" id="notification-{unread.pk}"' in text
    assert f'class="inbox-item" id="notification-{read.pk}"' in text
    assert '<span class="bell-count">1</span>' in text
    only_unread = client.get(reverse("notifications:inbox"), {"show": "unread"}).content.decode()
    assert "未读的通知" in only_unread and "已读的通知" not in only_unread


def test_marking_read_with_htmx_answers_the_entry_and_the_bell(world, client):
    first = note_for(world, "unit_manager", unit="store1")
    note_for(world, "unit_manager", unit="store2")
    client.force_login(world.people["unit_manager"])
    response = client.post(reverse("notifications:open", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'class="inbox-item" id="notification-{first.pk}"' in text
    assert "<html" not in text
    assert 'hx-swap-oob="outerHTML:.topbar .bell"' in text and '<span class="bell-count">1</span>' in text
    assert Notification.objects.get(pk=first.pk).read_at is not None


def test_opening_goes_to_the_object_and_never_off_site(world, client):
    client.force_login(world.people["unit_manager"])
    plain = notify(recipients=[world.people["unit_manager"]], kind="plan.published", title="本周计划已发布")[0]
    assert client.get(reverse("notifications:open", args=[plain.pk]))["Location"] == reverse("notifications:inbox")
    evil = notify(recipients=[world.people["unit_manager"]], kind="x", title="外链", url="https://evil.example/")[0]
    assert client.get(reverse("notifications:open", args=[evil.pk]))["Location"] == reverse("notifications:inbox")
    Notification.objects.filter(pk=evil.pk).update(url="//evil.example/")
    assert client.get(reverse("notifications:open", args=[evil.pk]))["Location"] == reverse("notifications:inbox")


def test_read_all_needs_post(world, client):
    note = note_for(world, "unit_manager")
    client.force_login(world.people["unit_manager"])
    assert client.get(reverse("notifications:read-all")).status_code == 405
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_inbox_query_count_does_not_grow_with_the_inbox(world, client):
    client.force_login(world.people["unit_manager"])

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("notifications:inbox"))
        assert response.status_code == 200
        return len(captured)

    for i in range(3):
        note_for(world, "unit_manager", title=f"通知 {i}")
    few = count()
    for i in range(3, 45):
        note_for(world, "unit_manager", title=f"通知 {i}")
    assert count() == few
    # session, person, roles (navigation), bell count, page count, page rows; the session save
    assert few == 9, few


def test_the_empty_inbox_says_so(world, client):
    client.force_login(world.people["no_role"])
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert "还没有通知" in text and "bell-count" not in text


# --- preferences ---------------------------------------------------------------------------------
def test_choosing_the_daily_digest(world, client):
    person = world.people["unit_manager"]
    client.force_login(person)
    response = client.post(reverse("notifications:preferences"), {"mail_mode": "digest", "email_enabled": "on"})
    assert response.status_code == 302
    preference = DeliveryPreference.objects.get(person=person)
    assert preference.daily_digest and preference.email_enabled
    assert AuditEvent.objects.filter(action="notification_preference.update", actor_id=person.pk).count() == 1
    client.post(reverse("notifications:preferences"), {"mail_mode": "single"})
    preference.refresh_from_db()
    assert not preference.daily_digest and not preference.email_enabled


def test_a_bad_choice_is_refused_and_nothing_saved(world, client):
    client.force_login(world.people["unit_manager"])
    response = client.post(reverse("notifications:preferences"), {"mail_mode": "hourly"})
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert not DeliveryPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification_preference.update").exists()


def test_the_page_says_when_mail_cannot_arrive(world, client):
    person = world.person("staff")
    person.email = ""
    person.save(update_fields=["email"])
    client.force_login(person)
    assert "没有填写邮箱" in client.get(reverse("notifications:preferences")).content.decode()
