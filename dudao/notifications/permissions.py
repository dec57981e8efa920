"""Who may do what with notifications; views and endpoints ask only these.

An inbox is private: only its owner reads, marks or opens what is in it, whatever their roles
(an admin does not read other people's notifications). Everyone signed in has an inbox and
chooses how mail reaches them.
"""

from __future__ import annotations


def _signed_in(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_notification(actor, notification) -> bool:
    return (
        _signed_in(actor)
        and notification.recipient_id == actor.pk
        and notification.organization_id == actor.organization_id
    )


def can_use_inbox(actor) -> bool:
    """Everyone signed in has an inbox, roles or not."""
    return _signed_in(actor)


def can_change_delivery_preference(actor) -> bool:
    return _signed_in(actor)
