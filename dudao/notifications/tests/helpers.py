"""Test data for the notifications app, made through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.notifications.models import DeliveryPreference, Notification
from dudao.notifications.services import notify
from dudao.policies.services import policy_version_create


def note_for(world, key: str, *, unit: str = "store1", title: str | None = None, at=None) -> Notification:
    """The notification `key` has about a unit (created once: repeated calls return the same row)."""
    person = world.people[key]
    dedupe = f"test:{unit}:{title or ''}"
    notify(
        recipients=[person], kind="finding.assigned", obj=world.units[unit],
        title=title or f"{world.units[unit].name} 有问题待整改({key})", body="· 地面湿滑\n· 灭火器过期", dedupe_key=dedupe,
        at=at,
    )
    return Notification.objects.get(recipient_id=person.pk, dedupe_key=dedupe)


def prefer(person, *, daily_digest: bool = False, email_enabled: bool = True) -> None:
    DeliveryPreference.objects.update_or_create(
        person_id=person.pk, defaults={"daily_digest": daily_digest, "email_enabled": email_enabled}
    )


def set_notifications_policy(world, **values) -> None:
    """Override the organisation's notification policy from today on, through the policy service."""
    policy_version_create(
        actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
        overrides={"notifications": values},
    )


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
