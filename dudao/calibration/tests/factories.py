"""Test data for calibration: supervisors of another region, submitted inspections with chosen
answers, and pairs made and completed through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.inspections import services as inspection_services
from dudao.inspections.tests.factories import AT_STORE, check_items, make_template
from dudao.org import services as org_services
from dudao.org.choices import Role
from dudao.org.testing import make_person

from .. import services
from ..models import CalibrationPair

P, F = "pass", "fail"


def add_supervisor(world, key: str, unit_key: str = "west"):
    """A supervisor on `unit_key` (another region than the world's east supervisor)."""
    person = make_person(world.org, key, key)
    org_services.role_grant(actor=world.person("admin"), person=person, role=Role.SUPERVISOR,
                            unit=world.unit(unit_key))
    world.people[key] = person
    return world.person(key)


def template(world, items: int = 4):
    if not hasattr(world, "_calibration_template"):
        world._calibration_template = make_template(world, check_items(items), name="校准检查表")
    return world._calibration_template


def inspect(world, person, unit, answers: list[str], *, when: dt.datetime | None = None, visit=None):
    """A submitted inspection of `unit` by `person`, answering the template's items in order."""
    when = when or timezone.now() - dt.timedelta(days=1)
    tpl = visit.template if visit is not None else template(world)
    inspection, _created = inspection_services.inspection_create(
        actor=person, unit=unit, template=tpl, visit=visit, performed_at=when, now=max(when, timezone.now()),
        **AT_STORE)
    items = inspection_services.scorable_items(inspection)
    inspection_services.answers_upsert(actor=person, inspection=inspection, answers=[
        {"item_code": item.code, "value": value} for item, value in zip(items, answers, strict=True)])
    return inspection_services.inspection_submit(actor=person, inspection=inspection,
                                                 now=max(when + dt.timedelta(hours=1), timezone.now())).inspection


def completed_pair(world, first: list[str], second: list[str], *, first_by="supervisor", second_by="west_supervisor",
                   unit_key="store1", days_ago: int = 2) -> CalibrationPair:
    """A pair whose first inspection (by `first_by`) and blind second one (by the supervisor the
    scheduling chose; `second_by` is added first when the world lacks them) are both submitted,
    completed by the calibration job."""
    if second_by not in world.people:
        add_supervisor(world, second_by)
    when = timezone.now() - dt.timedelta(days=days_ago)
    inspection = inspect(world, world.person(first_by), world.unit(unit_key), first, when=when)
    pair = services.calibration_schedule(inspection=inspection)
    assert pair.second_supervisor is not None, pair.reason
    inspect(world, pair.second_supervisor, world.unit(unit_key), second, when=when + dt.timedelta(hours=20),
            visit=pair.second_visit)
    services.calibration_sync(organization_id=world.org.pk)
    pair.refresh_from_db()
    return pair
