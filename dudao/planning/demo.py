"""Demo plans for the demo restaurant chain, made through the real services.

Each region's supervisor has a published plan for the current week: one visit to each of the
region's stores, Monday to Thursday, with the store operations standard when it exists. The plans
are submitted and approved by the general manager (the policy routes plans to the executive), so
the calendar and every supervisor's week are filled.

Recurring schedules then cover every store (weekly for most, every two weeks, monthly on the nth
weekday, quarterly), and the generation job runs once: this week's stores are already covered by
the published plan (the weekly coverage rule), so the schedules fill next week, and any day of this
week a store has no visit yet. The holiday calendar holds the statutory holidays of 2026 and 2027
whose dates are fixed by law (元旦, 劳动节, 国庆节) and the lunar ones the demo names as demo data,
with a make-up working day.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide
from dudao.checklists.demo import store_operations_template
from dudao.org.choices import UnitKind
from dudao.org.models import Unit

from . import services
from .choices import PlanKind, ScheduleFrequency, VisitMode
from .forms import default_title
from .generation import schedules_generate

REGIONS = ["EAST", "SOUTH", "NORTH"]

# (date, name, make-up working day). The fixed statutory days are certain; the lunar-calendar
# breaks and the make-up days are marked as demo data (the State Council publishes each year's).
HOLIDAYS = [
    ("2026-01-01", "元旦", False),
    ("2026-05-01", "劳动节", False),
    ("2026-05-02", "劳动节", False),
    ("2026-10-01", "国庆节", False),
    ("2026-10-02", "国庆节", False),
    ("2026-10-03", "国庆节", False),
    ("2027-01-01", "元旦", False),
    ("2027-02-05", "春节(演示数据)", False),
    ("2027-02-08", "春节(演示数据)", False),
    ("2027-02-09", "春节(演示数据)", False),
    ("2027-02-10", "春节(演示数据)", False),
    ("2027-02-20", "春节调休上班(演示数据)", True),
    ("2027-05-01", "劳动节", False),
    ("2027-05-02", "劳动节", False),
    ("2027-10-01", "国庆节", False),
    ("2027-10-02", "国庆节", False),
    ("2027-10-03", "国庆节", False),
]

# Per region, the schedule of each of its four stores (in code order).
SCHEDULES = [
    {"frequency": ScheduleFrequency.WEEKLY, "weekday": 1},
    {"frequency": ScheduleFrequency.WEEKLY, "weekday": 3},
    {"frequency": ScheduleFrequency.EVERY_N_WEEKS, "weekday": 2, "interval_weeks": 2},
    {"frequency": ScheduleFrequency.MONTHLY, "weekday": 4, "week_of_month": 3},
]


def load_demo(context) -> None:
    people, units = context.people, context.units
    template = store_operations_template(context.organization)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    submitted_at = timezone.now() - dt.timedelta(days=today.weekday() + 3)
    for number, code in enumerate(REGIONS, start=1):
        region = units[code]
        supervisor = people[f"supervisor{number}"]
        plan = services.plan_create(
            actor=supervisor, title=default_title(PlanKind.WEEK, monday, region), kind=PlanKind.WEEK,
            period_start=monday, period_end=monday + dt.timedelta(days=6), scope_unit=region,
            focus="食品安全与卫生清洁;上周问题整改复查。", methods=[VisitMode.ON_SITE],
        )
        stores = Unit.objects.filter(parent=region, kind=UnitKind.STORE).order_by("code")
        services.plan_visits_add(actor=supervisor, plan=plan, visits=[
            services.VisitInput(unit=store, supervisor=supervisor, date=monday + dt.timedelta(days=index),
                                template=template, mode=VisitMode.ON_SITE)
            for index, store in enumerate(stores)
        ])
        plan = services.plan_submit(actor=supervisor, plan=plan, now=submitted_at)
        approval_decide(actor=people["gm"], approval=ApprovalRequest.objects.get(pk=plan.approval_id),
                        decision="approve", comment="同意,按计划执行。",
                        now=submitted_at + dt.timedelta(hours=5))

    _load_schedules(context, template, monday)


def _load_schedules(context, template, monday) -> None:
    people, units = context.people, context.units
    for day, name, workday in HOLIDAYS:
        services.holiday_add(actor=people["ops"], date=dt.date.fromisoformat(day), name=name, workday=workday)
    for number, code in enumerate(REGIONS, start=1):
        supervisor = people[f"supervisor{number}"]
        stores = Unit.objects.filter(parent=units[code], kind=UnitKind.STORE).order_by("code")
        for store, rule in zip(stores, SCHEDULES, strict=False):
            if "interval_weeks" in rule:  # counted from last week: due next week
                rule = {**rule, "anchor_on": monday - dt.timedelta(weeks=1)}
            services.visit_schedule_create(actor=supervisor, unit=store, supervisor=supervisor, template=template,
                                           starts_on=monday, **rule)
    # One quarterly schedule: the operations manager's own review of the first store, mid-quarter.
    first = Unit.objects.filter(parent=units[REGIONS[0]], kind=UnitKind.STORE).order_by("code").first()
    services.visit_schedule_create(actor=people["ops"], unit=first, supervisor=people["ops"], template=template,
                                   frequency=ScheduleFrequency.QUARTERLY, month_of_quarter=2, day_of_month=15,
                                   starts_on=monday, mode=VisitMode.SURPRISE)
    schedules_generate(now=timezone.now(), organization_id=context.organization.pk)
