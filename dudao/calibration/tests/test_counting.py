"""A calibration's second inspection assesses the inspectors, not the store: it is flagged, counts
in no figure of the unit, raises no finding and asks nobody to sign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.analytics import evaluation
from dudao.core.periods import Period
from dudao.facts import figures
from dudao.facts.scope import Scope
from dudao.findings.models import Finding
from dudao.inspections import services as inspection_services
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Inspection
from dudao.inspections.planning_sources import recent_scores
from dudao.notifications.models import Notification
from dudao.planning.choices import VisitStatus
from dudao.planning.models import Visit

from .. import services
from ..choices import PairStatus
from .factories import F, P, add_supervisor, inspect, template

pytestmark = pytest.mark.django_db


def unit_figures(world):
    """Everything the unit's figures say over the last week: facts, the evaluation's gather of the
    inspection average, and what planning reads of recent scores."""
    unit = world.unit("store1")
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=7), today + dt.timedelta(days=30))
    results = [r for r in evaluation.site_units(world.org.pk) if r.unit_id == unit.pk]
    evaluation.gather(world.org.pk, results, period, today)
    gathered = results[0]
    return {
        "figures": figures.inspection_figures(Scope.of_unit(unit), period),
        "by_unit": figures.inspections_by_unit(Scope.organisation(world.org.pk), period),
        "gather": (gathered.inspection_count, gathered.inspection_scored, gathered.inspection_total,
                   gathered.visits_planned, gathered.visits_done),
        "visits": figures.visits_by_unit(Scope.organisation(world.org.pk), period),
        "coverage": figures.coverage_figures(Scope.of_unit(world.unit("east")), period, 0),
        "failed_items": figures.most_failed_items(figures.counted_inspections(Scope.of_unit(unit), period), 10),
        "recent": list(recent_scores(world.org.pk, [unit.pk], timezone.now() - dt.timedelta(days=7))),
    }


def start_second(world):
    west = add_supervisor(world, "west_supervisor")
    first = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, F, F],
                    when=timezone.now() - dt.timedelta(days=2))
    pair = services.calibration_schedule(inspection=first)
    assert pair.second_visit is not None, pair.reason
    return west, first, pair


def test_the_granted_second_inspection_is_flagged_and_counts_for_nothing(world):
    west, first, pair = start_second(world)
    first_findings = list(Finding.objects.filter(inspection=first).order_by("pk").values())
    assert first_findings  # the first inspection failed two items
    before = unit_figures(world)
    assert before["figures"]["inspections"] == 1
    findings_before, notices_before = Finding.objects.count(), Notification.objects.count()

    second = inspect(world, west, world.unit("store1"), [F, F, F, F], visit=pair.second_visit,
                     when=timezone.now() - dt.timedelta(days=1))

    assert second.calibration is True
    assert second.status == InspectionStatus.SUBMITTED and second.score is not None
    assert unit_figures(world) == before
    # No finding raised, the first inspection's untouched; nobody asked to sign.
    assert Finding.objects.count() == findings_before and not Finding.objects.filter(inspection=second).exists()
    assert list(Finding.objects.filter(inspection=first).order_by("pk").values()) == first_findings
    assert not Notification.objects.filter(kind="inspection.submitted", object_id=str(second.pk)).exists()
    assert Notification.objects.count() == notices_before
    # The visit is the second supervisor's assignment: done, and counted as theirs; the pair completes.
    visit = Visit.objects.get(pk=pair.second_visit_id)
    assert visit.status == VisitStatus.DONE
    window = Period(visit.date, visit.date)
    assert figures.visits_by_supervisor(Scope.organisation(world.org.pk), window)[west.pk] == {
        "visits_planned": 1, "visits_done": 1, "visit_rate": 100}
    services.calibration_sync(organization_id=world.org.pk)
    pair.refresh_from_db()
    assert pair.status == PairStatus.COMPLETED and pair.second_inspection_id == second.pk


def test_the_calibration_inspection_cannot_be_acknowledged(world):
    west, _first, pair = start_second(world)
    second = inspect(world, west, world.unit("store1"), [P, P, P, P], visit=pair.second_visit)
    from dudao.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        inspection_services.inspection_acknowledge(actor=world.person("unit_manager"), inspection=second)
    second.refresh_from_db()
    assert second.status == InspectionStatus.SUBMITTED and second.acknowledged_by_id is None


def test_a_regular_inspection_by_the_same_supervisor_in_their_own_region_is_not_flagged(world):
    west, _first, pair = start_second(world)
    own = inspect(world, west, world.unit("store3"), [P, P, P, F])
    assert own.calibration is False
    assert Finding.objects.filter(inspection=own).count() == 1
    # The same supervisor's visit in their own region is no calibration either.
    assert not Inspection.objects.filter(inspector=west, calibration=True).exists()


def test_the_api_and_the_detail_page_show_the_flag(world, client):
    west, _first, pair = start_second(world)
    second = inspect(world, west, world.unit("store1"), [P, P, P, P], visit=pair.second_visit)
    client.force_login(west)
    page = client.get(second.get_absolute_url())
    assert page.status_code == 200 and "校准复查,不计入门店统计" in page.content.decode()
    body = client.get(f"/api/v1/inspections/{second.pk}").json()
    assert body["calibration"] is True
    client.force_login(world.person("supervisor"))
    regular = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P])
    assert client.get(f"/api/v1/inspections/{regular.pk}").json()["calibration"] is False
    assert "校准复查,不计入门店统计" not in client.get(regular.get_absolute_url()).content.decode()


def test_a_calibration_inspection_has_no_follow_up(world, client):
    from dudao.core.errors import ApplicationError

    west, _first, pair = start_second(world)
    second = inspect(world, west, world.unit("store1"), [F, P, P, P], visit=pair.second_visit)
    client.force_login(world.person("admin"))
    page = client.get(second.get_absolute_url())
    assert page.status_code == 200 and "复查 1 个不合格项" not in page.content.decode()
    before = Inspection.objects.count()
    with pytest.raises(ApplicationError) as refused:
        inspection_services.inspection_follow_up(actor=world.person("admin"), original=second)
    assert refused.value.code == "invalid_transition" and Inspection.objects.count() == before
    assert template(world).pk  # the calibration template is the one the pair copied
