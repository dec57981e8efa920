"""One half-month of supervision in the east region, with every figure known in advance.

Period 2026-03-01 to 2026-03-15. Template: five 10-point checks A1..A5 (A5 red-line).

    store1  03-02  fails A1 ("地面有积水", photo)   80.0  passed   (planned visit)
    store1  03-10  all pass                          100.0 passed
    store2  03-05  fails A1, A3                      60.0  failed   (planned visit)
    store2  03-12  fails A1 ("拖地不及时")           80.0  passed
    store3  03-06  fails A2 (west: outside the east) 80.0  passed
    store1  03-20  fails A4 (after the period)       60.0 ...
    store2  03-08  draft (not counted)

Findings: f1 store1 A1 03-02 due 03-09 closed 03-08 (on time); f2 store2 A1 03-05 due 03-12 open;
f3 store2 A3 (high, risk) 03-05 due 03-08 closed 03-11 (late); f4 store2 A1 03-12 due 03-19 planned,
repeat; f5 store3 A2 (west) 03-06 due 03-10 open; f6 store1 A4 02-20 due 03-01 open (before the period).

Plan (published, east): store1 03-02 done, store2 03-05 done, store2 03-09 planned, store1 03-14 cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dudao.findings.choices import FindingStatus
from dudao.inspections.choices import InspectionStatus
from dudao.planning.choices import PlanKind, PlanStatus, VisitStatus
from dudao.planning.models import Plan, Visit

from .factories import finding, image, inspect, template

START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 15)
D = dt.date


@dataclass
class Scenario:
    template: object
    plan: Plan
    inspections: dict = field(default_factory=dict)
    findings: dict = field(default_factory=dict)
    photo: object = None


def build(world, *, with_photo: bool = True) -> Scenario:
    tmpl = template(world)
    plan = Plan.objects.create(
        organization=world.org, title="三月上半月巡店计划", kind=PlanKind.MONTH, period_start=START, period_end=END,
        scope_unit=world.units["east"], status=PlanStatus.PUBLISHED, created_by=world.people["supervisor"],
    )

    def visit(unit_key, day, status):
        return Visit.objects.create(organization=world.org, plan=plan, unit=world.units[unit_key],
                                    supervisor=world.people["supervisor"], date=day, template=tmpl, status=status)

    v1 = visit("store1", D(2026, 3, 2), VisitStatus.DONE)
    v2 = visit("store2", D(2026, 3, 5), VisitStatus.DONE)
    visit("store2", D(2026, 3, 9), VisitStatus.PLANNED)
    visit("store1", D(2026, 3, 14), VisitStatus.CANCELLED)
    photo = image(world) if with_photo else None
    s = Scenario(template=tmpl, plan=plan, photo=photo)
    s.inspections["s1a"] = inspect(world, "store1", tmpl, D(2026, 3, 2), {"A1": "地面有积水"}, visit=v1,
                                   photos={"A1": [photo]} if photo else None)
    s.inspections["s1b"] = inspect(world, "store1", tmpl, D(2026, 3, 10))
    s.inspections["s2a"] = inspect(world, "store2", tmpl, D(2026, 3, 5), {"A1": "", "A3": "冷柜 9℃"}, visit=v2)
    s.inspections["s2b"] = inspect(world, "store2", tmpl, D(2026, 3, 12), {"A1": "拖地不及时"})
    s.inspections["s3"] = inspect(world, "store3", tmpl, D(2026, 3, 6), {"A2": "未戴工牌"})
    s.inspections["late"] = inspect(world, "store1", tmpl, D(2026, 3, 20), {"A4": "", "A1": ""})
    s.inspections["draft"] = inspect(world, "store2", tmpl, D(2026, 3, 8), {"A2": ""}, status=InspectionStatus.DRAFT)
    f = s.findings
    f["f1"] = finding(world, "store1", "A1", created=D(2026, 3, 2), due=D(2026, 3, 9), status=FindingStatus.CLOSED,
                      closed=D(2026, 3, 8), inspection=s.inspections["s1a"])
    f["f2"] = finding(world, "store2", "A1", created=D(2026, 3, 5), due=D(2026, 3, 12),
                      inspection=s.inspections["s2a"])
    f["f3"] = finding(world, "store2", "A3", created=D(2026, 3, 5), due=D(2026, 3, 8), status=FindingStatus.CLOSED,
                      closed=D(2026, 3, 11), severity="high", category="risk", inspection=s.inspections["s2a"])
    f["f4"] = finding(world, "store2", "A1", created=D(2026, 3, 12), due=D(2026, 3, 19), status=FindingStatus.PLANNED,
                      repeat=True, inspection=s.inspections["s2b"])
    f["f5"] = finding(world, "store3", "A2", created=D(2026, 3, 6), due=D(2026, 3, 10), severity="low",
                      category="service_quality", inspection=s.inspections["s3"])
    f["f6"] = finding(world, "store1", "A4", created=D(2026, 2, 20), due=D(2026, 3, 1))
    return s
