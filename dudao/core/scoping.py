"""Scoping: whatever an actor cannot see does not exist for them.

Every organisation-scoped model gets its rows through `Model.objects.visible_to(actor, action)`.
The actor (a Person) answers two questions: which organisation it belongs to, and which unit
subtrees it holds one of the given roles on (`actor.scope_paths(roles)`). Subtrees are materialised
paths, so one query with a handful of `LIKE 'path%'` terms covers any number of units.
"""

from __future__ import annotations

from typing import Protocol

from django.db import models
from django.db.models import Q

EVERYWHERE = "*"
"""Returned by `scope_paths` when the actor holds an organisation-wide role (admin, executive)."""


class ScopeActor(Protocol):
    organization_id: int
    is_authenticated: bool
    is_active: bool

    def scope_paths(self, roles: frozenset[str] | None) -> list[str] | str: ...


def paths_filter(field: str, paths: list[str]) -> Q:
    """A filter matching every row whose path lies in one of the subtrees."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def minimal_paths(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list: their subtree is covered already."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return sorted(kept)


def is_active_actor(actor) -> bool:
    """A signed-in person who is still active (anonymous users and the deactivated are not)."""
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def in_org(actor, obj) -> bool:
    """An active actor and an object of their own organisation."""
    return is_active_actor(actor) and obj is not None and obj.organization_id == actor.organization_id


def actor_covers(actor, roles: frozenset[str] | None, path: str) -> bool:
    """Whether the actor holds one of `roles` on the unit at `path` or one of its ancestors."""
    if not is_active_actor(actor):
        return False
    paths = actor.scope_paths(roles)
    return paths == EVERYWHERE or any(path.startswith(prefix) for prefix in paths)


class OrgScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what an actor may see or do."""

    def visible_to(self, actor: ScopeActor | None, action: str = "view") -> OrgScopedQuerySet:
        if not is_active_actor(actor):
            return self.none()
        queryset = self.filter(organization_id=actor.organization_id)
        roles = self.model.scope_roles_for(action)
        paths = actor.scope_paths(roles)
        if paths == EVERYWHERE:
            return queryset
        extra = self.model.scope_extra(actor, action)
        condition = paths_filter(self.model.scope_path_field, paths) if paths else Q(pk__in=[])
        if extra is not None:
            condition |= extra
        return queryset.filter(condition)

    def in_organization(self, organization_id: int) -> OrgScopedQuerySet:
        return self.filter(organization_id=organization_id)


class OrgScopedManager(models.Manager.from_queryset(OrgScopedQuerySet)):
    pass


class ScopeRules:
    """Where a model's unit path lives (`scope_path_field`) and which roles may perform each action
    (`scope_roles`); an action missing from the table is a programming error, not a silent pass."""

    scope_path_field = "unit__path"
    scope_roles: dict[str, frozenset[str] | None] = {"view": None}

    @classmethod
    def scope_roles_for(cls, action: str) -> frozenset[str] | None:
        """Roles allowed to perform `action`; None means any role the actor holds."""
        if action not in cls.scope_roles:
            raise KeyError(f"{cls.__name__} has no scope rule for action {action!r}")
        return cls.scope_roles[action]

    @classmethod
    def scope_extra(cls, actor: ScopeActor, action: str) -> Q | None:
        """Rows an actor sees besides their subtrees (e.g. their own records); none by default."""
        return None


class OrgScopedModel(ScopeRules, models.Model):
    """Base for every record that belongs to one organisation and is seen through the unit tree."""

    organization = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+")

    objects = OrgScopedManager()

    class Meta:
        abstract = True
