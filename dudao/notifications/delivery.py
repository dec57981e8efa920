"""Outward delivery of committed notifications: e-mail and the organisation's chat webhook."""

from __future__ import annotations


def deliver(notification_ids: list[int]) -> None:
    """Deliver the given notifications; mail and chat delivery are built on this entry point."""
    return None
