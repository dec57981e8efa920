"""One data set, made through the real services, read by the dashboard's API, a bulletin, a period
report and the monthly evaluation: every figure they share is the same number (dudao.facts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.analytics import breakdowns
from dudao.analytics import services as analytics
from dudao.analytics.models import UnitEvaluation
from dudao.analytics.scope import analytics_scope
from dudao.core.periods import Period
from dudao.findings import services as findings
from dudao.inspections import services as inspections
from dudao.inspections.tests.factories import check_items, make_template
from dudao.planning.choices import PlanKind, PlanStatus, VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.reporting import services as reporting

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
AFTER = timezone.make_aware(dt.datetime(2025, 4, 2, 9))  # the month has ended: nothing provisional


def at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2025, 3, day, hour))


def number(value) -> Decimal | None:
    """Figures compared as decimals: the API gives strings or numbers, bulletins and reports floats."""
    return None if value is None else Decimal(str(value))


@pytest.fixture
def march(world):
    """store1: 03-03 (planned visit) scores 75 and its finding is closed on time; 03-12 scores 50 and
    its finding is closed late. store2: 03-05 scores 100, and a visit on 03-20 is never made."""
    template = make_template(world, check_items(4))
    template.published_at = at(1, 0)
    template.save(update_fields=["published_at"])
    plan = Plan.objects.create(
        organization=world.org, title="三月巡店计划", kind=PlanKind.MONTH, period_start=MARCH.start,
        period_end=MARCH.end, scope_unit=world.units["east"], status=PlanStatus.PUBLISHED,
        created_by=world.people["supervisor"],
    )

    def visit(unit: str, day: int) -> Visit:
        return Visit.objects.create(organization=world.org, plan=plan, unit=world.units[unit], template=template,
                                    supervisor=world.people["supervisor"], date=dt.date(2025, 3, day),
                                    status=VisitStatus.PLANNED)

    planned = visit("store1", 3)
    visit("store2", 20)
    supervisor, manager = world.person("supervisor"), world.person("unit_manager")

    def inspect(unit: str, day: int, failed: set[str], visit=None):
        inspection, _ = inspections.inspection_create(actor=supervisor, unit=world.unit(unit), template=template,
                                                      visit=visit, performed_at=at(day), now=at(day), location_reason="测试:未定位")
        inspections.answers_upsert(actor=supervisor, inspection=inspection, now=at(day), answers=[
            {"item_code": f"I{n:03d}", "value": "fail" if f"I{n:03d}" in failed else "pass"} for n in range(4)])
        inspections.inspection_submit(actor=supervisor, inspection=inspection, now=at(day))
        return inspection

    def rectify(inspection, closed: dt.datetime) -> None:
        for finding in inspection.findings.all():
            findings.finding_plan(actor=manager, finding=finding, measures="整改", now=closed - dt.timedelta(hours=2))
            findings.finding_submit(actor=manager, finding=finding, note="已整改", now=closed - dt.timedelta(hours=1))
            findings.finding_accept(actor=supervisor, finding=finding, now=closed)

    first = inspect("store1", 3, {"I003"}, visit=planned)
    second = inspect("store1", 12, {"I002", "I003"})
    inspect("store2", 5, set())
    on_time, late = first.findings.get(), second.findings.order_by("id")
    rectify(first, timezone.make_aware(dt.datetime.combine(on_time.due_date, dt.time(9))))
    rectify(second, timezone.make_aware(dt.datetime.combine(late[0].due_date + dt.timedelta(days=2), dt.time(9))))


def test_dashboard_bulletin_report_and_evaluation_give_the_same_figures(world, march, client):
    east = world.units["east"]
    admin = world.person("admin")

    client.force_login(admin)
    response = client.get(f"/api/v1/analytics/summary?scope_unit_id={east.pk}&from=2025-03-01&to=2025-03-31")
    assert response.status_code == 200
    summary = response.json()
    dashboard = breakdowns.dashboard(analytics_scope(admin, east), MARCH, today=AFTER.date())
    bulletin, _ = reporting.bulletin_compile(actor=admin, scope_unit=east, period_start=MARCH.start,
                                             period_end=MARCH.end, now=AFTER)
    report = reporting.report_draft(actor=world.person("supervisor"), scope_unit=east, period_start=MARCH.start,
                                    period_end=MARCH.end, now=AFTER)
    analytics.evaluation_run(actor=admin, organization=world.org, month=MARCH.start, now=AFTER)
    evaluations = {e.unit_id: e for e in UnitEvaluation.objects.filter(month=MARCH.start)}
    b, r = bulletin.data["summary"], report.data

    # The data as built: three inspections (75, 50, 100), three findings due in March of which one
    # was closed on time, one of two visits done.
    assert summary["inspections"] == 3
    assert number(summary["average_score"]) == Decimal("75.0")
    assert number(summary["on_time_closure_rate"]) == Decimal("33.3")
    assert (summary["coverage"]["visits_planned"], summary["coverage"]["visits_done"]) == (2, 1)
    assert bulletin.data["provisional"] is False
    assert all(not e.provisional for e in evaluations.values())

    # Inspections that count.
    assert b["inspections"] == r["execution"]["inspections"] == summary["inspections"]
    assert sum(e.inspection_count for e in evaluations.values() if e.unit_id in r["unit_ids"]) == 3
    # Average score, overall and per unit.
    assert number(b["average_score"]) == number(r["highlights"]["average_score"]) == number(
        summary["average_score"]) == number(dashboard.summary["average_score"])
    per_unit_bulletin = {row["unit_id"]: number(row["score"]) for row in bulletin.data["ranking"]}
    per_unit_dashboard = {row["unit_id"]: number(row["average_score"]) for row in dashboard.ranking}
    per_unit_evaluation = {unit_id: e.inspection_average.normalize() for unit_id, e in evaluations.items()
                           if e.inspection_average is not None}
    assert per_unit_bulletin == per_unit_dashboard == {
        unit_id: number(value) for unit_id, value in per_unit_evaluation.items()} == {
        world.units["store1"].pk: Decimal("62.5"), world.units["store2"].pk: Decimal("100.0")}
    # On-time closure rate (按时整改率).
    store1 = evaluations[world.units["store1"].pk]
    assert number(b["on_time_closure_rate"]) == number(r["rectification"]["on_time_rate"]) == number(
        summary["on_time_closure_rate"]) == store1.on_time_rate
    assert (b["findings_due"], b["findings_on_time"]) == (r["rectification"]["due"],
                                                          r["rectification"]["closed_on_time"]) == (
        store1.findings_due, store1.findings_on_time) == (3, 1)
    # Coverage: plan completion and units inspected.
    assert number(b["visit_rate"]) == number(r["execution"]["completion_rate"]) == number(
        summary["coverage"]["visit_rate"]) == Decimal("50.0")
    assert (sum(e.visits_planned for e in evaluations.values()), sum(e.visits_done for e in evaluations.values())) == (
        summary["coverage"]["visits_planned"], summary["coverage"]["visits_done"])
    assert b["units_inspected"] == r["execution"]["units_inspected"] == summary["coverage"]["units_inspected"] == 2
