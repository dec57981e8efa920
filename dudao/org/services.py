"""Every change to the organisation tree, its people and their roles: validated, audited, atomic."""

from __future__ import annotations

import uuid

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)

from .choices import LEAF_KINDS, Role, UnitKind
from .models import ApiToken, Organization, Person, RoleAssignment, Unit
from .permissions import can_manage_people, can_manage_roles, can_manage_units

UNIT_AUDIT_FIELDS = ["parent", "code", "name", "kind", "path", "is_active"]
PERSON_AUDIT_FIELDS = ["username", "display_name", "email", "phone", "is_active", "organization"]


def _same_org(actor, *objects) -> None:
    """Objects named by a caller must be in the actor's organisation; otherwise they do not exist."""
    for obj in objects:
        if obj is not None and obj.organization_id != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))


# --- organisations ---------------------------------------------------------------------------
@transaction.atomic
def organization_create(*, name: str, pack: str, actor=None) -> Organization:
    """A new tenant from a policy pack, with its root unit (the company)."""
    organization = Organization(name=name, policy_pack=pack)
    full_clean_or_refuse(organization)
    organization.save()
    record_event(actor=actor, action="organization.create", obj=organization, after=snapshot(organization))
    root = Unit(organization=organization, parent=None, code="ROOT", name=name, kind=UnitKind.COMPANY)
    _save_new_unit(root, actor=actor)
    return organization


def root_unit(organization: Organization) -> Unit:
    return Unit.objects.get(organization=organization, parent__isnull=True)


# --- units -----------------------------------------------------------------------------------
def _save_new_unit(unit: Unit, *, actor) -> Unit:
    full_clean_or_refuse(unit, exclude=["path", "depth"])
    unit.save()
    unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
    unit.depth = unit.parent.depth + 1 if unit.parent else 0
    unit.save(update_fields=["path", "depth"])
    record_event(actor=actor, action="unit.create", obj=unit, after=snapshot(unit, UNIT_AUDIT_FIELDS))
    return unit


def _check_parent(parent: Unit | None, kind: str) -> None:
    if parent is None:
        raise validation_error("parent_id", _("必须指定上级机构"))
    if parent.kind in LEAF_KINDS:
        raise validation_error(
            "parent_id", _("%(kind)s 类机构下不能再设下级") % {"kind": parent.get_kind_display()}
        )
    if kind == UnitKind.COMPANY:
        raise validation_error("kind", _("公司只能是根机构"))


