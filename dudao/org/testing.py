"""A small organisation world for tests, built through the real services.

Two organisations. "甲餐饮" (org A) has a company root, an operations center with its management
department, two regions with stores, and one person per role; "乙银行" (org B) has its own admin
and a branch manager. Keys of `World.people` name who is who in permission tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import services
from .choices import Role, UnitKind
from .models import Organization, Person, Unit

PASSWORD = "Dudao-test-pass-2026"


@dataclass
class World:
    org: Organization
    other_org: Organization
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def person(self, key: str) -> Person:
        person = Person.objects.get(pk=self.people[key].pk)
        return person

    def unit(self, key: str) -> Unit:
        return Unit.objects.get(pk=self.units[key].pk)


# key -> (role, unit key); people without a role are created separately.
ROLE_HOLDERS = {
    "admin": (Role.ADMIN, "root"),
    "executive": (Role.EXECUTIVE, "root"),
    "ops_manager": (Role.OPS_MANAGER, "center"),
    "department_head": (Role.DEPARTMENT_HEAD, "department"),
    "supervisor": (Role.SUPERVISOR, "east"),
    "region_manager": (Role.REGION_MANAGER, "east"),
    "unit_manager": (Role.UNIT_MANAGER, "store1"),
    "staff": (Role.STAFF, "store1"),
    "hr": (Role.HR, "root"),
    "finance": (Role.FINANCE, "root"),
    "other_region_manager": (Role.REGION_MANAGER, "west"),
    "other_unit_manager": (Role.UNIT_MANAGER, "store3"),
}


def make_person(organization: Organization, username: str, display_name: str | None = None) -> Person:
    return services.person_create(
        actor=None, organization=organization, username=username,
        display_name=display_name or username, password=PASSWORD, email=f"{username}@example.com",
    )


def build_world(pack: str = "restaurant_chain") -> World:
    org = services.organization_create(name="甲餐饮", pack=pack)
    other_org = services.organization_create(name="乙银行", pack="bank_branches")
    world = World(org=org, other_org=other_org)
    root = services.root_unit(org)
    admin = make_person(org, "admin", "管理员")
    services.role_grant(actor=None, person=admin, role=Role.ADMIN, unit=root)
    admin = Person.objects.get(pk=admin.pk)
    world.people["admin"] = admin
    units = world.units
    units["root"] = root
    units["center"] = services.unit_create(actor=admin, parent=root, code="OPS", name="运营中心", kind=UnitKind.CENTER)
    units["department"] = services.unit_create(
        actor=admin, parent=units["center"], code="MGT", name="管理部", kind=UnitKind.DEPARTMENT
    )
    units["east"] = services.unit_create(actor=admin, parent=root, code="E", name="华东区", kind=UnitKind.REGION)
    units["west"] = services.unit_create(actor=admin, parent=root, code="W", name="华西区", kind=UnitKind.REGION)
    units["store1"] = services.unit_create(actor=admin, parent=units["east"], code="S1", name="南京西路店", kind=UnitKind.STORE)
    units["store2"] = services.unit_create(actor=admin, parent=units["east"], code="S2", name="淮海路店", kind=UnitKind.STORE)
    units["store3"] = services.unit_create(actor=admin, parent=units["west"], code="S3", name="春熙路店", kind=UnitKind.STORE)
    for key, (role, unit_key) in ROLE_HOLDERS.items():
        if key == "admin":
            continue
        person = make_person(org, key)
        services.role_grant(actor=admin, person=person, role=role, unit=units[unit_key])
        world.people[key] = person
    world.people["no_role"] = make_person(org, "no_role", "无角色")

    other_root = services.root_unit(other_org)
    other_admin = make_person(other_org, "b_admin", "乙管理员")
    services.role_grant(actor=None, person=other_admin, role=Role.ADMIN, unit=other_root)
    other_admin = Person.objects.get(pk=other_admin.pk)
    units["b_root"] = other_root
    units["b_branch"] = services.unit_create(
        actor=other_admin, parent=other_root, code="B1", name="城东支行", kind=UnitKind.BRANCH
    )
    world.people["b_admin"] = other_admin
    b_manager = make_person(other_org, "b_unit_manager", "乙网点负责人")
    services.role_grant(actor=other_admin, person=b_manager, role=Role.UNIT_MANAGER, unit=units["b_branch"])
    world.people["b_unit_manager"] = b_manager
    return world
