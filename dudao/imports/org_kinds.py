"""The two kinds of the organisation itself: units (the tree, by parent code) and people with roles.

Both look up what exists in a few bulk queries, whatever the number of rows, and write through
`dudao.org.services` so every unit, person and role grant is validated and audited as if typed in.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dudao.core.errors import ApplicationError
from dudao.core.numbers import as_decimal
from dudao.org import services as org_services
from dudao.org.choices import LEAF_KINDS, ORG_WIDE_ROLES, Role, UnitKind
from dudao.org.models import Person, RoleAssignment, Unit

from .registry import Field, ImportKind, PlanContext, Row, RowFailure, RowPlan, zh

UNIT_CODES = "unit_codes"
"""PlanContext.shared key: unit code -> kind of every unit an onboarding workbook's units sheet plans."""


def _service_failure(row: Row, exc: ApplicationError, fields: dict[str, str], default: str) -> RowFailure:
    named = (exc.detail or {}).get("fields", {}) if isinstance(exc.detail, dict) else {}
    field_code = next((fields.get(name, name) for name in named), default)
    return RowFailure(row, field_code, exc.message)


def _too_long(plan: RowPlan, code: str, value: str, limit: int) -> None:
    if len(value) > limit:
        plan.error(code, _("不能超过 %(limit)s 个字符") % {"limit": limit})


