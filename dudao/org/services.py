"""Every change to the organisation tree, its people and their roles: validated, audited, atomic."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.core.figure_changes import figures_changed
from dudao.core.models import AuditEvent

from .choices import LEAF_KINDS, Role, UnitKind
from .models import ApiToken, Organization, Person, RoleAssignment, Unit
from .permissions import can_manage_people, can_manage_roles, can_manage_units

logger = logging.getLogger(__name__)

UNIT_AUDIT_FIELDS = [
    "parent", "code", "name", "kind", "path", "is_active", "latitude", "longitude", "address",
]
# Position fields may be cleared (set to None); the others skip a None as "not given".
UNIT_POSITION_FIELDS = {"latitude", "longitude", "address"}
PERSON_AUDIT_FIELDS = [
    "username", "display_name", "email", "phone", "is_active", "organization", "left_on", "must_change_password",
]
# A leaving date is the past or the coming weeks (notice given), never a guess about next year.
LEFT_ON_MAX_AHEAD_DAYS = 31
# Reset mails one person may be sent per hour: enough for a typo, too few to flood their mailbox.
RESET_MAILS_PER_HOUR = 3


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
def unit_create(*, actor, parent: Unit | None, code: str, name: str, kind: str, latitude=None, longitude=None,
                address: str = "") -> Unit:
    require_permission(can_manage_units(actor))
    _same_org(actor, parent)
    _check_parent(parent, kind)
    if (latitude is None) != (longitude is None):
        raise validation_error("longitude" if longitude is None else "latitude", _("纬度和经度须同时填写"))
    unit = Unit(organization_id=actor.organization_id, parent=parent, code=code.strip(), name=name.strip(), kind=kind,
                latitude=latitude, longitude=longitude, address=(address or "").strip())
    return _save_new_unit(unit, actor=actor)


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    """Rename, recode, re-kind or (de)activate a unit; moving has its own service."""
    require_permission(can_manage_units(actor))
    _same_org(actor, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, UNIT_AUDIT_FIELDS)
    allowed = {"code", "name", "kind", "is_active", *UNIT_POSITION_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    for field, value in changes.items():
        if value is not None or field in UNIT_POSITION_FIELDS:
            if field == "address":
                value = value or ""
            setattr(unit, field, value.strip() if isinstance(value, str) else value)
    if (unit.latitude is None) != (unit.longitude is None):
        raise validation_error("longitude" if unit.longitude is None else "latitude", _("纬度和经度须同时填写"))
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
    figures_changed(unit.organization_id, [(unit.pk, None)])  # which visits lie within their plan's scope
    record_event(actor=actor, action="unit.move", obj=unit, before=before, after=snapshot(unit, UNIT_AUDIT_FIELDS))
    return unit


# --- people ----------------------------------------------------------------------------------
def _check_password(password: str, person: Person, field: str = "password") -> None:
    """Django's password validators; the refusal names `field` (the form or payload field at fault)."""
    try:
        password_validation.validate_password(password, person)
    except ValidationError as exc:
        raise ApplicationError(
            ErrorCode.VALIDATION, f"{field}: {exc.messages[0]}", {"fields": {field: exc.messages}}
        ) from exc


