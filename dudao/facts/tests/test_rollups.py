"""The monthly rollups (dudao/facts/rollups.py): the summary read from them is the summary computed
from the records, for random data made through the real services; every service that changes a
counted record keeps them current; a rebuild gives the same rows; the query count is fixed."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.core.jobs import REGISTRY
from dudao.core.periods import Period
from dudao.facts import figures, rollups
from dudao.facts.models import (
    SEVERITY_FIELDS,
    ClosureCount,
    OrganizationClosureCount,
    OrganizationMonth,
    RollupMark,
    UnitMonth,
)
from dudao.facts.scope import Scope
from dudao.findings import services as findings
from dudao.findings.models import Finding
from dudao.inspections import services as inspections
from dudao.inspections.tests.factories import check_items, make_template
from dudao.org import services as org
from dudao.org.choices import UnitKind
from dudao.planning.choices import PlanKind, PlanStatus, VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.policies.choices import Severity

pytestmark = pytest.mark.django_db

ITEMS = 6


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, month, day, hour))


class History:
    """Inspections, findings and visits made through the services, at chosen moments."""

    def __init__(self, world):
        self.world = world
        self.template = make_template(world, check_items(ITEMS))
        self.template.published_at = at(1, 1, 0)
        self.template.save(update_fields=["published_at"])
        self.supervisor, self.manager = world.person("supervisor"), world.person("unit_manager")
        self.admin = world.person("admin")

    def plan(self, month: int, scope: str = "east") -> Plan:
        start = dt.date(2025, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return Plan.objects.create(
            organization=self.world.org, title=f"{month} 月计划", kind=PlanKind.MONTH, period_start=start,
            period_end=end, scope_unit=self.world.units[scope], status=PlanStatus.PUBLISHED,
            created_by=self.supervisor,
        )

    def visit(self, plan: Plan, unit: str, day: dt.date) -> Visit:
        return Visit.objects.create(organization=self.world.org, plan=plan, unit=self.world.units[unit],
                                    template=self.template, supervisor=self.supervisor, date=day,
                                    status=VisitStatus.PLANNED)

    def inspect(self, unit: str, when: dt.datetime, failed: set[int], visit=None, submit: bool = True):
        inspection, _ = inspections.inspection_create(
            actor=self.supervisor, unit=self.world.unit(unit), template=self.template, visit=visit,
            performed_at=when, now=when, location_reason="测试:未定位")
        inspections.answers_upsert(actor=self.supervisor, inspection=inspection, now=when, answers=[
            {"item_code": f"I{n:03d}", "value": "fail" if n in failed else "pass"} for n in range(ITEMS)])
        if submit:
            inspections.inspection_submit(actor=self.supervisor, inspection=inspection, now=when)
        return inspection

    def close(self, finding: Finding, when: dt.datetime) -> None:
        findings.finding_plan(actor=self.manager, finding=finding, measures="整改", now=when - dt.timedelta(hours=2))
        findings.finding_submit(actor=self.manager, finding=finding, note="已整改", now=when - dt.timedelta(hours=1))
        findings.finding_accept(actor=self.supervisor, finding=finding, now=when)


@pytest.fixture
def history(world):
    return History(world)


def rows(organization_id: int) -> tuple:
    """Every rollup row of an organisation, as comparable values."""
    months = sorted(
        (r.unit_id, r.month, *(getattr(r, f) for f in rollups.COUNT_FIELDS))
        for r in UnitMonth.objects.filter(organization_id=organization_id)
    )
    closures = sorted(ClosureCount.objects.filter(organization_id=organization_id).values_list(
        "unit_id", "month", "tenths", "count"))
    totals = sorted(OrganizationClosureCount.objects.filter(organization_id=organization_id).values_list(
        "month", "tenths", "count"))
    organization = sorted(
        (r.month, *(getattr(r, f) for f in rollups.COUNT_FIELDS))
        for r in OrganizationMonth.objects.filter(organization_id=organization_id)
    )
    return months, closures, totals, organization


def scopes(world) -> list[Scope]:
    return [Scope.organisation(world.org.pk), Scope.of_unit(world.units["east"]),
            Scope.of_unit(world.units["store1"]), Scope(world.org.pk, (world.units["store1"].path,
                                                                       world.units["store3"].path))]


PERIODS = [
    Period(dt.date(2025, 1, 1), dt.date(2025, 4, 30)),  # whole months only
    Period(dt.date(2025, 1, 1), dt.date(2025, 4, 12)),  # whole months and a part
    Period(dt.date(2025, 1, 17), dt.date(2025, 3, 31)),  # a part, then whole months
    Period(dt.date(2025, 1, 17), dt.date(2025, 4, 3)),  # parts on both sides
    Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28)),  # one month
    Period(dt.date(2025, 2, 3), dt.date(2025, 2, 20)),  # no whole month: all records
]
TODAYS = [dt.date(2025, 2, 14), dt.date(2025, 3, 1), dt.date(2025, 5, 20)]


def assert_same_as_live(world) -> None:
    for scope in scopes(world):
        for period in PERIODS:
            for today in TODAYS:
                assert figures.summary(scope, period, today=today) == figures.summary_live(
                    scope, period, today=today), (scope.paths, period, today)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_from_rollups_equals_summary_from_records_for_random_data(world, history, seed):
    rng = random.Random(seed)
    plans = {month: history.plan(month) for month in (1, 2, 3, 4)}
    for month in (1, 2, 3, 4):
        for unit in ("store1", "store2"):
            for _ in range(rng.randint(0, 3)):
                when = at(month, rng.randint(1, 28), rng.randint(8, 20))
                visit = None
                if rng.random() < 0.6:
                    visit = history.visit(plans[month], unit, when.date())
                failed = set(rng.sample(range(ITEMS), rng.randint(0, 3)))
                history.inspect(unit, when, failed, visit=visit, submit=rng.random() < 0.9)
            if rng.random() < 0.5:
                history.visit(plans[month], unit, dt.date(2025, month, rng.randint(1, 28)))  # never made
    for finding in Finding.objects.filter(unit=world.units["store1"]).order_by("pk"):  # its manager closes
        if rng.random() < 0.7:
            days = rng.uniform(0.05, (finding.due_date - timezone.localdate(finding.created_at)).days + 4)
            history.close(finding, finding.created_at + dt.timedelta(days=days, hours=3))

    assert RollupMark.objects.exists()  # the services marked what they changed
    assert_same_as_live(world)
    # The summaries recomputed every marked (unit, month) they read; later ones wait for their reader.
    assert not RollupMark.objects.filter(month__lte=dt.date(2025, 4, 1)).exists()
    rollups.refresh(world.org.pk)
    assert not RollupMark.objects.exists()
    kept = rows(world.org.pk)
    assert kept[0]  # something was rolled up
    rollups.rebuild(world.org.pk)
    assert rows(world.org.pk) == kept  # kept current by the services = recomputed from the records


# --- each kind of change keeps the rollup current ----------------------------------------------------
def month_row(world, unit: str, month: int) -> UnitMonth | None:
    return UnitMonth.objects.filter(unit=world.units[unit], month=dt.date(2025, month, 1)).first()


def read(world) -> None:
    """A summary read: recomputes what is marked."""
    figures.summary(Scope.organisation(world.org.pk), PERIODS[0], today=dt.date(2025, 6, 1))


def test_an_inspection_counts_in_its_month_once_submitted(world, history):
    draft = history.inspect("store1", at(2, 10), {1}, submit=False)
    read(world)
    assert month_row(world, "store1", 2) is None  # a draft does not count
    inspections.inspection_submit(actor=history.supervisor, inspection=draft, now=at(2, 10))
    read(world)
    row = month_row(world, "store1", 2)
    assert (row.inspections, row.scored, row.findings_medium + row.findings_high + row.findings_low
            + row.findings_critical) == (1, 1, 1)
    assert_same_as_live(world)


def test_a_corrected_answer_rescores_the_month(world, history):
    inspection = history.inspect("store1", at(2, 10), set())
    read(world)
    before = month_row(world, "store1", 2).score_total
    inspections.answer_correct(actor=history.supervisor, inspection=inspection, item_code="I002", value="fail",
                               reason="复核")
    read(world)
    row = month_row(world, "store1", 2)
    assert row.score_total < before
    assert_same_as_live(world)


def test_closing_a_finding_counts_it_on_time_and_in_the_closure_times(world, history):
    history.inspect("store1", at(2, 10), {0})
    finding = Finding.objects.get()
    read(world)
    due_month = finding.due_date.month
    assert month_row(world, "store1", due_month).findings_on_time == 0
    history.close(finding, finding.created_at + dt.timedelta(days=1))
    read(world)
    assert month_row(world, "store1", due_month).findings_on_time == 1
    assert list(ClosureCount.objects.values_list("month", "tenths", "count")) == [(dt.date(2025, 2, 1), 10, 1)]
    assert list(OrganizationClosureCount.objects.values_list("tenths", "count")) == [(10, 1)]
    assert_same_as_live(world)


def test_moving_a_due_date_into_another_month_moves_the_finding_there(world, history):
    history.inspect("store1", at(2, 27), {0})
    finding = Finding.objects.get()
    assert finding.due_date.month == 3  # due days from the policy carry it into March
    read(world)
    assert month_row(world, "store1", 3).findings_due == 1
    findings.finding_plan(actor=history.manager, finding=finding, measures="整改", due_date=dt.date(2025, 2, 28),
                          now=at(2, 27, 12))
    read(world)
    assert month_row(world, "store1", 2).findings_due == 1
    assert month_row(world, "store1", 3) is None or month_row(world, "store1", 3).findings_due == 0
    assert_same_as_live(world)


def test_a_unit_moved_out_of_its_plans_scope_loses_those_visits(world, history):
    plan = history.plan(2, scope="east")
    history.visit(plan, "store1", dt.date(2025, 2, 5))
    read(world)
    assert month_row(world, "store1", 2).visits_planned == 1
    org.unit_move(actor=history.admin, unit=world.unit("store1"), new_parent=world.unit("west"))
    read(world)
    row = month_row(world, "store1", 2)
    assert row is None or row.visits_planned == 0
    assert_same_as_live(world)


def test_publishing_a_plan_counts_its_visits(world, history):
    plan = history.plan(2)
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status"])
    Visit.objects.bulk_create([Visit(organization=world.org, plan=plan, unit=world.units["store2"],
                                     supervisor=history.supervisor, date=dt.date(2025, 2, 9),
                                     status=VisitStatus.PLANNED)])
    read(world)
    assert month_row(world, "store2", 2) is None
    plan.status = PlanStatus.PUBLISHED
    plan.save(update_fields=["status"])
    read(world)
    assert month_row(world, "store2", 2).visits_planned == 1
    assert_same_as_live(world)


def test_the_repair_job_catches_a_bulk_change_that_bypassed_the_services(world, history):
    today = timezone.localdate()
    history.inspect("store1", timezone.now() - dt.timedelta(hours=1), {0})
    finding = Finding.objects.get()
    rollups.refresh(world.org.pk)
    Finding.objects.filter(pk=finding.pk).update(severity=Severity.CRITICAL)  # no service, no signal
    month = today.replace(day=1)
    assert UnitMonth.objects.get(unit=world.units["store1"], month=month).findings_critical == 0
    assert "rollups_repair" in REGISTRY
    REGISTRY["rollups_repair"].func(timezone.now())
    assert UnitMonth.objects.get(unit=world.units["store1"], month=month).findings_critical == 1


def test_the_rebuild_command_recomputes_every_month(world, history):
    history.inspect("store1", at(1, 10), {0})
    history.inspect("store2", at(3, 10), {1, 2})
    read(world)
    kept = rows(world.org.pk)
    UnitMonth.objects.all().delete()
    ClosureCount.objects.all().delete()
    OrganizationMonth.objects.all().delete()
    call_command("dudao_rollups", "--rebuild", "--org", str(world.org.pk))
    assert rows(world.org.pk) == kept


def test_severity_columns_are_the_severities():
    assert set(SEVERITY_FIELDS) == set(Severity.values)
    assert all(hasattr(UnitMonth, field) for field in SEVERITY_FIELDS.values())


# --- a fixed number of queries ----------------------------------------------------------------
SUMMARY_QUERIES = 10  # marks, rollups, closure counts, then the part month live: inspections, units,
# findings, visits, closures, on-time, sites


def summary_queries(world) -> int:
    scope = Scope.organisation(world.org.pk)
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 4, 12))
    figures.summary(scope, period, today=dt.date(2025, 6, 1))  # recompute what is marked first
    with CaptureQueriesContext(connection) as queries:
        figures.summary(scope, period, today=dt.date(2025, 6, 1))
    return len(queries)


def test_the_summary_query_count_does_not_grow_with_units_or_months(world, history):
    history.inspect("store1", at(1, 10), {0})
    history.inspect("store2", at(4, 3), {1})
    assert summary_queries(world) == SUMMARY_QUERIES
    admin = history.admin
    for n in range(5):
        unit = org.unit_create(actor=admin, parent=world.units["east"], code=f"N{n}", name=f"新店{n}",
                               kind=UnitKind.STORE)
        world.units[f"new{n}"] = unit
        for month in (1, 2, 3, 4):
            history.inspect(f"new{n}", at(month, 5 + n), {n % ITEMS})
    assert summary_queries(world) == SUMMARY_QUERIES
