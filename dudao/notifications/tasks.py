"""Background work of the notifications app (huey imports every app's `tasks` module)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import delivery


@db_task()
def deliver_notifications(notification_ids: list[int]) -> None:
    """Mail and post committed notifications; queued by `delivery.deliver` after the commit."""
    delivery.deliver_now(notification_ids)
