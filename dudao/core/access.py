"""Fetch one object the way every view and endpoint must: in scope, in the organisation, or 404."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

from .errors import ApplicationError, ErrorCode

M = TypeVar("M", bound=models.Model)


class NotFoundInScope(Http404, ApplicationError):
    """Raised when an object does not exist for the actor; views and the API both answer 404."""

    def __init__(self, label: str) -> None:
        ApplicationError.__init__(self, ErrorCode.NOT_FOUND, f"{label} not found", None)
        Http404.__init__(self, self.message)


def get_for_actor(
    source: type[M] | models.QuerySet, actor, pk, *, action: str = "view", for_update: bool = False
) -> M:
    """Return the object with primary key `pk` if `actor` may perform `action` on it.

    Objects of another organisation, outside the actor's subtrees, or simply missing are
    indistinguishable: each raises NotFoundInScope.
    """
    queryset = source if isinstance(source, models.QuerySet) else source.objects.all()
    queryset = queryset.visible_to(actor, action)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    label = queryset.model._meta.object_name
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundInScope(label) from None
