"""Property: after any sequence of moves and grants, a person sees exactly the union of their role subtrees."""

from __future__ import annotations

import contextlib

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.core.errors import ApplicationError
from dudao.org import services
from dudao.org.choices import Role, UnitKind
from dudao.org.models import Person, RoleAssignment, Unit


def subtree_ids(unit_id: int, children: dict[int, list[int]]) -> set[int]:
    """The reference answer, computed by walking parent links in memory (no paths involved)."""
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def expected_visible(person: Person) -> set[int]:
    rows = list(Unit.objects.filter(organization_id=person.organization_id).values_list("id", "parent_id"))
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in rows:
        children.setdefault(parent_id, []).append(unit_id)
    assignments = RoleAssignment.objects.filter(person=person)
    if any(a.role in {Role.ADMIN, Role.EXECUTIVE} for a in assignments):
        return {unit_id for unit_id, _ in rows}
    visible: set[int] = set()
    for assignment in assignments:
        visible |= subtree_ids(assignment.unit_id, children)
    return visible


operation = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("grant"), st.integers(0, 2), st.sampled_from([Role.REGION_MANAGER, Role.SUPERVISOR,
                                                                  Role.UNIT_MANAGER]), st.integers(0, 40)),
    st.tuples(st.just("add"), st.integers(0, 40)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=12))
def test_visible_units_equal_union_of_role_subtrees(world, operations):
    # Each example runs in a savepoint that is rolled back, so every example starts from the same world.
    with transaction.atomic():
        admin = world.person("admin")
        people = [world.person(key) for key in ("supervisor", "no_role", "other_region_manager")]
        for op in operations:
            units = list(Unit.objects.filter(organization=world.org).order_by("id"))
            if op[0] == "move":
                unit, parent = units[op[1] % len(units)], units[op[2] % len(units)]
                # Under itself, under a store, or the root: refused, tree unchanged.
                with contextlib.suppress(ApplicationError):
                    services.unit_move(actor=admin, unit=unit, new_parent=parent)
            elif op[0] == "grant":
                services.role_grant(actor=admin, person=people[op[1]], role=op[2], unit=units[op[3] % len(units)])
            else:
                parent = units[op[1] % len(units)]
                if parent.kind not in {"store", "branch", "plant"}:
                    services.unit_create(actor=admin, parent=parent, code=f"N{Unit.objects.count()}",
                                         name="新区域", kind=UnitKind.REGION)
        for person in people:
            person = Person.objects.get(pk=person.pk)
            visible = set(Unit.objects.visible_to(person).values_list("id", flat=True))
            assert visible == expected_visible(person)
        for unit in Unit.objects.filter(organization=world.org).select_related("parent"):
            assert unit.path == f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
            assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0)
        transaction.set_rollback(True)


def test_visible_units_of_a_large_tree_take_a_constant_number_of_queries(world, django_assert_num_queries):
    admin = world.person("admin")
    regions = [services.unit_create(actor=admin, parent=world.unit("root"), code=f"R{i}", name=f"区域{i}",
                                    kind=UnitKind.REGION) for i in range(5)]
    Unit.objects.bulk_create([
        Unit(organization=world.org, parent=regions[i % 5], code=f"B{i}", name=f"店{i}", kind=UnitKind.STORE,
             path="", depth=2)
        for i in range(500)
    ])
    for unit in Unit.objects.filter(code__startswith="B").select_related("parent"):
        Unit.objects.filter(pk=unit.pk).update(path=f"{unit.parent.path}{unit.pk}/")
    manager = world.person("region_manager")
    for region in regions[:3]:
        services.role_grant(actor=admin, person=manager, role=Role.REGION_MANAGER, unit=region)
    manager = Person.objects.get(pk=manager.pk)
    with django_assert_num_queries(2):  # the person's roles, then the units
        visible = list(Unit.objects.visible_to(manager))
    assert len(visible) == 3 + 300 + 3  # east subtree (east, store1, store2) + three regions with 100 stores each
