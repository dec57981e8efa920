"""Plans, visits and the records coverage reads, for tests (plans and visits through the real services)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.planning import services
from dudao.planning.models import Plan


def monday(weeks_ahead: int = 1) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)


def make_plan(world, *, actor="supervisor", scope="east", kind="week", start=None, end=None, title="华东区周计划",
              **kwargs) -> Plan:
    start = start or monday()
    end = end or start + dt.timedelta(days=6)
    return services.plan_create(
        actor=world.person(actor), title=title, kind=kind, period_start=start, period_end=end,
        scope_unit=world.units[scope], focus=kwargs.pop("focus", "食品安全"), methods=kwargs.pop("methods", ["on_site"]),
        **kwargs,
    )


def add_visits(world, plan, rows, *, actor="supervisor", template=None):
    """rows: (unit key, visiting person key, date[, mode])."""
    return services.plan_visits_add(actor=world.person(actor), plan=plan, visits=[
        services.VisitInput(unit=world.units[row[0]], supervisor=world.person(row[1]), date=row[2],
                            template=template, mode=row[3] if len(row) > 3 else "on_site")
        for row in rows
    ])


def publish(world, plan, *, actor="supervisor", approver="executive"):
    from dudao.approvals.models import ApprovalRequest
    from dudao.approvals.services import approval_decide

    plan = services.plan_submit(actor=world.person(actor), plan=plan)
    approval_decide(actor=world.person(approver), approval=ApprovalRequest.objects.get(pk=plan.approval_id),
                    decision="approve", comment="同意")
    return Plan.objects.get(pk=plan.pk)


def published_template(world, name="门店营运标准检查表", org=None):
    from dudao.checklists.models import Template

    organization = org or world.org
    creator = world.person("admin") if org is None else world.person("b_admin")
    existing = Template.objects.filter(organization=organization, name=name).first()
    return existing or Template.objects.create(
        organization=organization, name=name, status="published", created_by=creator, published_by=creator,
        published_at=timezone.now(),
    )


def inspection(world, *, unit, inspector="supervisor", at=None, score="75.0", visit=None, status="submitted"):
    """An inspection record as the inspections app leaves it (read-only input to coverage and proposals)."""
    from dudao.inspections.models import Inspection

    return Inspection.objects.create(
        organization=world.org, unit=world.units[unit], template=published_template(world),
        inspector=world.person(inspector), performed_at=at or timezone.now(), status=status, score=score,
        visit=visit,
    )


def other_org_published_plan(world):
    """A published plan with one visit in the other organisation (its own executive approves it)."""
    from dudao.org import services as org_services
    from dudao.org.choices import Role

    existing = Plan.objects.filter(organization=world.other_org, title="乙计划").first()
    if existing is not None:
        return existing
    admin = world.person("b_admin")
    if not world.people.get("b_executive"):
        executive = org_services.person_create(actor=admin, username="b_executive", display_name="乙总经理",
                                               password="Long-pass-2026!")
        org_services.role_grant(actor=admin, person=executive, role=Role.EXECUTIVE, unit=world.units["b_root"])
        world.people["b_executive"] = executive
    start = monday(0)
    plan = make_plan(world, actor="b_admin", scope="b_root", start=start, title="乙计划")
    add_visits(world, plan, [("b_branch", "b_admin", start)], actor="b_admin")
    return publish(world, plan, actor="b_admin", approver="b_executive")
