"""Reads of a person's inbox and delivery preference.

The inbox page shows a window of the newest notifications (one page, `INBOX_WINDOW` rows, read in
one query plus the paginator's count) arranged for attention: the same kind about the same object
is one entry (the latest, "×3"), the entries of one kind on one day are one group ("5 次巡店已签收")
that opens to its entries, and the groups sit under day headers (今天, 昨天, 12月4日 周五).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import group_summary
from .models import DeliveryPreference, Notification

INBOX_WINDOW = 100

WEEKDAYS = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
            gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]


def inbox(actor, *, unread: bool | None = None):
    """The actor's own notifications, newest first; `unread` True/False keeps only unread/read ones."""
    notifications = Notification.objects.visible_to(actor)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.order_by("-created_at", "-id")


def delivery_preference(person) -> DeliveryPreference:
    """The person's preference, or the default (single mails, mail on) when they never chose."""
    preference = DeliveryPreference.objects.filter(person_id=person.pk).first()
    return preference or DeliveryPreference(person_id=person.pk)


# --- the inbox page: entries, groups, days ----------------------------------------------------------
@dataclass
class InboxEntry:
    """The notifications of one kind about one object (or with one title when about no object), latest first."""

    members: list[Notification]

    @property
    def latest(self) -> Notification:
        return self.members[0]

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in self.members)

    @property
    def ids(self) -> list[int]:
        return [n.pk for n in self.members]


@dataclass
class InboxGroup:
    """The entries of one kind whose latest notification came on one day."""

    kind: str
    day: dt.date
    entries: list[InboxEntry] = field(default_factory=list)

    @property
    def latest(self) -> Notification:
        return self.entries[0].latest

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def unread(self) -> bool:
        return any(entry.unread for entry in self.entries)

    @property
    def unread_count(self) -> int:
        return sum(1 for entry in self.entries if entry.unread)

    @property
    def summary(self) -> str:
        return group_summary(self.kind, self.count)

    @property
    def ids(self) -> list[int]:
        return [pk for entry in self.entries for pk in entry.ids]


@dataclass
class InboxDay:
    day: dt.date
    label: str
    groups: list[InboxGroup] = field(default_factory=list)


def day_label(day: dt.date, today: dt.date) -> str:
    """今天, 昨天, or the date in the reader's language ("12月4日 周五"; the year when not this year's)."""
    if day == today:
        return _("今天")
    if day == today - dt.timedelta(days=1):
        return _("昨天")
    values = {"year": day.year, "month": day.month, "day": day.day, "weekday": WEEKDAYS[day.weekday()]}
    if day.year == today.year:
        return _("%(month)s月%(day)s日 %(weekday)s") % values
    return _("%(year)s年%(month)s月%(day)s日 %(weekday)s") % values


def entry_key(notification: Notification) -> tuple:
    if notification.object_id:
        return (notification.kind, notification.object_type, notification.object_id)
    return (notification.kind, "", notification.title)


def group_notifications(notifications, *, today: dt.date | None = None) -> list[InboxDay]:
    """Arrange notifications (newest first) into days of groups of entries; no queries."""
    today = today or timezone.localdate()
    entries: dict[tuple, InboxEntry] = {}
    days: dict[dt.date, InboxDay] = {}
    groups: dict[tuple, InboxGroup] = {}
    for notification in notifications:
        key = entry_key(notification)
        entry = entries.get(key)
        if entry is not None:  # an older repeat of an entry already placed under its latest day
            entry.members.append(notification)
            continue
        entry = entries[key] = InboxEntry([notification])
        day = timezone.localdate(notification.created_at)
        if day not in days:
            days[day] = InboxDay(day, day_label(day, today))
        group = groups.get((day, notification.kind))
        if group is None:
            group = groups[(day, notification.kind)] = InboxGroup(notification.kind, day)
            days[day].groups.append(group)
        group.entries.append(entry)
    return list(days.values())


def inbox_page(actor, *, unread: bool | None = None, page=None):
    """One page of the inbox (a window of `INBOX_WINDOW` notifications, newest first) and its days.

    Two queries whatever the inbox holds: the count for the pager and the page's rows.
    """
    page_obj = Paginator(inbox(actor, unread=unread), INBOX_WINDOW).get_page(page)
    return page_obj, group_notifications(list(page_obj.object_list))
