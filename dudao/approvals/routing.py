"""Who decides each step of a request: the policy's roles for its kind and amount, resolved to people.

A step's approvers are the active holders of its role whose scope covers the requesting unit (the
role granted on that unit or one of its ancestors; admin and executive cover the whole
organisation). Department heads, operations managers, HR and finance work from the operations
center and serve the line units outside their own subtree (the 管理部主任 signs the stores'
purchases); for these roles, when nobody's scope covers the unit, the nearest holders in the tree
decide: those whose unit shares the longest path with the requesting unit. Line roles (supervisor,
region and unit manager, staff) must cover the unit. The requester never decides their own request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.choices import ORG_WIDE_ROLES, Role
from dudao.org.models import RoleAssignment
from dudao.policies.registry import policy_for

SERVICE_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.OPS_MANAGER, Role.HR, Role.FINANCE})


@dataclass(frozen=True)
class RoutedStep:
    position: int
    role: str
    approvers: tuple  # Person instances, ordered by name


def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


def _shared_depth(a: str, b: str) -> int:
    shared = 0
    for left, right in zip(_segments(a), _segments(b), strict=False):
        if left != right:
            break
        shared += 1
    return shared


def _resolve(role: str, unit, assignments: Iterable[RoleAssignment], exclude_ids: set[int]) -> list:
    held = [a for a in assignments if a.role == role and a.person_id not in exclude_ids]
    if role in ORG_WIDE_ROLES:
        chosen = held
    else:
        chosen = [a for a in held if unit.path.startswith(a.unit.path)]
        if not chosen and role in SERVICE_ROLES and held:
            depths = {a.pk: _shared_depth(a.unit.path, unit.path) for a in held}
            nearest = max(depths.values())
            chosen = [a for a in held if depths[a.pk] == nearest]
    people = {a.person_id: a.person for a in chosen}
    return sorted(people.values(), key=lambda person: (person.display_name, person.pk))


def _assignments(organization_id: int, roles: Iterable[str]) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(organization_id=organization_id, role__in=set(roles), person__is_active=True)
        .select_related("unit", "person")
        .order_by("id")
    )


def approvers_for(*, role: str, unit, exclude: Iterable = ()) -> list:
    """The people who decide a step of `role` for a request from `unit` (without `exclude`)."""
    exclude_ids = {person.pk for person in exclude if person is not None}
    return _resolve(role, unit, _assignments(unit.organization_id, [role]), exclude_ids)


def roles_for(*, organization_id: int, kind: str, amount: Decimal | None, on) -> tuple[str, ...]:
    return tuple(policy_for(organization_id, on=on).approvals.roles_for(kind, amount))


def route(*, kind: str, amount: Decimal | None, unit, requester, on) -> list[RoutedStep]:
    """The steps of a new request, each with its approvers; refused when a step has nobody to decide it."""
    roles = roles_for(organization_id=unit.organization_id, kind=kind, amount=amount, on=on)
    assignments = _assignments(unit.organization_id, roles)
    steps = []
    for position, role in enumerate(roles, start=1):
        approvers = _resolve(role, unit, assignments, {requester.pk})
        if not approvers:
            raise nobody_decides(role, unit, held_by_requester=any(
                a.role == role and a.person_id == requester.pk for a in assignments))
        steps.append(RoutedStep(position, role, tuple(approvers)))
    return steps


def nobody_decides(role: str, unit, *, held_by_requester: bool = False) -> ApplicationError:
    """The refusal when no one (but perhaps the requester) can decide a step of `role` for `unit`."""
    label = Role(role).label
    if held_by_requester:
        message = _("审批步骤“%(role)s”除申请人本人外没有其他人可以审批(本人不能审批自己的申请);请联系管理员授予该角色。") % {
            "role": label}
    else:
        message = _("审批步骤“%(role)s”没有人可以审批:%(unit)s 及其上级机构都没有人担任%(role)s;请联系管理员授予该角色。") % {
            "role": label, "unit": unit.name}
    return ApplicationError(ErrorCode.VALIDATION, message, {"fields": {"unit_id": [message]}, "role": role})
