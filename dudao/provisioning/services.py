"""Setting up an organisation: the first admin (dudao_init) and the demo chain (dudao_demo)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org import services as org_services
from dudao.org.choices import Role, UnitKind
from dudao.org.models import Organization, Person, RoleAssignment, Unit
from dudao.policies.registry import load_pack


@dataclass
class InitResult:
    organization: Organization
    admin: Person
    created_organization: bool
    created_admin: bool


@transaction.atomic
def organization_init(*, name: str, pack: str, admin_username: str, admin_password: str) -> InitResult:
    """Create the organisation from a pack with its first admin; running it again changes nothing."""
    load_pack(pack)  # refuses an unknown pack, naming it
    organization = Organization.objects.filter(name=name).first()
    created_organization = organization is None
    if organization is None:
        organization = org_services.organization_create(name=name, pack=pack)
    elif organization.policy_pack != pack:
        raise ApplicationError(
            ErrorCode.CONFLICT,
            f"organization {name!r} already exists with pack {organization.policy_pack!r}, not {pack!r}",
        )
    admin = Person.objects.filter(username=admin_username).first()
    created_admin = admin is None
    if admin is None:
        admin = org_services.person_create(
            actor=None, organization=organization, username=admin_username,
            display_name=admin_username, password=admin_password,
        )
    elif admin.organization_id != organization.pk:
        raise ApplicationError(
            ErrorCode.CONFLICT, f"username {admin_username!r} belongs to another organization"
        )
    root = org_services.root_unit(organization)
    if not RoleAssignment.objects.filter(person=admin, role=Role.ADMIN, unit=root).exists():
        org_services.role_grant(actor=None, person=admin, role=Role.ADMIN, unit=root)
    return InitResult(organization, admin, created_organization, created_admin)


DEMO_ORG = "鲜味餐饮集团"
DEMO_PASSWORD = "Dudao-demo-2026"
DEMO_REGIONS = [
    ("EAST", "华东区", ["上海南京西路店", "上海淮海中路店", "杭州西湖店", "南京新街口店"]),
    ("SOUTH", "华南区", ["广州天河店", "深圳福田店", "深圳南山店", "厦门中山路店"]),
    ("NORTH", "华北区", ["北京王府井店", "北京国贸店", "天津滨江道店", "青岛台东店"]),
]


@dataclass
class DemoLogin:
    username: str
    display_name: str
    role: str
    unit: str


@transaction.atomic
def demo_load() -> tuple[Organization, list[DemoLogin], bool]:
    """The demo restaurant chain of DESIGN.md section 6, loaded once; later calls only list the logins."""
    existing = Organization.objects.filter(name=DEMO_ORG).first()
    if existing is not None:
        return existing, demo_logins(existing), False
    result = organization_init(name=DEMO_ORG, pack="restaurant_chain", admin_username="admin",
                               admin_password=DEMO_PASSWORD)
    organization = result.organization
    admin = Person.objects.get(pk=result.admin.pk)
    admin.display_name = "系统管理员"
    admin.save(update_fields=["display_name"])
    root = org_services.root_unit(organization)

    def unit(parent, code, name, kind):
        return org_services.unit_create(actor=admin, parent=parent, code=code, name=name, kind=kind)

    def person(username, display_name, role, on):
        someone = org_services.person_create(
            actor=admin, username=username, display_name=display_name, password=DEMO_PASSWORD,
            email=f"{username}@demo.dudao.local",
        )
        org_services.role_grant(actor=admin, person=someone, role=role, unit=on)
        return someone

    center = unit(root, "OPS", "运营中心", UnitKind.CENTER)
    department = unit(center, "OPS-MGT", "管理部", UnitKind.DEPARTMENT)
    person("gm", "王总", Role.EXECUTIVE, root)
    person("ops", "李运营", Role.OPS_MANAGER, root)
    person("depthead", "赵主任", Role.DEPARTMENT_HEAD, department)
    person("hr", "孙人事", Role.HR, root)
    person("finance", "周财务", Role.FINANCE, root)
    store_number = 0
    for index, (code, name, stores) in enumerate(DEMO_REGIONS, start=1):
        region = unit(root, code, name, UnitKind.REGION)
        person(f"region{index}", f"{name[:2]}区域经理", Role.REGION_MANAGER, region)
        person(f"supervisor{index}", f"{name[:2]}督导", Role.SUPERVISOR, region)
        for store_name in stores:
            store_number += 1
            store = unit(region, f"S{store_number:02d}", store_name, UnitKind.STORE)
            person(f"store{store_number:02d}", f"{store_name.removesuffix('店')}店长", Role.UNIT_MANAGER, store)
            if store_number == 1:
                person("staff01", "陈员工", Role.STAFF, store)
    load_domain_demos(organization)
    return organization, demo_logins(organization), True


# Each domain app that has demo data exposes `dudao/<app>/demo.py` with `load_demo(context)`;
# they run in this order (later ones build on earlier ones' data; notifications then dates and reads
# what the others sent, and meetings, last, dates its own notifications as it sends them).
DEMO_APPS = ["checklists", "planning", "inspections", "findings", "approvals", "reporting", "analytics",
             "appraisal", "discipline", "training", "workplans", "incidents", "cadres", "simulation", "notifications",
             "meetings", "calibration", "facts"]


@dataclass
class DemoContext:
    organization: Organization
    people: dict[str, Person]
    units: dict[str, Unit]
    password: str = DEMO_PASSWORD


def load_domain_demos(organization: Organization) -> None:
    import importlib
    import importlib.util

    context = DemoContext(
        organization=organization,
        people={p.username: p for p in Person.objects.filter(organization=organization)},
        units={u.code: u for u in Unit.objects.filter(organization=organization)},
    )
    for app in DEMO_APPS:
        name = f"dudao.{app}.demo"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).load_demo(context)


def demo_logins(organization: Organization) -> list[DemoLogin]:
    rows = (
        RoleAssignment.objects.filter(organization_id=organization.pk, person__is_active=True)
        .select_related("person", "unit")
        .order_by("unit__path", "role", "person__username")
    )
    order = {role: index for index, role in enumerate(Role.values)}
    logins = [
        DemoLogin(a.person.username, a.person.display_name, a.get_role_display(), a.unit.name) for a in rows
    ]
    roles_by_user = {a.person.username: a.role for a in rows}
    return sorted(logins, key=lambda login: (order[roles_by_user[login.username]], login.username))


def demo_unit_count(organization: Organization) -> int:
    return Unit.objects.filter(organization=organization).count()
