"""API for sign-in, the caller, the unit tree and people (DESIGN.md section 5)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, update_session_auth_hash
from django.db.models import Prefetch, Q
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode

from . import services
from .models import Person, RoleAssignment, Unit
from .schemas import (
    DeactivateIn,
    MeOut,
    PasswordChangeIn,
    PasswordResetIn,
    PersonIn,
    PersonOut,
    PersonPatch,
    RoleAssignmentOut,
    RoleGrantIn,
    TokenIn,
    TokenOut,
    UnitIn,
    UnitMoveIn,
    UnitOut,
    UnitPatch,
)

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"])
units_router = Router(tags=["units"])
people_router = Router(tags=["people"])

LOCKED_MESSAGE = "Too many failed sign-in attempts; the account is locked for 15 minutes"


@auth_router.post("/token", auth=None, response={200: TokenOut})
def token_create(request, payload: TokenIn):
    """Exchange username and password for a Bearer token. 401 when wrong, 429 while locked."""
    credentials = {"username": payload.username}
    if AxesProxyHandler.is_locked(request, credentials):
        raise ApplicationError(ErrorCode.LOCKED_OUT, LOCKED_MESSAGE)
    person = authenticate(request, username=payload.username, password=payload.password)
    if person is None:
        if getattr(request, "axes_locked_out", False):
            raise ApplicationError(ErrorCode.LOCKED_OUT, LOCKED_MESSAGE)
        raise ApplicationError(ErrorCode.AUTHENTICATION, "Wrong username or password")
    raw = services.token_issue(person=person)
    token = person.api_tokens.order_by("-id").first()
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@auth_router.delete("/token", response={204: None})
def token_delete(request):
    """Revoke the token this request was made with."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise ApplicationError(ErrorCode.VALIDATION, "Only a Bearer token can be revoked this way")
    services.token_revoke(actor=actor_of(request), token=token)
    return Status(204, None)


def _roles_out(person: Person) -> list[dict]:
    return [{"role": a.role, "unit_id": a.unit_id} for a in person.role_assignments_cached()]


@me_router.get("", response=MeOut)
def me(request):
    person = actor_of(request)
    return {
        "id": person.pk,
        "username": person.username,
        "display_name": person.display_name,
        "organization_id": person.organization_id,
        "roles": _roles_out(person),
    }


@me_router.post("/password", response={204: None})
def my_password_change(request, payload: PasswordChangeIn):
    """Change my own password: the session or token of this call stays, every other one ends."""
    token = getattr(request, "api_token", None)
    session_key = None if token is not None else request.session.session_key
    person = services.password_change(
        actor=actor_of(request), old_password=payload.old_password, new_password=payload.new_password,
        keep_session_key=session_key, keep_token=token,
    )
    if token is None:
        update_session_auth_hash(request, person)
    return Status(204, None)


# --- units -----------------------------------------------------------------------------------
@units_router.get("", response=list[UnitOut])
@paginate(Pagination)
def unit_list(request, parent_id: int | None = None, kind: str | None = None, q: str | None = None):
    units = Unit.objects.visible_to(actor_of(request)).order_by("path")
    if parent_id is not None:
        units = units.filter(parent_id=parent_id)
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return units


@units_router.post("", response={201: UnitOut})
def unit_create(request, payload: UnitIn):
    actor = actor_of(request)
    parent = get_for_actor(Unit, actor, payload.parent_id, action="manage")
    unit = services.unit_create(actor=actor, parent=parent, code=payload.code, name=payload.name, kind=payload.kind,
                                latitude=payload.latitude, longitude=payload.longitude, address=payload.address)
    return Status(201, unit)


@units_router.get("/{unit_id}", response=UnitOut)
def unit_get(request, unit_id: int):
    return get_for_actor(Unit, actor_of(request), unit_id)


@units_router.patch("/{unit_id}", response=UnitOut)
def unit_update(request, unit_id: int, payload: UnitPatch):
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, unit_id, action="manage")
    return services.unit_update(actor=actor, unit=unit, **payload.dict(exclude_unset=True))


@units_router.post("/{unit_id}/move", response=UnitOut)
def unit_move(request, unit_id: int, payload: UnitMoveIn):
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, unit_id, action="manage")
    parent = get_for_actor(Unit, actor, payload.parent_id, action="manage")
    return services.unit_move(actor=actor, unit=unit, new_parent=parent)


# --- people ----------------------------------------------------------------------------------
def _people():
    return Person.objects.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit"))
    )


@people_router.get("", response=list[PersonOut])
@paginate(Pagination)
def person_list(request, q: str | None = None, active: bool | None = None):
    people = _people().visible_to(actor_of(request)).order_by("display_name", "id")
    if q:
        people = people.filter(Q(display_name__icontains=q) | Q(username__icontains=q))
    if active is not None:
        people = people.filter(is_active=active)
    return people


@people_router.post("", response={201: PersonOut})
def person_create(request, payload: PersonIn):
    actor = actor_of(request)
    person = services.person_create(actor=actor, **payload.dict())
    return Status(201, _people().get(pk=person.pk))


@people_router.get("/{person_id}", response=PersonOut)
def person_get(request, person_id: int):
    return get_for_actor(_people(), actor_of(request), person_id)


@people_router.patch("/{person_id}", response=PersonOut)
def person_update(request, person_id: int, payload: PersonPatch):
    actor = actor_of(request)
    person = get_for_actor(Person, actor, person_id, action="manage")
    services.person_update(actor=actor, person=person, **payload.dict(exclude_unset=True))
    return _people().get(pk=person.pk)


@people_router.post("/{person_id}/password", response=PersonOut)
def person_password_reset(request, person_id: int, payload: PasswordResetIn):
    """An administrator's reset: the person's sessions and tokens end; they choose their own at next sign-in."""
    actor = actor_of(request)
    person = get_for_actor(Person, actor, person_id, action="manage")
    services.person_password_reset(actor=actor, person=person, password=payload.password)
    return _people().get(pk=person.pk)


@people_router.post("/{person_id}/deactivate", response=PersonOut)
def person_deactivate(request, person_id: int, payload: DeactivateIn):
    actor = actor_of(request)
    person = get_for_actor(Person, actor, person_id, action="manage")
    services.person_deactivate(actor=actor, person=person, left_on=payload.left_on)
    return _people().get(pk=person.pk)


@people_router.get("/{person_id}/roles", response=list[RoleAssignmentOut])
def person_roles(request, person_id: int):
    person = get_for_actor(_people(), actor_of(request), person_id)
    return list(person.role_assignments.all())


@people_router.post("/{person_id}/roles", response={201: RoleAssignmentOut})
def role_grant(request, person_id: int, payload: RoleGrantIn):
    actor = actor_of(request)
    person = get_for_actor(Person, actor, person_id, action="manage")
    unit = get_for_actor(Unit, actor, payload.unit_id, action="manage")
    assignment = services.role_grant(actor=actor, person=person, role=payload.role, unit=unit)
    return Status(201, assignment)


@people_router.delete("/{person_id}/roles/{assignment_id}", response={204: None})
def role_revoke(request, person_id: int, assignment_id: int):
    actor = actor_of(request)
    person = get_for_actor(Person, actor, person_id, action="manage")
    assignment = get_for_actor(RoleAssignment.objects.filter(person=person), actor, assignment_id, action="manage")
    services.role_revoke(actor=actor, assignment=assignment)
    return Status(204, None)
