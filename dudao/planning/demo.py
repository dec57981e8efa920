"""Demo plans for the demo restaurant chain, made through the real services.

Each region's supervisor has a published plan for the current week: one visit to each of the
region's stores, Monday to Thursday, with the store operations standard when it exists. The plans
are submitted and approved by the general manager (the policy routes plans to the executive), so
the calendar and every supervisor's week are filled; next week is left free to plan.
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
from .choices import PlanKind, VisitMode
from .forms import default_title

REGIONS = ["EAST", "SOUTH", "NORTH"]


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
