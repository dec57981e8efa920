from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from .choices import Role, UnitKind


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=512)


class TokenOut(Schema):
    token: str
    expires_at: str


class RoleOut(Schema):
    role: str
    unit_id: int


class RoleAssignmentOut(Schema):
    id: int
    role: str
    unit_id: int
    unit_name: str

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    organization_id: int
    roles: list[RoleOut]


class UnitIn(Schema):
    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    parent_id: int
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    address: str = Field("", max_length=300)


class UnitPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=50)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: UnitKind | None = None
    is_active: bool | None = None
    # WGS-84; null clears the position.
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    address: str | None = Field(None, max_length=300)


class UnitMoveIn(Schema):
    parent_id: int


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    is_active: bool
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""


class PersonIn(Schema):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    display_name: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=512)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class PersonPatch(Schema):
    """`PATCH /people/{id}`: exactly the fields DESIGN.md section 5 names; each optional."""

    display_name: str | None = Field(None, min_length=1, max_length=150)
    email: str | None = Field(None, max_length=254)


class PasswordResetIn(Schema):
    password: str = Field(min_length=1, max_length=512)


class PasswordChangeIn(Schema):
    old_password: str = Field(min_length=1, max_length=512)
    new_password: str = Field(min_length=1, max_length=512)


class DeactivateIn(Schema):
    left_on: dt.date


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    phone: str
    is_active: bool
    left_on: dt.date | None
    must_change_password: bool
    roles: list[RoleAssignmentOut]

    @staticmethod
    def resolve_roles(obj) -> list:
        return list(obj.role_assignments.all())


class RoleGrantIn(Schema):
    role: Role
    unit_id: int
