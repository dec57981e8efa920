"""The caller's inbox over the API (DESIGN.md section 5): list, one, mark read, mark all read.

Every route reads only the caller's own notifications: anyone else's is 404, whatever the role.
"""

from __future__ import annotations

from ninja import Router
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of

from . import selectors, services
from .models import Notification
from .schemas import NotificationDetailOut, NotificationOut, ReadAllOut

router = Router(tags=["notifications"])


@router.get("", response=list[NotificationOut])
@paginate(Pagination)
def notification_list(request, unread: bool | None = None):
    """The caller's inbox, newest first; `?unread=true` keeps the unread ones only."""
    return selectors.inbox(actor_of(request), unread=unread)


@router.post("/read-all", response=ReadAllOut)
def notification_read_all(request):
    """Mark everything in the caller's inbox read; answers how many were unread."""
    return {"count": services.notifications_mark_all_read(actor=actor_of(request))}


@router.get("/{notification_id}", response=NotificationDetailOut)
def notification_get(request, notification_id: int):
    return get_for_actor(Notification, actor_of(request), notification_id)


@router.post("/{notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: int):
    actor = actor_of(request)
    notification = get_for_actor(Notification, actor, notification_id)
    return services.notification_mark_read(actor=actor, notification=notification)
