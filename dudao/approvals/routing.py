"""Who decides each step of a request: the policy's roles for its kind and amount, resolved to people.

A step's approvers are the active holders of its role over the requesting unit (granted on that
unit or one of its ancestors; admin and executive cover the whole organisation), as
`org.selectors.RoleHolders` answers it. Department heads, operations managers, HR and finance work
from the operations center and serve the line units outside their own subtree (the 管理部主任 signs
the stores' purchases); for these roles, when nobody's scope covers the unit, the nearest holders in
the tree decide (fallback "nearest"). Line roles (supervisor, region and unit manager, staff) must
cover the unit.

Nobody decides their own request. Under four eyes (policy `approvals.four_eyes`, default on) one
person decides at most one step: whoever decided an earlier step is no approver of a later one (the
later step's approvers are found without them, with the same fallback); a decision that would leave
the next step with nobody is refused (someone else must take the current step); and a request is
refused when it is made if its steps cannot be decided by different people at all (the only
department head is also the only operations manager, and nobody else holds either role). With four
eyes off, the same person may
decide consecutive steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.choices import Role
from dudao.org.selectors import RoleHolders
from dudao.policies.registry import policy_for

SERVICE_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.OPS_MANAGER, Role.HR, Role.FINANCE})


@dataclass(frozen=True)
class RoutedStep:
    position: int
    role: str
    approvers: tuple  # Person instances, ordered by name


def _fallback(role: str) -> str:
    return "nearest" if role in SERVICE_ROLES else ""


def _ids(people: Iterable) -> set[int]:
    """Person ids from people or ids."""
    return {person if isinstance(person, int) else person.pk for person in people if person is not None}


def approvers_for(*, role: str, unit, exclude: Iterable = ()) -> list:
    """The people who decide a step of `role` for a request from `unit` (without `exclude`)."""
    holders = RoleHolders(unit.organization_id, [role])
    return holders.over(unit, role, fallback=_fallback(role), exclude_ids=_ids(exclude))


def _organization(unit):
    """The unit's organisation when already loaded (saves policy_for a query), else its id."""
    return unit.organization if "organization" in unit._state.fields_cache else unit.organization_id


def four_eyes(unit, on) -> bool:
    """Whether one person may decide at most one step of a request from `unit` made on `on` (policy)."""
    return policy_for(_organization(unit), on=on).approvals.four_eyes


def roles_for(*, organization_id: int, kind: str, amount: Decimal | None, on) -> tuple[str, ...]:
    return tuple(policy_for(organization_id, on=on).approval_roles(kind, amount))


def _decidable(holders: RoleHolders, unit, roles: Sequence[str], excluded: frozenset[int]) -> bool:
    """Whether `roles` can be decided one after the other by different people, none of `excluded`,
    each step's approvers found as `next_approvers` finds them when the step opens (a decider of an
    earlier step is excluded; service roles then fall back to the nearest holders)."""
    if not roles:
        return True
    role, later = roles[0], roles[1:]
    candidates = holders.over(unit, role, fallback=_fallback(role), exclude_ids=excluded)
    later_holders = {a.person_id for r in later for a in holders.holding(r)}
    # People holding none of the later roles all leave the later steps alike: trying one is enough.
    tried_outsider = False
    for person in candidates:
        if person.pk not in later_holders:
            if tried_outsider:
                continue
            tried_outsider = True
        if _decidable(holders, unit, later, excluded | {person.pk}):
            return True
    return False


def route(*, kind: str, amount: Decimal | None, unit, requester, on,
          roles: Sequence[str] | None = None) -> list[RoutedStep]:
    """The steps of a new request, each with its approvers; refused when a step has nobody to decide
    it, or, under four eyes, when the steps cannot be decided one by one by different people.
    `roles` replaces the policy's steps when the asking app has already applied its own rule to
    them (an appraisal result submitted by the flow's first role starts at the second)."""
    policy = policy_for(_organization(unit), on=on)
    roles = tuple(roles) if roles is not None else tuple(policy.approval_roles(kind, amount))
    holders = RoleHolders(unit.organization_id, roles)
    steps = []
    for position, role in enumerate(roles, start=1):
        approvers = holders.over(unit, role, fallback=_fallback(role), exclude_ids={requester.pk})
        if not approvers:
            held_by_requester = any(a.person_id == requester.pk for a in holders.holding(role))
            raise nobody_decides(role, unit, held_by_requester=held_by_requester)
        steps.append(RoutedStep(position, role, tuple(approvers)))
    if policy.approvals.four_eyes and len(roles) > 1 and not _decidable(holders, unit, roles,
                                                                        frozenset({requester.pk})):
        raise four_eyes_refusal(steps)
    return steps


def next_approvers(*, role: str, unit, requester, decided: Iterable, on) -> list:
    """The approvers of an open step: its role's holders over the unit, never the requester, and
    under four eyes nobody who decided an earlier step of the request (`decided`, people or ids)."""
    decided = [person for person in decided if person is not None]
    # Before any step is decided there is nobody to exclude, and no need to read the policy.
    exclude = [requester, *(decided if decided and four_eyes(unit, on) else ())]
    return approvers_for(role=role, unit=unit, exclude=exclude)


def open_next(*, roles: Sequence[str], unit, requester, decided: Iterable, actor, on) -> list:
    """The approvers of the step about to open (`roles[0]`, `roles` being the steps still to come)
    once `actor` has approved the current one (`decided` includes them).

    Refused when the step has nobody to decide it; under four eyes also when the steps to come could
    no longer be decided by people other than those who decided earlier ones: then someone else
    should take the current step."""
    use_four_eyes = four_eyes(unit, on)
    holders = RoleHolders(unit.organization_id, roles)
    excluded = frozenset(_ids([requester, *(decided if use_four_eyes else ())]))
    role = roles[0]
    approvers = holders.over(unit, role, fallback=_fallback(role), exclude_ids=excluded)
    if use_four_eyes and not _decidable(holders, unit, roles, excluded):
        if not holders.over(unit, role, fallback=_fallback(role), exclude_ids=_ids([requester])):
            raise nobody_decides(role, unit)
        raise four_eyes_blocks_next(roles, actor)
    if not approvers:
        raise nobody_decides(role, unit)
    return approvers


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


def four_eyes_refusal(steps: Sequence[RoutedStep]) -> ApplicationError:
    """The refusal when the steps of a request cannot be decided by different people (four eyes)."""
    roles = "、".join(str(Role(step.role).label) for step in steps)
    names = "、".join(sorted({person.display_name for step in steps for person in step.approvers}))
    message = _("按四眼原则每人只能审批一个步骤,但审批步骤(%(roles)s)只能由 %(names)s 审批,无法分给不同的人;"
                "请联系管理员授予相应角色。") % {"roles": roles, "names": names}
    return ApplicationError(ErrorCode.VALIDATION, message, {"fields": {"unit_id": [message]},
                                                            "roles": [step.role for step in steps]})


def four_eyes_blocks_next(roles: Sequence[str], actor) -> ApplicationError:
    """The refusal when approving now would leave the steps to come with nobody but people who
    decided an earlier step (four eyes): someone else should decide the current step."""
    labels = "、".join(str(Role(role).label) for role in roles)
    message = _("按四眼原则每人只能审批一个步骤:若由 %(name)s 同意,后续步骤(%(roles)s)将没有其他人可以审批;"
                "请由本步骤的其他审批人处理,或联系管理员授予相应角色。") % {"name": actor.display_name, "roles": labels}
    return ApplicationError(ErrorCode.CONFLICT, message, {"roles": list(roles), "rule": "four_eyes"})