# --- units -------------------------------------------------------------------------------------
class UnitsKind(ImportKind):
    code = "units"
    label = gettext_lazy("机构")
    label_en = "Units"
    sheet_names = ("机构", "units")
    key_field = "code"
    fields = (
        Field("code", gettext_lazy("机构编码"), "Unit code", required=True, aliases=("编码",),
              help=gettext_lazy("组织内唯一；已存在的编码视为更新")),
        Field("name", gettext_lazy("机构名称"), "Unit name", required=True, aliases=("名称",)),
        Field("kind", gettext_lazy("机构类型"), "Kind", required=True, type="choice", aliases=("类型",),
              choices=lambda: UnitKind.choices,
              help=gettext_lazy("填写类型代码或中文名称，例如 store 或 门店")),
        Field("parent_code", gettext_lazy("上级机构编码"), "Parent code", aliases=("上级编码", "parent"),
              help=gettext_lazy("上级机构的编码，可以是系统中已有的机构，也可以是本文件中（任意位置）的机构；根机构留空")),
        Field("latitude", gettext_lazy("纬度"), "Latitude", aliases=("lat",),
              help=gettext_lazy("WGS-84 纬度（-90 到 90），例如 31.230416；与经度同时填写，留空则不修改")),
        Field("longitude", gettext_lazy("经度"), "Longitude", aliases=("lon", "lng"),
              help=gettext_lazy("WGS-84 经度（-180 到 180），例如 121.473701；与纬度同时填写，留空则不修改")),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        existing = {u.code: u for u in Unit.objects.filter(organization_id=context.organization_id)
                    .only("id", "code", "name", "kind", "parent_id")}
        code_of = {u.pk: u.code for u in existing.values()}
        final_parent = {u.code: code_of.get(u.parent_id) for u in existing.values()}
        final_kind = {u.code: u.kind for u in existing.values()}
        plans: list[RowPlan] = []
        first_row: dict[str, int] = {}
        for row in rows:
            plan = RowPlan(row, key=row.get("code"))
            code, name, parent_code = row.get("code"), row.get("name"), row.get("parent_code")
            kind_text = row.get("kind")
            for f in self.fields:
                if f.required and not row.get(f.code):
                    plan.error(f.code, _("必填"))
            _too_long(plan, "code", code, 50)
            _too_long(plan, "name", name, 200)
            kind = self.field("kind").choice_value(kind_text) if kind_text else None
            if kind_text and kind is None:
                plan.error("kind", _("未知的机构类型“%(value)s”") % {"value": kind_text})
            if code and code in first_row:
                plan.error("code", _("编码与第 %(row)s 行重复") % {"row": first_row[code]})
            elif code:
                first_row[code] = row.number
                final_parent[code] = parent_code or None
                final_kind[code] = kind or final_kind.get(code)
            position = self._position(plan, row.get("latitude"), row.get("longitude"))
            plan.data = {"code": code, "name": name, "kind": kind, "parent_code": parent_code,
                         "unit": existing.get(code), "position": position}
            plans.append(plan)
            context.progress(len(plans))

        for plan in plans:
            if plan.errors:
                continue
            data, unit = plan.data, plan.data["unit"]
            code, parent_code, kind = data["code"], data["parent_code"], data["kind"]
            if unit is not None and unit.parent_id is None:
                if parent_code:
                    plan.error("parent_code", _("根机构不能设上级机构"))
                if kind != UnitKind.COMPANY:
                    plan.error("kind", _("根机构必须是公司"))
            else:
                if kind == UnitKind.COMPANY:
                    plan.error("kind", _("公司只能是根机构"))
                if not parent_code:
                    plan.error("parent_code", _("必须填写上级机构编码"))
                elif parent_code not in final_parent:
                    plan.error("parent_code", _("上级机构编码“%(code)s”不存在：系统中和本文件中都没有") % {"code": parent_code})
                elif self._in_cycle(code, final_parent):
                    plan.error("parent_code", _("上级关系形成循环：%(code)s 不能是自己的下级") % {"code": code})
                elif final_kind.get(parent_code) in LEAF_KINDS:
                    plan.error("parent_code", _("上级机构“%(code)s”是门店/网点/厂站，下面不能再设机构") % {"code": parent_code})
            if kind in LEAF_KINDS and any(p == code for p in final_parent.values()):
                plan.error("kind", _("有下级机构的机构不能是门店/网点/厂站"))
            if plan.errors:
                continue
            if unit is None:
                plan.action = "create"
                plan.changes = {"name": [None, data["name"]], "kind": [None, zh(UnitKind(kind).label)],
                                "parent_code": [None, parent_code]}
                if data["position"]:
                    plan.changes["position"] = [None, self._position_text(*data["position"])]
                continue
            old_parent = code_of.get(unit.parent_id)
            if unit.name != data["name"]:
                plan.changes["name"] = [unit.name, data["name"]]
            if unit.kind != kind:
                plan.changes["kind"] = [zh(UnitKind(unit.kind).label), zh(UnitKind(kind).label)]
            if (parent_code or None) != old_parent:
                plan.changes["parent_code"] = [old_parent, parent_code]
            if data["position"] and data["position"] != (unit.latitude, unit.longitude):
                plan.changes["position"] = [
                    self._position_text(unit.latitude, unit.longitude) if unit.has_position else None,
                    self._position_text(*data["position"]),
                ]
            plan.action = "update" if plan.changes else "unchanged"
        return plans

    @staticmethod
    def _position(plan: RowPlan, latitude_text: str, longitude_text: str):
        """(latitude, longitude) as Decimals, None when both cells are blank; a bad or lone value is
        an error naming its column."""
        if not latitude_text and not longitude_text:
            return None
        values = {}
        for code, text, limit in (("latitude", latitude_text, 90), ("longitude", longitude_text, 180)):
            if not text:
                plan.error(code, _("纬度和经度须同时填写"))
                continue
            number = as_decimal(text.strip())
            if number is None or not -limit <= number <= limit:
                plan.error(code, _("须是 -%(limit)s 到 %(limit)s 之间的数字（WGS-84），不是“%(value)s”")
                           % {"limit": limit, "value": text})
                continue
            if number != number.quantize(Decimal("0.000001")):
                plan.error(code, _("最多 6 位小数"))
                continue
            values[code] = number.quantize(Decimal("0.000001"))
        if len(values) < 2:
            return None
        return values["latitude"], values["longitude"]

    @staticmethod
    def _position_text(latitude, longitude) -> str:
        return f"{latitude}, {longitude}"

    @staticmethod
    def _in_cycle(code: str, final_parent: dict[str, str | None]) -> bool:
        seen = {code}
        current = final_parent.get(code)
        while current is not None:
            if current in seen:
                return True
            seen.add(current)
            current = final_parent.get(current)
        return False

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        actor = context.actor
        fields = {"parent_id": "parent_code"}
        units = {u.code: u for u in Unit.objects.filter(organization_id=context.organization_id)}
        updates = [p for p in plans if p.action == "update"]
        # Names and kinds first (a unit that stops being a store may then take children), then the
        # new units parents first, whatever their order in the file, then the moves.
        for plan in updates:
            changes = {k: plan.data[k] for k in ("name", "kind") if k in plan.changes}
            if "position" in plan.changes:
                changes["latitude"], changes["longitude"] = plan.data["position"]
            if changes:
                try:
                    units[plan.key] = org_services.unit_update(actor=actor, unit=units[plan.key], **changes)
                except ApplicationError as exc:
                    raise _service_failure(plan.row, exc, fields, "code") from exc
        pending = [p for p in plans if p.action == "create"]
        while pending:
            waiting = []
            for plan in pending:
                parent = units.get(plan.data["parent_code"])
                if parent is None:
                    waiting.append(plan)
                    continue
                try:
                    units[plan.key] = org_services.unit_create(
                        actor=actor, parent=parent, code=plan.data["code"], name=plan.data["name"],
                        kind=plan.data["kind"],
                        **dict(zip(("latitude", "longitude"), plan.data["position"] or (None, None), strict=True)),
                    )
                except ApplicationError as exc:
                    raise _service_failure(plan.row, exc, fields, "code") from exc
            if len(waiting) == len(pending):
                raise RowFailure(waiting[0].row, "parent_code", _("找不到上级机构"))
            pending = waiting
        for plan in updates:
            if "parent_code" in plan.changes:
                try:
                    org_services.unit_move(actor=actor, unit=units[plan.key],
                                           new_parent=units[plan.data["parent_code"]])
                except ApplicationError as exc:
                    raise _service_failure(plan.row, exc, fields, "parent_code") from exc
        return self.count(plans)

    def export_rows(self, organization):
        units = Unit.objects.filter(organization=organization).select_related("parent").order_by("path")
        return [
            {"code": u.code, "name": u.name, "kind": zh(UnitKind(u.kind).label),
             "parent_code": u.parent.code if u.parent_id else "",
             "latitude": str(u.latitude) if u.latitude is not None else "",
             "longitude": str(u.longitude) if u.longitude is not None else ""}
            for u in units
        ]


# --- people ------------------------------------------------------------------------------------
class PeopleKind(ImportKind):
    code = "people"
    label = gettext_lazy("人员")
    label_en = "People"
    sheet_names = ("人员", "people")
    key_field = "username"
    fields = (
        Field("username", gettext_lazy("用户名"), "Username", required=True, aliases=("账号", "登录名"),
              help=gettext_lazy("登录用的账号；已存在的用户名视为更新。一人多个角色时写多行")),
        Field("display_name", gettext_lazy("姓名"), "Display name", required=True, aliases=("name",)),
        Field("email", gettext_lazy("邮箱"), "Email", type="email", aliases=("电子邮箱", "e-mail")),
        Field("password", gettext_lazy("初始密码"), "Password", type="password", aliases=("密码",),
              help=gettext_lazy("只用于新建人员；留空则此人需通过邮件设置密码。已有人员的密码不会被修改")),
        Field("role", gettext_lazy("角色"), "Role", type="choice", choices=lambda: Role.choices,
              help=gettext_lazy("填写角色代码或中文名称，例如 supervisor 或 督导")),
        Field("unit_code", gettext_lazy("机构编码"), "Unit code", aliases=("所属机构编码",),
              help=gettext_lazy("角色所在的机构；系统管理员、总经理留空时授予在根机构")),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        org_id = context.organization_id
        wanted = {row.get("username").lower() for row in rows if row.get("username")}
        existing = {p.username.lower(): p for p in Person.objects.annotate(lowered=Lower("username"))
                    .filter(lowered__in=wanted)} if wanted else {}
        held = set(
            RoleAssignment.objects.filter(person__in=[p.pk for p in existing.values()])
            .values_list("person_id", "role", "unit__code")
        ) if existing else set()
        units = dict(Unit.objects.filter(organization_id=org_id).values_list("code", "parent_id"))
        root_code = next((code for code, parent in units.items() if parent is None), None)
        unit_codes = set(units) | set(context.shared.get(UNIT_CODES, ()))
        role_field = self.field("role")
        groups: dict[str, dict] = {}
        plans: list[RowPlan] = []
        for row in rows:
            username = row.get("username")
            plan = RowPlan(row, key=username)
            plans.append(plan)
            context.progress(len(plans))
            key = username.lower()
            if not username:
                plan.error("username", _("必填"))
                continue
            _too_long(plan, "username", username, 150)
            person = existing.get(key)
            if person is not None and person.organization_id != org_id:
                plan.error("username", _("用户名已被使用"))
                continue
            group = groups.get(key)
            display_name, email, password = row.get("display_name"), row.get("email"), row.get("password")
            if group is None and person is None and not display_name:
                plan.error("display_name", _("新建人员必须填写姓名"))
            _too_long(plan, "display_name", display_name, 150)
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    plan.error("email", _("邮箱格式不正确"))
            if group is not None:
                for code, value in (("display_name", display_name), ("email", email), ("password", password)):
                    if value and group[code] and value != group[code]:
                        plan.error(code, _("与第 %(row)s 行不一致") % {"row": group["row"]})
            if password and person is None and group is None:
                try:
                    password_validation.validate_password(
                        password, Person(username=username, display_name=display_name, email=email)
                    )
                except ValidationError as exc:
                    plan.error("password", exc.messages[0])
            role_text, unit_code = row.get("role"), row.get("unit_code")
            role = role_field.choice_value(role_text) if role_text else None
            if role_text and role is None:
                plan.error("role", _("未知角色“%(value)s”") % {"value": role_text})
            if unit_code and not role_text:
                plan.error("role", _("填写了机构编码，但没有填写角色"))
            if role and not unit_code:
                if role in ORG_WIDE_ROLES and root_code:
                    unit_code = root_code
                else:
                    plan.error("unit_code", _("此角色必须填写机构编码"))
            if unit_code and unit_code not in unit_codes:
                plan.error("unit_code", _("机构编码“%(code)s”不存在") % {"code": unit_code})
            if plan.errors:
                continue
            plan.data = {"person": person, "role": role, "unit_code": unit_code, "creates": False,
                         "person_changes": {}, "grant": False}
            if group is None:
                group = groups[key] = {"row": row.number, "display_name": display_name, "email": email,
                                       "password": password, "grants": set(), "new": person is None,
                                       "changed": False}
                if person is None:
                    plan.data.update(creates=True, display_name=display_name, email=email, password=password)
                    plan.changes = {"display_name": [None, display_name]}
                    if email:
                        plan.changes["email"] = [None, email]
                    plan.changes["password"] = [None, (
                        _("已设置（首次登录须修改）") if password else _("未设置：将发邮件请本人设置") if email
                        else _("未设置：没有邮箱，请管理员在人员页重置密码"))]
                else:
                    if not person.is_active:
                        plan.data["inactive"] = True
                    for code, value in (("display_name", display_name), ("email", email)):
                        if value and value != getattr(person, code):
                            plan.changes[code] = [getattr(person, code), value]
                            plan.data["person_changes"][code] = value
            else:
                for code, value in (("display_name", display_name), ("email", email), ("password", password)):
                    group[code] = group[code] or value
            if role:
                grant = (role, unit_code)
                already = person is not None and (person.pk, role, unit_code) in held
                if not already and grant not in group["grants"]:
                    if person is not None and not person.is_active:
                        plan.error("role", _("已停用的人员不能授予角色"))
                        continue
                    plan.data["grant"] = True
                    plan.changes["role"] = [None, f"{zh(Role(role).label)} @ {unit_code}"]
                group["grants"].add(grant)
            if plan.data["creates"]:
                plan.action = "create"
            elif plan.changes:
                plan.action = "update"
                group["changed"] = True
            plan.data["group"] = key
        return plans

    def count(self, plans: list[RowPlan]) -> tuple[int, int]:
        created = sum(1 for p in plans if p.data.get("creates"))
        updated = len({p.data["group"] for p in plans if p.action == "update" and p.data.get("person")})
        return created, updated

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        actor = context.actor
        units = {u.code: u for u in Unit.objects.filter(organization_id=context.organization_id)}
        people: dict[str, Person] = {}
        for plan in plans:
            data = plan.data
            key = data.get("group")
            if key is None:
                continue
            try:
                if data["creates"]:
                    people[key] = org_services.person_create(
                        actor=actor, username=plan.key, display_name=data["display_name"],
                        email=data["email"], password=data["password"] or None,
                        must_change_password=True,  # a password from a file is known to others
                    )
                    if not data["password"]:
                        # No first password in the file: the person is mailed a link to set one.
                        org_services.person_invite(actor=actor, person=people[key])
                elif key not in people:
                    people[key] = data["person"]
                if data["person_changes"]:
                    people[key] = org_services.person_update(actor=actor, person=people[key], **data["person_changes"])
                if data["grant"]:
                    org_services.role_grant(actor=actor, person=people[key], role=data["role"],
                                            unit=units[data["unit_code"]])
            except ApplicationError as exc:
                raise _service_failure(plan.row, exc, {"person_id": "username", "unit_id": "unit_code"},
                                       "username") from exc
        return self.count(plans)

    def export_rows(self, organization):
        people = Person.objects.filter(organization=organization).order_by("username").prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit").order_by("id"))
        )
        rows = []
        for person in people:
            base = {"username": person.username, "display_name": person.display_name, "email": person.email,
                    "password": ""}
            assignments = list(person.role_assignments.all())
            if not assignments:
                rows.append({**base, "role": "", "unit_code": ""})
            for assignment in assignments:
                rows.append({**base, "role": zh(Role(assignment.role).label), "unit_code": assignment.unit.code})
        return rows
