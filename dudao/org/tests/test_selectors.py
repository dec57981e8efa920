"""Who holds a role over a unit and which region a unit lies in: one definition each."""

from __future__ import annotations

from dudao.org.choices import Role
from dudao.org.selectors import Regions, RoleHolders, region_of, role_holders


def names(people) -> list[str]:
    return [person.username for person in people]


def test_a_role_granted_above_a_unit_covers_it_and_org_wide_roles_cover_everything(world):
    store = world.unit("store1")
    assert names(role_holders(store, [Role.REGION_MANAGER])) == ["region_manager"]
    assert names(role_holders(world.unit("store3"), [Role.REGION_MANAGER])) == ["other_region_manager"]
    assert names(role_holders(world.unit("center"), [Role.REGION_MANAGER])) == []
    assert "executive" in names(role_holders(world.unit("store3"), [Role.EXECUTIVE]))


def test_fallbacks_name_where_to_look_when_nobody_holds_the_role_there(world):
    holders = RoleHolders(world.org.pk, [Role.REGION_MANAGER, Role.DEPARTMENT_HEAD])
    west_store = world.unit("store3")
    center = world.unit("center")
    assert holders.over(center, Role.REGION_MANAGER) == []
    assert names(holders.over(center, Role.REGION_MANAGER, fallback="organisation")) == [
        "other_region_manager", "region_manager"]
    # The department head sits in the operations center, not above any store: the nearest serves.
    assert names(holders.over(west_store, Role.DEPARTMENT_HEAD, fallback="nearest")) == ["department_head"]
    assert holders.over(west_store, Role.DEPARTMENT_HEAD, fallback="nearest",
                        exclude_ids=[world.people["department_head"].pk]) == []


def test_a_units_region_is_its_nearest_region_ancestor(world):
    regions = Regions(world.org.pk)
    assert regions.of(world.unit("store1")).pk == world.unit("east").pk
    assert regions.of(world.unit("east")).pk == world.unit("east").pk
    assert regions.of(world.unit("department")) is None
    assert regions.group_id(world.unit("department").path) == world.unit("center").pk
    assert region_of(world.unit("store3")).name == "华西区"
