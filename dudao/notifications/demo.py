"""Demo data: the region managers chose the daily digest (the store managers keep single mails)."""

from __future__ import annotations

from .services import delivery_preference_update


def load_demo(context) -> None:
    for username in ("region1", "region2", "region3"):
        person = context.people.get(username)
        if person is not None:
            delivery_preference_update(actor=person, daily_digest=True, email_enabled=True)