@transaction.atomic
def unit_create(*, actor, parent: Unit | None, code: str, name: str, kind: str) -> Unit:
    require_permission(can_manage_units(actor))
    _same_org(actor, parent)
    _check_parent(parent, kind)
    unit = Unit(organization_id=actor.organization_id, parent=parent, code=code.strip(), name=name.strip(), kind=kind)
    return _save_new_unit(unit, actor=actor)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    """Rename, recode, re-kind or (de)activate a unit; moving has its own service."""
    require_permission(can_manage_units(actor))
    _same_org(actor, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, UNIT_AUDIT_FIELDS)
    allowed = {"code", "name", "kind", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    for field, value in changes.items():
        if value is not None:
            setattr(unit, field, value.strip() if isinstance(value, str) else value)
    if "kind" in changes and changes["kind"] is not None:
        if unit.parent_id is None and unit.kind != UnitKind.COMPANY:
            raise validation_error("kind", _("根机构必须是公司"))
        if unit.parent_id is not None and unit.kind == UnitKind.COMPANY:
            raise validation_error("kind", _("公司只能是根机构"))
        if unit.kind in LEAF_KINDS and unit.children.exists():
            raise validation_error("kind", _("有下级机构的机构不能改为门店/网点/厂站"))
    if changes.get("is_active") is False and unit.parent_id is None:
        raise validation_error("is_active", _("不能停用根机构"))
    full_clean_or_refuse(unit, exclude=["path", "depth"])
    unit.save()
    after = snapshot(unit, UNIT_AUDIT_FIELDS)
    if after != before:
        record_event(actor=actor, action="unit.update", obj=unit, before=before, after=after)
    return unit


@transaction.atomic
def unit_move(*, actor, unit: Unit, new_parent: Unit) -> Unit:
    """Put a unit and its whole subtree under another parent: one UPDATE rewrites every path."""
    require_permission(can_manage_units(actor))
    _same_org(actor, unit, new_parent)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    if unit.parent_id is None:
        raise validation_error("parent_id", _("根机构不能移动"))
    if new_parent.path.startswith(unit.path):
        raise validation_error("parent_id", _("不能移动到自身或其下级之下"))
    _check_parent(new_parent, unit.kind)
    if new_parent.pk == unit.parent_id:
        return unit
    before = snapshot(unit, UNIT_AUDIT_FIELDS)
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.pk}/"
    depth_change = new_parent.depth + 1 - unit.depth
    Unit.objects.filter(organization_id=unit.organization_id, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    record_event(actor=actor, action="unit.move", obj=unit, before=before, after=snapshot(unit, UNIT_AUDIT_FIELDS))
    return unit


# --- people ----------------------------------------------------------------------------------
def _check_password(password: str, person: Person) -> None:
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise ApplicationError(
            ErrorCode.VALIDATION, f"password: {exc.messages[0]}", {"fields": {"password": exc.messages}}
        ) from exc


@transaction.atomic
def person_create(
    *, actor, username: str, display_name: str, password: str | None, email: str = "", phone: str = "",
    organization: Organization | None = None,
) -> Person:
    """A new person in the actor's organisation (or, for first set-up, in `organization`).

    Without a password (None) the person gets an unusable one and sets their own through the
    password-reset e-mail (bulk imports create people this way)."""
    if actor is not None:
        require_permission(can_manage_people(actor))
        organization_id = actor.organization_id
    else:
        organization_id = organization.pk
    person = Person(
        organization_id=organization_id, username=username.strip(), display_name=display_name.strip(),
        email=email.strip(), phone=phone.strip(),
    )
    if Person.objects.filter(username__iexact=person.username).exists():
        raise validation_error("username", _("用户名已被使用"))
    if password is None:
        person.set_unusable_password()
    else:
        _check_password(password, person)
        person.set_password(password)
    full_clean_or_refuse(person, exclude=["password"])
    person.save()
    record_event(
        actor=actor, action="person.create", obj=person, after=snapshot(person, PERSON_AUDIT_FIELDS),
        organization_id=organization_id,
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **changes) -> Person:
    require_permission(can_manage_people(actor))
    _same_org(actor, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    allowed = {"display_name", "email", "phone", "password"}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    password = changes.pop("password", None)
    for field, value in changes.items():
        if value is not None:
            setattr(person, field, value.strip())
    if password:
        _check_password(password, person)
        person.set_password(password)
    full_clean_or_refuse(person, exclude=["password"])
    person.save()
    after = snapshot(person, PERSON_AUDIT_FIELDS)
    if password:
        after["password_changed"] = True
    if after != before:
        record_event(actor=actor, action="person.update", obj=person, before=before, after=after)
    return person


@transaction.atomic
def person_deactivate(*, actor, person: Person) -> Person:
    """Someone leaves: they can no longer sign in, and every session and token they hold ends now."""
    require_permission(can_manage_people(actor))
    _same_org(actor, person)
    if person.pk == actor.pk:
        raise validation_error("id", _("不能停用自己的账号"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return person
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    now = timezone.now()
    person.is_active = False
    person.deactivated_at = now
    person.session_stamp = uuid.uuid4()
    person.save(update_fields=["is_active", "deactivated_at", "session_stamp"])
    revoked = ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    ended = _end_sessions(person)
    record_event(
        actor=actor, action="person.deactivate", obj=person, before=before,
        after={**snapshot(person, PERSON_AUDIT_FIELDS), "tokens_revoked": revoked, "sessions_ended": ended},
    )
    return person


def _end_sessions(person: Person) -> int:
    """Delete the stored sessions of `person` (the new session stamp already invalidates them)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk):
            session.delete()
            ended += 1
    return ended


# --- roles -----------------------------------------------------------------------------------
@transaction.atomic
def role_grant(*, actor, person: Person, role: str, unit: Unit) -> RoleAssignment:
    if actor is not None:
        require_permission(can_manage_roles(actor))
        _same_org(actor, person, unit)
    if person.organization_id != unit.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if role not in Role.values:
        raise validation_error("role", _("未知角色:%(role)s") % {"role": role})
    if not person.is_active:
        raise validation_error("person_id", _("已停用的人员不能授予角色"))
    existing = RoleAssignment.objects.filter(person=person, role=role, unit=unit).first()
    if existing:
        return existing
    assignment = RoleAssignment(
        organization_id=unit.organization_id, person=person, role=role, unit=unit,
        granted_by=actor if actor is not None else None,
    )
    full_clean_or_refuse(assignment)
    assignment.save()
    person.forget_roles()
    record_event(
        actor=actor, action="role.grant", obj=assignment,
        after={"person_id": person.pk, "role": role, "unit_id": unit.pk},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    require_permission(can_manage_roles(actor))
    _same_org(actor, assignment)
    if assignment.person_id == actor.pk and assignment.role == Role.ADMIN:
        others = RoleAssignment.objects.filter(
            organization_id=actor.organization_id, role=Role.ADMIN, person__is_active=True
        ).exclude(pk=assignment.pk)
        if not others.exists():
            raise validation_error("role", _("不能撤销组织中最后一个管理员的管理员角色"))
    before = {"person_id": assignment.person_id, "role": assignment.role, "unit_id": assignment.unit_id}
    record_event(actor=actor, action="role.revoke", obj=assignment, before=before)
    assignment.delete()


# --- API tokens ------------------------------------------------------------------------------
@transaction.atomic
def token_issue(*, person: Person) -> str:
    from .auth import new_token

    raw, token = new_token(person)
    record_event(
        actor=person, action="token.issue", obj=token,
        after={"person_id": person.pk, "prefix": token.prefix, "expires_at": token.expires_at},
        organization_id=person.organization_id,
    )
    return raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    if token.person_id != actor.pk:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="token.revoke", obj=token, after={"prefix": token.prefix})