@transaction.atomic
def person_create(
    *, actor, username: str, display_name: str, password: str | None, email: str = "", phone: str = "",
    organization: Organization | None = None, must_change_password: bool = False,
) -> Person:
    """A new person in the actor's organisation (or, for first set-up, in `organization`).

    Without a password (None) the person gets an unusable one and sets their own through the
    password-reset e-mail (bulk imports create people this way). `must_change_password`: the
    password was handed over by someone else (an import file), so the first sign-in asks for a new one."""
    if actor is not None:
        require_permission(can_manage_people(actor))
        organization_id = actor.organization_id
    else:
        organization_id = organization.pk
    person = Person(
        organization_id=organization_id, username=username.strip(), display_name=display_name.strip(),
        email=email.strip(), phone=phone.strip(), must_change_password=bool(must_change_password and password),
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
    """Correct a person's name, e-mail or phone (audited before/after).

    A `password` among the changes is an administrator's reset (`person_password_reset`): the
    person's sessions and tokens end and they must choose their own password at next sign-in.
    """
    require_permission(can_manage_people(actor))
    _same_org(actor, person)
    allowed = {"display_name", "email", "phone", "password"}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    password = changes.pop("password", None)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    for field, value in changes.items():
        if value is not None:
            setattr(person, field, value.strip())
    if "display_name" in changes and not person.display_name:
        raise validation_error("display_name", _("姓名不能为空"))
    full_clean_or_refuse(person, exclude=["password"])
    if password:
        _check_password(password, person)
    person.save()
    after = snapshot(person, PERSON_AUDIT_FIELDS)
    if after != before:
        record_event(actor=actor, action="person.update", obj=person, before=before, after=after)
    if password:
        person = person_password_reset(actor=actor, person=person, password=password)
    return person


def _end_access(person: Person, *, keep_session_key: str | None = None, keep_token: ApiToken | None = None) -> dict:
    """End every session and API token of `person` except the ones named; returns what ended."""
    revoked = ApiToken.objects.filter(person=person, revoked_at__isnull=True)
    if keep_token is not None:
        revoked = revoked.exclude(pk=keep_token.pk)
    tokens = revoked.update(revoked_at=timezone.now())
    sessions = _end_sessions(person, keep_session_key=keep_session_key)
    return {"tokens_revoked": tokens, "sessions_ended": sessions}


def _store_new_password(person: Person, password: str, *, must_change: bool) -> None:
    person.set_password(password)
    person.must_change_password = must_change
    # A new stamp (part of the session hash) ends every session still open elsewhere at once.
    person.session_stamp = uuid.uuid4()
    person.save(update_fields=["password", "must_change_password", "session_stamp"])


@transaction.atomic
def person_password_reset(*, actor, person: Person, password: str) -> Person:
    """An administrator sets a new password for someone who lost theirs.

    Every session and token the person has ends now, and at next sign-in they must choose their own
    password before they can use anything else. The audit event never holds the password.
    """
    require_permission(can_manage_people(actor))
    _same_org(actor, person)
    if person.pk == actor.pk:
        raise validation_error("id", _("不能在这里重置自己的密码,请使用“修改密码”"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise validation_error("id", _("已停用的人员不能重置密码"))
    _check_password(password, person)
    _store_new_password(person, password, must_change=True)
    ended = _end_access(person)
    record_event(
        actor=actor, action="person.password_reset", obj=person,
        after={"must_change_password": True, **ended},
    )
    return person


@transaction.atomic
def password_change(
    *, actor, old_password: str, new_password: str, keep_session_key: str | None = None,
    keep_token: ApiToken | None = None,
) -> Person:
    """A person changes their own password: the session (or token) they do it from stays, every other ends.

    The caller of a session keeps it by updating its hash (`update_session_auth_hash`) after this.
    """
    person = Person.objects.select_for_update().get(pk=actor.pk)
    if not person.check_password(old_password or ""):
        raise validation_error("old_password", _("当前密码不正确"))
    if old_password == new_password:
        raise validation_error("new_password", _("新密码不能与当前密码相同"))
    _check_password(new_password, person, field="new_password")
    was_forced = person.must_change_password
    _store_new_password(person, new_password, must_change=False)
    ended = _end_access(person, keep_session_key=keep_session_key, keep_token=keep_token)
    record_event(
        actor=person, action="person.password_change", obj=person,
        after={"was_required": was_forced, **ended},
    )
    return person


# --- forgotten password ----------------------------------------------------------------------
def password_reset_link(person: Person) -> str:
    """The absolute link of a reset mail (base URL from DUDAO_BASE_URL, as every mail's links)."""
    path = reverse("org:password-reset-confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    })
    return f"{settings.DUDAO_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


def _send_link_mail(person: Person, link: str, template: str, **context) -> None:
    """One of the mails carrying a password link (`org/mail/<template>.txt` and `_subject.txt`)."""
    context = {"person": person, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600, **context}
    send_mail(
        subject=" ".join(render_to_string(f"org/mail/{template}_subject.txt", context).split()),
        message=render_to_string(f"org/mail/{template}.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )


def person_invite(*, actor, person: Person) -> bool:
    """Someone added without a password (an import, a form left blank) is mailed a link to set one.

    The link is the reset link: it sets the first password and stops working once used. Without
    an e-mail address nothing is sent and an admin sets the password on the person's page.
    Returns whether a mail was queued.
    """
    if not person.email or not person.is_active or person.has_usable_password():
        return False
    link = password_reset_link(person)
    record_event(actor=actor, action="person.invite_mail", obj=person, after={"email": person.email})
    organization = person.organization.name
    transaction.on_commit(lambda: _send_link_mail(person, link, "invite", organization=organization))
    return True


def _recent_reset_mails(person: Person) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    # (object_type, object_id) is the audit table's index: one person's events, whatever the table's size.
    return AuditEvent.objects.filter(
        object_type=Person._meta.label_lower, object_id=str(person.pk), action="person.password_reset_mail",
        at__gte=since,
    ).count()


@transaction.atomic
def password_reset_request(*, identifier: str) -> int:
    """Someone forgot their password and typed their e-mail address or username.

    Each active person with that address (or username) and an e-mail gets a link, unless they were
    sent RESET_MAILS_PER_HOUR already in the past hour. The caller learns nothing: whatever the
    outcome, the page answers the same. Returns the number of mails queued (for tests and logs).
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return 0
    people = Person.objects.select_related("organization").filter(
        Q(email__iexact=identifier) | Q(username__iexact=identifier), is_active=True, organization__is_active=True,
    ).exclude(email="")
    queued = 0
    for person in people.select_for_update(of=("self",)):
        if _recent_reset_mails(person) >= RESET_MAILS_PER_HOUR:
            logger.warning("password reset mail throttled for person %s", person.pk)
            continue
        link = password_reset_link(person)
        record_event(
            actor=None, action="person.password_reset_mail", obj=person,
            after={"email": person.email},
            organization_id=person.organization_id,
        )
        transaction.on_commit(lambda person=person, link=link: _send_link_mail(person, link, "password_reset"))
        queued += 1
    return queued


@transaction.atomic
def password_reset_complete(*, person: Person, new_password: str) -> Person:
    """The holder of a valid reset link sets a new password: every session and token ends.

    The link's token covers the password hash, so it stops working the moment this succeeds.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check_password(new_password, person, field="new_password1")
    _store_new_password(person, new_password, must_change=False)
    ended = _end_access(person)
    record_event(actor=person, action="person.password_reset_complete", obj=person, after=ended)
    return person


def _check_left_on(left_on: dt.date) -> None:
    latest = timezone.localdate() + dt.timedelta(days=LEFT_ON_MAX_AHEAD_DAYS)
    if left_on > latest:
        raise validation_error(
            "left_on", _("离职日期不能晚于 %(date)s(今天起 %(days)s 天内)") % {
                "date": latest.isoformat(), "days": LEFT_ON_MAX_AHEAD_DAYS},
        )


@transaction.atomic
def person_deactivate(*, actor, person: Person, left_on: dt.date | None = None) -> Person:
    """Someone leaves: they can no longer sign in, and every session and token they hold ends now.

    `left_on` is the leaving date (today when not given); the appraisal reads it for what a leaver
    forfeits. It may be in the past or up to LEFT_ON_MAX_AHEAD_DAYS ahead.
    """
    require_permission(can_manage_people(actor))
    _same_org(actor, person)
    if person.pk == actor.pk:
        raise validation_error("id", _("不能停用自己的账号"))
    left_on = left_on or timezone.localdate()
    _check_left_on(left_on)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return person
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    now = timezone.now()
    person.is_active = False
    person.deactivated_at = now
    person.left_on = left_on
    person.session_stamp = uuid.uuid4()
    person.save(update_fields=["is_active", "deactivated_at", "left_on", "session_stamp"])
    ended = _end_access(person)
    record_event(
        actor=actor, action="person.deactivate", obj=person, before=before,
        after={**snapshot(person, PERSON_AUDIT_FIELDS), **ended},
    )
    return person


def _end_sessions(person: Person, *, keep_session_key: str | None = None) -> int:
    """Delete the stored sessions of `person` (the new session stamp already invalidates them)."""
    ended = 0
    sessions = Session.objects.filter(expire_date__gt=timezone.now())
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    for session in sessions.iterator():
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
