"""Reads of a person's inbox and delivery preference."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q

from .models import DeliveryPreference, Notification


def inbox(actor, *, unread: bool | None = None):
    """The actor's own notifications, newest first; `unread` True/False keeps only unread/read ones."""
    notifications = Notification.objects.visible_to(actor)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.order_by("-created_at", "-id")


def inbox_unread_first(actor, *, unread: bool | None = None):
    """The inbox page's order: what is still unread on top, each part newest first."""
    return (
        inbox(actor, unread=unread)
        .alias(is_unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-is_unread", "-created_at", "-id")
    )


def delivery_preference(person) -> DeliveryPreference:
    """The person's preference, or the default (single mails, mail on) when they never chose."""
    preference = DeliveryPreference.objects.filter(person_id=person.pk).first()
    return preference or DeliveryPreference(person_id=person.pk)
