"""API for the organisation's policy (`/api/v1/policy`): the document in force on a date with the
version history, and new dated versions (DESIGN.md section 5)."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router, Status

from dudao.core.api import actor_of
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.models import Organization

from . import services
from .editing import plain
from .models import PolicyVersion
from .permissions import can_edit_policy, can_view_policy
from .registry import policy_for
from .schemas import PolicyOut, PolicyQuery, VersionIn, VersionOut

router = Router(tags=["policy"])


def _not_found():
    raise ApplicationError(ErrorCode.NOT_FOUND, "Not found")


def version_out(version: PolicyVersion) -> dict:
    return {
        "effective_from": version.effective_from,
        "overrides": version.overrides,
        "note": version.note,
        "created_by": version.created_by.username if version.created_by_id else None,
        "created_at": version.created_at,
        "updated_at": version.updated_at,
    }


@router.get("", response=PolicyOut)
def policy_detail(request, query: Query[PolicyQuery]):
    """The caller's organisation's policy in force on `on` (default today): the full document, the
    date its version took effect (null: the pack's defaults), and every version, oldest first."""
    actor = actor_of(request)
    if not can_view_policy(actor):
        _not_found()
    organization = Organization.objects.only("id", "policy_pack").get(pk=actor.organization_id)
    on = query.on or timezone.localdate()
    versions = list(
        PolicyVersion.objects.visible_to(actor).select_related("created_by").order_by("effective_from")
    )
    in_force = next((v for v in reversed(versions) if v.effective_from <= on), None)
    return {
        "pack": organization.policy_pack,
        "on": on,
        "effective_from": in_force.effective_from if in_force is not None else None,
        "document": plain(policy_for(organization, on)),
        "versions": [version_out(version) for version in versions],
    }


@router.post("/versions", response={201: VersionOut})
def policy_version_create(request, payload: VersionIn):
    """Set the organisation's overrides (the complete set that differs from the pack) from
    `effective_from` (today or later) on; a version of the same date is replaced. Unknown keys and bad
    values are refused with 422 naming each dotted key; nothing is saved then. Admins only."""
    actor = actor_of(request)
    if not can_edit_policy(actor):
        _not_found()
    organization = Organization.objects.get(pk=actor.organization_id)
    version = services.policy_version_create(
        actor=actor, organization=organization, effective_from=payload.effective_from,
        overrides=payload.overrides, note=payload.note,
    )
    return Status(201, version_out(version))
