"""Test data for analytics: inspections, findings and visits with exactly the dates and values a
figure is asserted on. Rows are made directly (the services that make them in real life are tested
in their own apps); one integration test goes through the real inspection submit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dudao.findings.models import Finding
from dudao.inspections.models import Inspection
from dudao.inspections.tests.factories import make_template
from dudao.planning.models import Plan, Visit


def at(day: dt.date | str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware local time on `day` (ISO string or date)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Data:
    """Makes rows for one world; keeps one template and one published plan."""

    def __init__(self, world) -> None:
        self.world = world
        self._template = None
        self._plans: dict[str, Plan] = {}

    @property
    def template(self):
        if self._template is None:
            self._template = make_template(self.world, [
                {"code": "C1", "text": "地面清洁", "kind": "check", "points": 10, "category": "process_compliance"},
            ])
        return self._template

    def inspection(self, unit: str, day: str, score: str | None, *, status: str = "submitted", hour: int = 10,
                   inspector: str = "supervisor", org=None) -> Inspection:
        world = self.world
        return Inspection.objects.create(
            organization=org or world.org, unit=world.units[unit], template=self.template,
            inspector=world.people[inspector], performed_at=at(day, hour), status=status,
            score=Decimal(score) if score is not None else None,
            passed=None if score is None else Decimal(score) >= 80,
            submitted_at=None if status == "draft" else at(day, hour),
        )

    def finding(self, unit: str, created: dt.datetime, due: str, *, closed: dt.datetime | None = None,
                severity: str = "medium", category: str = "process_compliance", repeat: bool = False,
                inspection: Inspection | None = None, org=None) -> Finding:
        world = self.world
        return Finding.objects.create(
            organization=org or world.org, unit=world.units[unit], source="inspection" if inspection else "complaint",
            inspection=inspection, title=f"问题 {unit} {due}", category=category, severity=severity,
            status="closed" if closed else "open", due_date=d(due), policy_due_date=d(due),
            created_by=world.people["supervisor"], created_at=created, closed_at=closed,
            closed_by=world.people["supervisor"] if closed else None, repeat=repeat,
        )

    # One plan per scope, kind and period: each status's plan for the year is of its own kind.
    KINDS = {"published": "year", "draft": "quarter", "submitted": "month", "rejected": "week"}

    def plan(self, status: str = "published") -> Plan:
        if status not in self._plans:
            self._plans[status] = Plan.objects.create(
                organization=self.world.org, title=f"计划 {status}", kind=self.KINDS[status], period_start=d("2025-01-01"),
                period_end=d("2025-12-31"), scope_unit=self.world.units["root"], status=status,
                created_by=self.world.people["admin"],
            )
        return self._plans[status]

    def visit(self, unit: str, day: str, status: str = "planned", *, plan_status: str = "published",
              supervisor: str = "supervisor") -> Visit:
        return Visit.objects.create(
            organization=self.world.org, plan=self.plan(plan_status), unit=self.world.units[unit],
            supervisor=self.world.people[supervisor], date=d(day), status=status,
            done_at=at(day) if status == "done" else None,
        )
