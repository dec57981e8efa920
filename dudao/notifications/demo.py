"""Demo data: the region managers chose the daily digest (the store managers keep single mails), and
every demo inbox looks lived in.

The other apps' demos build a month of history through the real services, and some of those
services notify with the clock's time, so a fresh demo inbox would hold everything as sent "just
now" and unread. Run last (provisioning's DEMO_APPS), this loader dates each such notification at
the time of what it is about (the inspection's visit, the request, the publication) and marks read
what a real user would have read: everything before yesterday.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.utils import timezone

from .models import Notification
from .services import delivery_preference_update

# How long after the object's own time its notification plausibly came; the first field the
# object has (and that lies in the demo's past) dates the notification.
KIND_TIMES: dict[str, tuple[tuple[str, dt.timedelta], ...]] = {
    "inspection.submitted": (("performed_at", dt.timedelta(hours=1)),),
    "inspection.acknowledged": (("performed_at", dt.timedelta(hours=5)),),
}
OBJECT_TIMES = (
    ("published_at", dt.timedelta()), ("approved_at", dt.timedelta()), ("decided_at", dt.timedelta()),
    ("opened_at", dt.timedelta()), ("performed_at", dt.timedelta(hours=1)), ("created_at", dt.timedelta()),
)
# Sent during the demo's own load: what the loaders wrote with the clock rather than a story time.
JUST_NOW = dt.timedelta(minutes=15)
READ_AFTER = dt.timedelta(hours=3)


def load_demo(context) -> None:
    for username in ("region1", "region2", "region3"):
        person = context.people.get(username)
        if person is not None:
            delivery_preference_update(actor=person, daily_digest=True, email_enabled=True)
    now = timezone.now()
    date_what_was_sent_just_now(context.organization, now)
    read_what_is_old(context.organization, now)


def _story_time(obj, kind: str, now: dt.datetime) -> dt.datetime | None:
    for name, after in (*KIND_TIMES.get(kind, ()), *OBJECT_TIMES):
        value = getattr(obj, name, None)
        if isinstance(value, dt.datetime) and value < now - JUST_NOW:
            return min(value + after, now - JUST_NOW)
    return None


def date_what_was_sent_just_now(organization, now: dt.datetime) -> int:
    """Date each notification the demo sent with the clock at the time of its object's story."""
    recent = list(Notification.objects.filter(
        organization_id=organization.pk, created_at__gte=now - JUST_NOW).exclude(object_id=""))
    wanted: dict[str, set[str]] = {}
    for n in recent:
        wanted.setdefault(n.object_type, set()).add(n.object_id)
    objects = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        objects.update({(label, str(o.pk)): o for o in model._default_manager.filter(pk__in=ids)})
    changed = []
    for n in recent:
        obj = objects.get((n.object_type, n.object_id))
        when = _story_time(obj, n.kind, now) if obj is not None else None
        if when is not None:
            n.created_at = when
            changed.append(n)
    Notification.objects.bulk_update(changed, ["created_at"], batch_size=500)
    return len(changed)


def read_what_is_old(organization, now: dt.datetime) -> int:
    """Mark read, a few hours after it came, everything that came before yesterday."""
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(yesterday, dt.time.min))
    old = list(Notification.objects.filter(organization_id=organization.pk, read_at__isnull=True, created_at__lt=start))
    for n in old:
        n.read_at = min(n.created_at + READ_AFTER, now)
    Notification.objects.bulk_update(old, ["read_at"], batch_size=500)
    return len(old)
