"""Appraisal cycles are a fixed number of queries whatever their size: opening a cycle, computing it
again and listing its appraisals through the API cost exactly the same with N people as with 3N
(and three times the units, inspections, findings, visits, figures, targets, attendance and bonus
bases). Each count is pinned: a change in either direction is a deliberate edit of this file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.appraisal import services
from dudao.appraisal.models import Appraisal, Attendance, BonusBase, KpiValue, Target
from dudao.findings.models import Finding
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import make_template
from dudao.org import services as org
from dudao.org.choices import Role, UnitKind
from dudao.org.testing import make_person
from dudao.planning.models import Plan, Visit

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1"
PERIOD = "2025-03"
LATER = timezone.make_aware(dt.datetime(2025, 4, 20, 9))  # after the period: nothing provisional
N = 2

# Pinned counts, the same for N and 3N people. Opening: the scope and policy reads, the duplicate
# check, the role holders, people and their units, the cycle's validation and insert, one bulk
# insert of the appraisals, the audit chain (three statements per batch of events), then the
# compute below. Computing: the actor's scope, the policy, the appraisals, one read per kind of
# fact (role units, units, inspections, findings, visits, figures, targets, manual scores, bonus
# bases, attendance), two bulk updates (scores, ranks), the audit events, the cycle's stamp.
# Listing: the session and person, the page, its count, and framework reads.
CREATE_QUERIES = 41  # + the training attendance rates (one grouped query)
COMPUTE_QUERIES = 23  # + the training attendance rates (one grouped query)
LIST_QUERIES = 7


def _at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, 3, day, hour))


def grow(world, people: int) -> None:
    """`people` supervisors, each over a region of two stores with a month of supervision history
    (two inspections and two findings per store, one closed on time, one overdue; two planned
    visits, one done), unit figures with targets, and their own figure, attendance and bonus base."""
    admin = world.person("admin")
    template = make_template(world, [
        {"code": "C1", "text": "地面清洁", "kind": "check", "points": 10, "category": "process_compliance"}])
    plan = Plan.objects.create(organization=world.org, title="三月计划", kind="month", period_start=dt.date(2025, 3, 1),
                               period_end=dt.date(2025, 3, 31), scope_unit=world.units["root"], status="published",
                               created_by=admin)
    figures, targets = [], []
    for i in range(people):
        region = org.unit_create(actor=admin, parent=world.units["root"], code=f"QR{i}", name=f"第{i}区",
                                 kind=UnitKind.REGION)
        supervisor = make_person(world.org, f"qsup{i}")
        org.role_grant(actor=admin, person=supervisor, role=Role.SUPERVISOR, unit=region)
        for s in range(2):
            store = org.unit_create(actor=admin, parent=region, code=f"QR{i}S{s}", name=f"第{i}区{s}店",
                                    kind=UnitKind.STORE)
            for day, score in ((3, "80"), (12, "95")):
                inspection = Inspection.objects.create(
                    organization=world.org, unit=store, template=template, inspector=supervisor,
                    performed_at=_at(day), status="submitted", score=Decimal(score), passed=True,
                    submitted_at=_at(day))
                Finding.objects.create(
                    organization=world.org, unit=store, source="inspection", inspection=inspection,
                    title=f"问题 {day}", category="process_compliance", severity="medium",
                    status="closed" if day == 3 else "open", due_date=dt.date(2025, 3, day + 5),
                    policy_due_date=dt.date(2025, 3, day + 5), created_by=supervisor, created_at=_at(day),
                    closed_at=_at(day + 1) if day == 3 else None, closed_by=supervisor if day == 3 else None)
            for day, status in ((4, "done"), (20, "planned")):
                Visit.objects.create(organization=world.org, plan=plan, unit=store, supervisor=supervisor,
                                     date=dt.date(2025, 3, day), status=status,
                                     done_at=_at(day) if status == "done" else None)
            for code, value in (("target_completion", "420000"), ("satisfaction", "91"),
                                ("training_participation", "88")):
                figures.append({"person": None, "unit": store, "scope_unit": store, "kpi_code": code,
                                "period": PERIOD, "value": Decimal(value), "source": "POS", "existing": None})
            targets.append(Target(organization=world.org, unit=store, scope_unit=store, kpi_code="target_completion",
                                  period=PERIOD, value=Decimal("400000"), created_by=admin))
        for source, value in (("POS", "90"), ("财务", "90.5")):  # two sources that agree
            figures.append({"person": supervisor, "unit": None, "scope_unit": region, "kpi_code": "satisfaction",
                            "period": PERIOD, "value": Decimal(value), "source": source, "existing": None})
        Attendance.objects.create(organization=world.org, person=supervisor, scope_unit=region,
                                  month=dt.date(2025, 3, 1), days_worked=Decimal(18),
                                  personal_leave_days=Decimal(5) if i % 2 else Decimal(0))
        BonusBase.objects.create(organization=world.org, person=supervisor, scope_unit=region, period=PERIOD,
                                 base=Decimal("3000"))
    services.kpi_values_import(actor=admin, rows=figures)
    Target.objects.bulk_create(targets)


@pytest.fixture(params=[N, 3 * N], ids=["N", "3N"])
def people(request, world):
    grow(world, request.param)
    return request.param


def _count(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return len(queries), result


def _open(world):
    return services.cycle_create(actor=world.person("admin"), role=Role.SUPERVISOR, period=PERIOD,
                                 scope_unit=world.unit("root"), now=LATER)


def test_opening_a_cycle_is_a_fixed_number_of_queries(world, people):
    admin = world.person("admin")
    root = world.unit("root")
    count, cycle = _count(lambda: services.cycle_create(actor=admin, role=Role.SUPERVISOR, period=PERIOD,
                                                        scope_unit=root, now=LATER))
    appraisals = Appraisal.objects.filter(cycle=cycle)
    assert appraisals.count() == people + 1  # and the world's own supervisor
    scored = appraisals.filter(person__username="qsup0").get()
    assert scored.score is not None and scored.bonus_amount is not None
    assert count == CREATE_QUERIES


def test_computing_a_cycle_again_is_a_fixed_number_of_queries(world, people):
    cycle = _open(world)
    KpiValue.objects.filter(kpi_code="satisfaction", person__isnull=True).update(value=Decimal("70"))
    count, computed = _count(lambda: services.cycle_compute(actor=world.person("admin"), cycle=cycle, now=LATER))
    assert len(computed) == people + 1
    assert count == COMPUTE_QUERIES


def test_listing_a_cycle_through_the_api_is_a_fixed_number_of_queries(world, people, client):
    cycle = _open(world)
    client.force_login(world.person("admin"))
    client.get(API_PREFIX + "/appraisals", {"cycle_id": cycle.pk, "limit": 50})  # warm the caches
    count, response = _count(lambda: client.get(API_PREFIX + "/appraisals", {"cycle_id": cycle.pk, "limit": 50}))
    assert response.status_code == 200
    assert len(response.json()["items"]) == people + 1
    assert count == LIST_QUERIES
