from __future__ import annotations

import uuid
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import (
    EVERYWHERE,
    OrgScopedModel,
    OrgScopedQuerySet,
    ScopeRules,
    minimal_paths,
    paths_filter,
)

from .choices import ORG_WIDE_ROLES, Role, UnitKind


class Organization(models.Model):
    """A tenant: one company, bank or chain with its own tree, people and policy. Nothing crosses it."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    policy_pack = models.CharField(_("制度包"), max_length=50)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(OrgScopedQuerySet):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(organization_id=unit.organization_id, path__startswith=unit.path)


class Unit(OrgScopedModel):
    """A node of the organisation tree: the company, a center, a department, a region, a store.

    `path` is the materialised path of ids from the root ("/1/4/17/"), so a whole subtree is one
    indexed prefix match and never a walk down the tree.
    """

    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("编码"), max_length=50)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    path = models.CharField(max_length=600, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # WGS-84, as a phone's browser reports it; the distance of an on-site check-in is measured
    # from here (map links convert nothing, so a Chinese map may show the pin a few hundred metres off).
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)

    objects = UnitQuerySet.as_manager()

    scope_path_field = "path"
    scope_roles = {"view": None, "manage": frozenset({Role.ADMIN})}

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unit_code_unique_in_org"),
        ]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit-detail", args=[self.pk])

    def is_within(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def map_url(self) -> str:
        """An AMap marker for the unit's position ("" without one)."""
        if not self.has_position:
            return ""
        query = urlencode({"position": f"{self.longitude},{self.latitude}", "name": self.name})
        return f"https://uri.amap.com/marker?{query}"


class PersonQuerySet(OrgScopedQuerySet):
    def visible_to(self, actor, action: str = "view") -> PersonQuerySet:
        """People are seen through the units they hold roles on; everyone sees themselves."""
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return self.none()
        queryset = self.filter(organization_id=actor.organization_id)
        paths = actor.scope_paths(Person.scope_roles_for(action))
        if paths == EVERYWHERE:
            return queryset
        in_subtrees = RoleAssignment.objects.filter(
            paths_filter("unit__path", paths) if paths else Q(pk__in=[]),
            organization_id=actor.organization_id,
        ).values("person_id")
        if action == "view":
            return queryset.filter(Q(pk__in=in_subtrees) | Q(pk=actor.pk))
        return queryset.filter(pk__in=in_subtrees)


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields) -> Person:
        person = self.model(username=username, **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person


class Person(ScopeRules, AbstractBaseUser):
    """Someone who works in the organisation and signs in to Dudao: a supervisor, a store manager."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="people")
    username = models.CharField(_("用户名"), max_length=150, unique=True)
    display_name = models.CharField(_("姓名"), max_length=150)
    email = models.EmailField(_("邮箱"), blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    date_joined = models.DateTimeField(_("加入时间"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    # The last working day (离职日期); appraisal reads it to decide what a leaver forfeits.
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    # Set by an administrator's reset: until the person picks their own password they can do nothing else.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Changing the stamp ends every session the person has open (it is part of the session hash).
    session_stamp = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = PersonManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]
    scope_path_field = "role_assignments__unit__path"
    scope_roles = {"view": None, "manage": frozenset({Role.ADMIN})}

    class Meta:
        ordering = ["display_name", "username"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:person-detail", args=[self.pk])

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "dudao.org.Person.session", f"{self.password}:{self.session_stamp}", algorithm="sha256"
        ).hexdigest()

    # --- roles, loaded once per instance ---------------------------------------------------
    def role_assignments_cached(self) -> list[RoleAssignment]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = list(
                self.role_assignments.select_related("unit").only(
                    "id", "role", "unit_id", "person_id", "unit__path", "unit__name", "unit__kind"
                )
            )
            self._role_cache = cached
        return cached

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_cache", None)

    def roles(self) -> set[str]:
        return {assignment.role for assignment in self.role_assignments_cached()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    def scope_paths(self, roles: frozenset[str] | None) -> list[str] | str:
        """Subtree paths where the person holds one of `roles` (any role when None)."""
        held = [a for a in self.role_assignments_cached() if roles is None or a.role in roles]
        if any(a.role in ORG_WIDE_ROLES for a in held):
            return EVERYWHERE
        return minimal_paths([a.unit.path for a in held])

    @property
    def is_org_admin(self) -> bool:
        return self.is_authenticated and self.is_active and self.has_role(Role.ADMIN)


class RoleAssignment(OrgScopedModel):
    """A role held by a person on a unit; it covers the unit's whole subtree."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="role_assignments")
    granted_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": None, "manage": frozenset({Role.ADMIN})}

    class Meta:
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "unit"], name="role_once_per_unit"),
        ]
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} @ {self.unit}"


class ApiToken(models.Model):
    """A Bearer token for the API. Only its SHA-256 is stored; it expires and can be revoked."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.person})"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.person.is_active
