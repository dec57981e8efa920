"""Telling people what they must know or do: in-app inbox first, delivered after the transaction commits.

`notify` is what every other app calls. It writes inbox rows inside the caller's transaction (so a
rolled-back change notifies nobody) and queues outward delivery (mail, chat) with on_commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    obj=None,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
    at=None,
) -> list[Notification]:
    """Put one notification in each recipient's inbox (each person once, inactive people skipped).

    With a `dedupe_key`, a recipient who already has a notification with that key gets no new one:
    jobs may run twice and escalations be re-evaluated without notifying anyone twice.
    """
    created: list[Notification] = []
    seen: set[int] = set()
    object_type, object_id = ("", "")
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    if not url and obj is not None and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    now = at or timezone.now()
    for person in recipients:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        if dedupe_key and Notification.objects.filter(recipient=person, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(Notification.objects.create(
                    organization_id=person.organization_id, recipient=person, kind=kind, title=str(title)[:300],
                    body=str(body), object_type=object_type, object_id=object_id, url=url,
                    dedupe_key=dedupe_key, created_at=now,
                ))
        except IntegrityError:
            continue  # a concurrent run created it first
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: deliver(ids))
    return created


def deliver(notification_ids: list[int]) -> None:
    """Send what was just committed by mail and chat (the notifications app's delivery layer)."""
    from . import delivery

    delivery.deliver(notification_ids)
