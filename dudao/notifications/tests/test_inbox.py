"""The inbox for attention: repeats are one entry, a burst of one kind on one day one group, days
headed 今天 / 昨天 / 12月4日 周五; opening an entry or a group reads it; one message per event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dudao.approvals.services import approval_decide
from dudao.core.testing import PageObjectMatrix
from dudao.findings import services as findings
from dudao.findings.tests.factories import make_finding
from dudao.notifications.models import Notification
from dudao.notifications.selectors import day_label, group_notifications, inbox_page
from dudao.notifications.services import notify

from .helpers import note_for
from .test_api import read_state
from .test_pages import _OwnNotification


def told(world, key, kind, obj, *, at=None, title="南京新街口店 已签收检查"):
    return notify(recipients=[world.people[key]], kind=kind, obj=obj, title=title, at=at)


def shown(person):
    return inbox_page(person)[1]


# --- grouping --------------------------------------------------------------------------------------
def test_five_repeats_about_one_object_are_one_entry_counted_five(world, client):
    person = world.people["unit_manager"]
    for _ in range(5):
        told(world, "unit_manager", "inspection.acknowledged", world.units["store1"])
    [today] = shown(person)
    [group] = today.groups
    [entry] = group.entries
    assert (group.count, entry.count, entry.unread) == (1, 5, True)
    assert entry.latest.pk == max(entry.ids)
    client.force_login(person)
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert "×5" in text and text.count('class="inbox-item unread"') == 1


def test_one_kind_about_different_objects_on_one_day_is_one_group(world, client):
    person = world.people["supervisor"]
    for code in ("store1", "store2"):
        told(world, "supervisor", "inspection.acknowledged", world.units[code])
        told(world, "supervisor", "inspection.acknowledged", world.units[code])
    told(world, "supervisor", "finding.submitted", world.units["store1"], title="整改待验收")
    [today] = shown(person)
    submitted, acknowledged = sorted(today.groups, key=lambda g: g.kind)
    assert (submitted.kind, acknowledged.kind) == ("finding.submitted", "inspection.acknowledged")
    assert acknowledged.count == 2 and [e.count for e in acknowledged.entries] == [2, 2]
    assert acknowledged.summary == "2 次巡店已签收" and acknowledged.unread_count == 2
    assert submitted.count == 1
    client.force_login(person)
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert "2 次巡店已签收" in text and "<details" in text and 'hx-trigger="toggle once"' in text


def test_a_repeat_on_an_earlier_day_folds_into_the_latest(world):
    person = world.people["unit_manager"]
    now = timezone.now()
    told(world, "unit_manager", "finding.overdue", world.units["store1"], at=now - dt.timedelta(days=3))
    told(world, "unit_manager", "finding.overdue", world.units["store1"], at=now)
    [today] = shown(person)
    assert today.label == "今天" and today.groups[0].entries[0].count == 2


def test_day_headers_today_yesterday_and_the_chinese_date():
    today = dt.date(2026, 12, 6)
    assert day_label(today, today) == "今天"
    assert day_label(dt.date(2026, 12, 5), today) == "昨天"
    assert day_label(dt.date(2026, 12, 4), today) == "12月4日 周五"
    assert day_label(dt.date(2025, 12, 4), today) == "2025年12月4日 周四"


def test_days_come_newest_first_each_with_its_groups(world):
    person = world.people["unit_manager"]
    now = timezone.now()
    for days_ago in (0, 1, 5):
        told(world, "unit_manager", "inspection.submitted", world.units["store1"] if days_ago else world.units["store2"],
             at=now - dt.timedelta(days=days_ago), title=f"{days_ago} 天前")
    told(world, "unit_manager", "approval.pending", world.units["store1"], at=now - dt.timedelta(days=1, seconds=-1))
    days = group_notifications(list(Notification.objects.filter(recipient=person).order_by("-created_at", "-id")),
                               today=timezone.localdate(now))
    # store1's submitted five days ago folds into yesterday's entry: no third day
    assert [d.label for d in days] == ["今天", "昨天"]
    assert [[g.kind for g in d.groups] for d in days] == [["inspection.submitted"],
                                                          ["approval.pending", "inspection.submitted"]]
    assert sum(e.count for d in days for g in d.groups for e in g.entries) == 4


# --- reading -------------------------------------------------------------------------------------
def test_opening_a_group_reads_its_members_only(world, client):
    person = world.people["supervisor"]
    members = [*told(world, "supervisor", "inspection.acknowledged", world.units["store1"]),
               *told(world, "supervisor", "inspection.acknowledged", world.units["store2"])]
    other = told(world, "supervisor", "finding.submitted", world.units["store1"], title="另一件事")[0]
    someone_elses = note_for(world, "unit_manager")
    client.force_login(person)
    ids = ",".join(str(n.pk) for n in [*members, someone_elses])
    response = client.post(reverse("notifications:read-group"), {"ids": ids}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<details open" in text and "2 次巡店已签收" in text and "bell-count" in text
    assert all(Notification.objects.get(pk=n.pk).read_at for n in members)
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None


def test_a_bad_group_is_refused_and_nothing_read(world, client):
    note = note_for(world, "unit_manager")
    client.force_login(world.people["unit_manager"])
    response = client.post(reverse("notifications:read-group"), {"ids": f"{note.pk},x"})
    assert response.status_code == 422
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_opening_an_entry_reads_its_repeats(world, client):
    first = told(world, "unit_manager", "finding.overdue", world.units["store1"])[0]
    second = told(world, "unit_manager", "finding.overdue", world.units["store1"])[0]
    elsewhere = told(world, "unit_manager", "finding.overdue", world.units["store2"])[0]
    client.force_login(world.people["unit_manager"])
    assert client.get(reverse("notifications:open", args=[second.pk])).status_code == 302
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=elsewhere.pk).read_at is None


def test_mark_all_read_on_the_page(world, client):
    for code in ("store1", "store2"):
        note_for(world, "unit_manager", unit=code)
    client.force_login(world.people["unit_manager"])
    text = client.get(reverse("notifications:inbox")).content.decode()
    assert "全部标为已读" in text
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=world.people["unit_manager"], read_at=None).exists()
    assert "全部标为已读" not in client.get(reverse("notifications:inbox")).content.decode()


class TestReadGroupPage(_OwnNotification, PageObjectMatrix):
    """Reading a group touches only the caller's own notifications: anyone else's ids change nothing."""

    url_name = "notifications:read-group"
    method = "post"
    success_status = 302

    def url(self, world, target):
        return reverse("notifications:read-group")

    def data(self, world, target):
        return {"ids": str(target.pk)}

    def check_success(self, world, target, response):
        assert response["Location"] == reverse("notifications:inbox")
        assert Notification.objects.get(pk=target.pk).read_at is not None

    def _leaves_the_target_alone(self, actor):
        target = self.target(self.world)
        before = read_state()
        response = self.call(actor, target)
        assert response.status_code == 302, actor
        assert read_state() == before, actor

    def test_no_role_is_404(self):
        self._leaves_the_target_alone("no_role")

    def test_out_of_scope_is_404(self):
        self._leaves_the_target_alone(self.out_of_scope)

    def test_other_organization_is_404(self):
        self._leaves_the_target_alone("b_admin")

    def test_refused_actors_get_404_and_nothing_changes(self):
        for actor in self.refused:
            self._leaves_the_target_alone(actor)


# --- one message per event ---------------------------------------------------------------------
def test_an_approved_extension_tells_its_requester_once(world):
    finding = make_finding(world)
    manager, supervisor = world.person("unit_manager"), world.person("supervisor")
    extension = findings.finding_extension_request(
        actor=manager, finding=finding, due_date=finding.due_date + dt.timedelta(days=10), reason="等配件")
    before = set(Notification.objects.filter(recipient=manager).values_list("pk", flat=True))
    approval_decide(actor=supervisor, approval=extension.approval, decision="approve", comment="同意")
    new = Notification.objects.filter(recipient=manager).exclude(pk__in=before)
    assert [n.kind for n in new] == ["finding.extension_decided"]


def test_the_same_person_about_the_same_object_at_one_moment_is_told_once_per_transaction(world):
    person, unit, now = world.people["unit_manager"], world.units["store1"], timezone.now()
    with transaction.atomic():
        assert told(world, "unit_manager", "finding.closed", unit, at=now)
        assert not told(world, "unit_manager", "finding.accepted", unit, at=now)
        assert told(world, "unit_manager", "finding.accepted", world.units["store2"], at=now)
    with transaction.atomic():  # another event
        assert told(world, "unit_manager", "finding.accepted", unit, at=now)
    assert Notification.objects.filter(recipient=person).count() == 3


def test_the_grouped_inbox_costs_the_same_queries_whatever_it_holds(world, client, django_assert_num_queries):
    person = world.people["supervisor"]
    client.force_login(person)
    told(world, "supervisor", "inspection.acknowledged", world.units["store1"])
    client.get(reverse("notifications:inbox"))  # warm the session
    now = timezone.now()
    kinds = ["inspection.acknowledged", "finding.submitted", "approval.pending", "finding.overdue"]
    for i in range(60):
        told(world, "supervisor", kinds[i % 4], world.units[("store1", "store2", "store3", "east")[i % 3]],
             at=now - dt.timedelta(days=i % 9, minutes=i), title=f"通知 {i}")
    # session, person, roles (navigation), bell count, page count, page rows; the session save
    with django_assert_num_queries(9):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    days = response.context["days"]
    # 4 kinds x 3 objects are 12 entries (repeats on earlier days fold into the latest); 61 notifications
    assert sum(g.count for d in days for g in d.groups) == 12
    assert sum(e.count for d in days for g in d.groups for e in g.entries) == 61
