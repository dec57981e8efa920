"""Selection, scheduling, blindness and completion of calibration pairs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.inspections.models import Inspection
from dudao.notifications.models import Notification
from dudao.planning.choices import VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.policies.services import policy_version_create

from .. import services
from ..choices import PairStatus
from ..models import CalibrationPair
from .factories import F, P, add_supervisor, completed_pair, inspect

pytestmark = pytest.mark.django_db


def set_share(world, share):
    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"calibration": {"share": share}})


# --- selection -------------------------------------------------------------------------------
def test_the_draw_is_stable_and_the_share_picks_about_that_share():
    assert services.draw(12345) == services.draw(12345)
    picked = [i for i in range(1, 4001) if services.is_selected(i, Decimal("0.05"))]
    assert picked == [i for i in range(1, 4001) if services.is_selected(i, "0.05")]  # re-runs agree
    assert 150 <= len(picked) <= 250  # 5% of 4000 is 200
    assert not any(services.is_selected(i, 0) for i in range(1, 500))
    assert all(services.is_selected(i, 1) for i in range(1, 500))


def test_the_job_pairs_the_chosen_share_once_however_often_it_runs(world):
    add_supervisor(world, "west_supervisor")
    made = [inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P]) for _ in range(3)]
    set_share(world, "0.5")
    chosen = {i.pk for i in made if services.is_selected(i.pk, Decimal("0.5"))}
    first = services.calibration_sync(organization_id=world.org.pk)
    events = AuditEvent.objects.count()
    again = services.calibration_sync(organization_id=world.org.pk)
    assert set(CalibrationPair.objects.values_list("first_inspection_id", flat=True)) == chosen
    assert first.scheduled + first.not_scheduled == len(chosen)
    assert again.scheduled == again.not_scheduled == 0 and AuditEvent.objects.count() == events


def test_a_zero_share_pairs_nothing(world):
    add_supervisor(world, "west_supervisor")
    inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P])
    set_share(world, "0")
    services.calibration_sync(organization_id=world.org.pk)
    assert not CalibrationPair.objects.exists()


# --- scheduling ------------------------------------------------------------------------------
def test_the_second_visit_goes_to_the_least_loaded_supervisor_of_another_region(world):
    busy = add_supervisor(world, "west_a")
    free = add_supervisor(world, "west_b")
    inspection = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, F])
    # west_a already has a calibration visit in the window, so west_b is less loaded.
    other = inspect(world, world.person("supervisor"), world.unit("store2"), [P, P, P, P])
    assert services.calibration_schedule(inspection=other).second_supervisor_id in {busy.pk, free.pk}
    loaded = Visit.objects.get().supervisor_id
    pair = services.calibration_schedule(inspection=inspection)
    assert pair.status == PairStatus.SCHEDULED and pair.second_supervisor_id != loaded
    visit = pair.second_visit
    performed = timezone.localdate(inspection.performed_at)
    assert (visit.unit_id, visit.template_id, visit.status) == (inspection.unit_id, inspection.template_id,
                                                                  VisitStatus.PLANNED)
    assert pair.due_date == performed + dt.timedelta(days=7)
    assert performed < visit.date <= pair.due_date
    # The plan that holds it lies in the second supervisor's region, out of the first inspector's sight.
    assert not Plan.objects.visible_to(world.person("supervisor")).filter(pk=visit.plan_id).exists()
    assert Plan.objects.visible_to(world.person(pair.second_supervisor.username)).filter(pk=visit.plan_id).exists()
    # Only the second supervisor is told.
    told = Notification.objects.filter(kind="calibration.assigned")
    assert set(told.values_list("recipient_id", flat=True)) == {busy.pk, free.pk}
    assert not Notification.objects.filter(recipient=world.people["supervisor"], kind__startswith="calibration")
    assert services.calibration_schedule(inspection=inspection) == pair  # again: the same pair


def test_nobody_of_another_region_means_not_scheduled_with_the_reason(world):
    inspection = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P])
    pair = services.calibration_schedule(inspection=inspection)
    assert pair.status == PairStatus.NOT_SCHEDULED and pair.second_visit is None
    assert "其他区域" in pair.reason
    assert not Visit.objects.exists() and not Notification.objects.filter(kind__startswith="calibration").exists()


# --- blindness and completion ----------------------------------------------------------------
def test_the_second_supervisor_inspects_blind_and_submitting_completes_the_pair(world, client):
    west = add_supervisor(world, "west_supervisor")
    first = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, F],
                    when=timezone.now() - dt.timedelta(days=2))
    pair = services.calibration_schedule(inspection=first)
    client.force_login(west)
    # Blind: the first inspection, its answers and score, and calibration itself do not exist for them.
    assert client.get(first.get_absolute_url()).status_code == 404
    assert client.get(reverse("calibration:overview")).status_code == 404
    assert client.get(reverse("calibration:pair-detail", args=[pair.pk])).status_code == 404
    assert not Inspection.objects.visible_to(west).filter(pk=first.pk).exists()
    # The start page offers the calibration visit's store, outside their region.
    start = client.get(reverse("inspections:start") + f"?visit={pair.second_visit_id}")
    assert start.status_code == 200 and "南京西路店" in start.content.decode()
    second = inspect(world, west, world.unit("store1"), [P, P, F, F], visit=pair.second_visit)
    assert client.get(second.get_absolute_url()).status_code == 200  # their own, yes
    assert client.get(first.get_absolute_url()).status_code == 404  # still not the first
    services.calibration_sync(organization_id=world.org.pk)
    pair.refresh_from_db()
    assert pair.status == PairStatus.COMPLETED and pair.second_inspection_id == second.pk
    assert pair.difference == Decimal("25.0")
    assert Visit.objects.get(pk=pair.second_visit_id).status == VisitStatus.DONE
    assert AuditEvent.objects.filter(action="calibration_pair.complete", object_id=str(pair.pk)).exists()


def test_a_supervisor_may_not_inspect_another_region_without_a_calibration_visit(world):
    from dudao.core.errors import ApplicationError

    west = add_supervisor(world, "west_supervisor")
    before = Inspection.objects.count()
    with pytest.raises(ApplicationError) as refused:
        inspect(world, west, world.unit("store1"), [P, P, P, P])
    assert refused.value.code == "not_found" and Inspection.objects.count() == before


def test_a_pair_past_its_due_date_expires(world):
    add_supervisor(world, "west_supervisor")
    first = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P])
    pair = services.calibration_schedule(inspection=first)
    services.calibration_sync(organization_id=world.org.pk, now=timezone.now() + dt.timedelta(days=9))
    pair.refresh_from_db()
    assert pair.status == PairStatus.EXPIRED


def test_the_ops_manager_is_told_once_when_a_supervisor_becomes_flagged(world):
    for first, second in [([P, P, P, P], [P, P, P, F]), ([P, P, P, P], [P, P, P, F])]:
        completed_pair(world, first, second)
    assert not Notification.objects.filter(kind="calibration.flagged").exists()  # 2 pairs < min_pairs
    completed_pair(world, [P, P, P, P], [P, P, F, P])  # drift 25, interval [25, 25]: flagged now
    told = Notification.objects.filter(kind="calibration.flagged")
    assert list(told.values_list("recipient_id", flat=True)) == [world.people["ops_manager"].pk]
    assert "supervisor" in told.get().title
    completed_pair(world, [P, P, P, P], [P, F, P, P])  # still flagged: nobody is told again
    assert told.count() == 1
