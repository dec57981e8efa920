"""A supervisors' cycle made through the real services, for the results-flow tests: an operations
manager over the whole company (`ops2`, who runs it), a second supervisor in the west region,
satisfaction figures, bonus bases and the manual KPI scored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dudao.appraisal import results, services
from dudao.appraisal.models import AppraisalCycle
from dudao.approvals.services import approval_decide
from dudao.org import services as org_services
from dudao.org.choices import Role
from dudao.org.testing import make_person

PERIOD = "2026-11"
FINAL_AT = dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)


def add_flow_people(world) -> None:
    """`ops2`: operations manager over the root; `supervisor2`: a supervisor of the west region."""
    if "ops2" in world.people:
        return
    admin = world.person("admin")
    ops2 = make_person(world.org, "ops2", "运营经理乙")
    org_services.role_grant(actor=admin, person=ops2, role=Role.OPS_MANAGER, unit=world.unit("root"))
    world.people["ops2"] = ops2
    supervisor2 = make_person(world.org, "supervisor2", "督导乙")
    org_services.role_grant(actor=admin, person=supervisor2, role=Role.SUPERVISOR, unit=world.unit("west"))
    world.people["supervisor2"] = supervisor2


def add_figures(world, period: str = PERIOD) -> None:
    """Satisfaction 92 and 70, bonus bases 1,000.00 and 800.00 for the two supervisors."""
    admin = world.person("admin")
    rows, bases = [], []
    for key, unit_key, satisfaction, base in (("supervisor", "east", "92", "1000"),
                                               ("supervisor2", "west", "70", "800")):
        person, unit = world.person(key), world.unit(unit_key)
        rows.append({"person": person, "unit": None, "scope_unit": unit, "kpi_code": "satisfaction",
                     "period": period, "value": Decimal(satisfaction), "source": "问卷", "existing": None})
        bases.append({"person": person, "scope_unit": unit, "period": period, "base": Decimal(base),
                      "existing": None})
    services.kpi_values_import(actor=admin, rows=rows)
    services.bonus_bases_import(actor=admin, rows=bases)


def open_cycle(world, *, scored: bool = True, period: str = PERIOD) -> AppraisalCycle:
    """The supervisors' cycle over the whole company, run by `ops2`; with `scored` the manual KPI
    (learning_growth) is scored 80 and 60."""
    add_flow_people(world)
    add_figures(world, period)
    ops2 = world.person("ops2")
    cycle = services.cycle_create(actor=ops2, role=Role.SUPERVISOR, period=period, scope_unit=world.unit("root"))
    if scored:
        for appraisal in cycle.appraisals.select_related("person", "cycle"):
            score = "80" if appraisal.person.username == "supervisor" else "60"
            services.manual_scores_set(actor=ops2, appraisal=appraisal,
                                       scores=[{"kpi_code": "learning_growth", "score": score, "note": ""}])
    return AppraisalCycle.objects.get(pk=cycle.pk)


def approve_all(world, approval, *, now=None, deciders=("executive", "hr", "finance")) -> None:
    for key in deciders:
        approval_decide(actor=world.person(key), approval=approval, decision="approve", comment="", now=now)


def final_cycle(world, *, finalised_at=FINAL_AT) -> AppraisalCycle:
    """The cycle submitted by `ops2` and approved by the executive, HR and finance at `finalised_at`."""
    cycle = open_cycle(world)
    cycle = results.cycle_submit(actor=world.person("ops2"), cycle=cycle, now=finalised_at - dt.timedelta(hours=3))
    approve_all(world, cycle.approval, now=finalised_at)
    cycle.refresh_from_db()
    assert cycle.status == "final", cycle.status
    return cycle


def local_day(moment) -> str:
    return timezone.localdate(moment).isoformat()
