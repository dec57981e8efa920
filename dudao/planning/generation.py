"""Generating visits from recurring schedules (自动排程): what the daily job does.

Each run looks `GENERATION_DAYS` ahead (today included) and, for every active schedule, takes each
occurrence in that window (`recurrence.occurrences`) that has no visit yet:

1. Coverage first: when a per-unit coverage rule in force (`plans.coverage_rules`, e.g. every store
   once a week) is already satisfied for the unit in the rule's period containing the occurrence,
   by published visits, done visits or ad hoc inspections (judged by `coverage.evaluate_rule`, the
   one definition), the occurrence is not generated: the unit is not booked beyond what the rules
   ask. It is looked at again by the next run (if the other visit goes away, it is generated then).
2. Placing: the occurrence's own day if it is a working day on which the supervisor has fewer than
   `plans.max_visits_per_day` visits and the unit has no other visit; else the next such day within
   the occurrence's period (`recurrence.place`). An occurrence with no such day is reported as not
   placed (in the run's result and the supervisor's notification) and tried again by the next run.
3. The visit goes into the automatic week plan of the supervisor's scope unit (see
   `VisitSchedule`), keyed by (schedule, occurrence) under a unique constraint: running twice
   never makes a second visit for one occurrence.

Each supervisor who was given visits (or has occurrences not placed) gets one notification a run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import TemplateStatus
from dudao.checklists.models import Template
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.figure_changes import figures_changed
from dudao.notifications.services import notify
from dudao.org.choices import ORG_WIDE_ROLES
from dudao.org.models import Organization, RoleAssignment
from dudao.policies.registry import policy_for

from .choices import PlanKind, PlanStatus, VisitStatus, Weekday
from .coverage import UnitRef, VisitFact, assigned_supervisors, evaluate_rule, load_facts
from .forms import default_title
from .models import PLANNERS, Holiday, Plan, Visit, VisitSchedule
from .periods import window_of
from .recurrence import occurrences, period_end, place
from .selectors import default_template

GENERATION_DAYS = 14
PLAN_AUDIT_FIELDS = ["title", "kind", "period_start", "period_end", "scope_unit", "status", "published_at",
                     "automatic"]
VISIT_AUDIT_FIELDS = ["plan", "unit", "supervisor", "date", "template", "mode", "status", "schedule", "occurrence"]
LINES_SHOWN = 10


def schedules_generate(*, now: dt.datetime, organization_id: int | None = None) -> dict:
    """Generate the coming `GENERATION_DAYS` of visits for every organisation (or one)."""
    today = timezone.localdate(now)
    totals: dict = {"created": 0, "covered": 0, "not_placed": []}
    organizations = Organization.objects.filter(is_active=True).order_by("pk")
    if organization_id is not None:
        organizations = organizations.filter(pk=organization_id)
    for org_id in organizations.values_list("pk", flat=True):
        result = _generate_for(org_id, today, today + dt.timedelta(days=GENERATION_DAYS - 1), now)
        totals["created"] += result["created"]
        totals["covered"] += result["covered"]
        totals["not_placed"].extend(result["not_placed"])
    return totals


class _Calendar:
    """Who is busy when: visits of published plans (and those made in this run), per supervisor-day
    and per unit-day, with the coverage facts per unit."""

    def __init__(self, organization_id: int, schedules: list[VisitSchedule], start: dt.date, end: dt.date):
        people = {s.supervisor_id for s in schedules}
        unit_ids = {s.unit_id for s in schedules}
        self.load: Counter = Counter()
        self.unit_days: set[tuple[int, dt.date]] = set()
        rows = (Visit.objects.filter(organization_id=organization_id, date__range=(start, end),
                                     plan__status=PlanStatus.PUBLISHED)
                .filter(Q(supervisor_id__in=people) | Q(unit_id__in=unit_ids))
                .exclude(status=VisitStatus.CANCELLED).values_list("supervisor_id", "unit_id", "date"))
        for person_id, unit_id, day in rows:
            self.load[(person_id, day)] += 1
            self.unit_days.add((unit_id, day))

    def has_room(self, person_id: int, unit_id: int, capacity: int):
        return lambda day: self.load[(person_id, day)] < capacity and (unit_id, day) not in self.unit_days

    def book(self, person_id: int, unit_id: int, day: dt.date) -> None:
        self.load[(person_id, day)] += 1
        self.unit_days.add((unit_id, day))


def _role_units(organization_id: int, people: set[int]) -> dict[int, list[tuple[bool, object]]]:
    """Each person's planner roles: (organisation-wide, unit granted on)."""
    roles: dict[int, list] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        organization_id=organization_id, person_id__in=people, role__in=PLANNERS
    ).select_related("unit"):
        roles[assignment.person_id].append((assignment.role in ORG_WIDE_ROLES, assignment.unit))
    return roles


def _scope_for(roles: list[tuple[bool, object]], unit):
    """The week plan's scope: the unit of the supervisor's most specific planner role covering
    `unit` (an organisation-wide role is granted on the root); None when no role covers it any more."""
    covering = [granted for wide, granted in roles if wide or unit.path.startswith(granted.path)]
    return max(covering, key=lambda granted: len(granted.path)) if covering else None


@transaction.atomic
def _generate_for(organization_id: int, start: dt.date, end: dt.date, now: dt.datetime) -> dict:
    result: dict = {"created": 0, "covered": 0, "not_placed": []}
    schedules = list(
        VisitSchedule.objects.filter(organization_id=organization_id, active=True, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("unit", "supervisor", "template", "created_by").order_by("id")
    )
    if not schedules:
        return result
    made = set(Visit.objects.filter(schedule__in=schedules, occurrence__range=(start, end))
               .values_list("schedule_id", "occurrence"))
    due = sorted(
        ((day, schedule) for schedule in schedules for day in occurrences(schedule, start, end)
         if (schedule.pk, day) not in made),
        key=lambda pair: (pair[0], pair[1].pk),
    )
    if not due:
        return result
    last_day = max(period_end(schedule, day) for day, schedule in due)
    policy = policy_for(organization_id, on=start)
    capacity = policy.plans.max_visits_per_day
    holidays = dict(Holiday.objects.filter(organization_id=organization_id, date__range=(start, last_day))
                    .values_list("date", "workday"))
    busy = _Calendar(organization_id, schedules, start, last_day)

    # Coverage: the per-unit rules and what already counts toward them (coverage.load_facts).
    rules = [rule for rule in policy.plans.coverage_rules if rule.kind == "visits"]
    refs = {s.unit_id: UnitRef(s.unit_id, s.unit.name, s.unit.code, s.unit.kind, s.unit.path) for s in schedules}
    facts: dict[int, list[VisitFact]] = defaultdict(list)
    assigned: dict[int, set[int]] = {}
    if rules:
        earliest = min(window_of(rule.period, start)[0] for rule in rules)
        # No plan of its own: only published visits, done visits and ad hoc inspections count.
        planned, _done = load_facts(SimpleNamespace(organization_id=organization_id, pk=None),
                                    list(refs.values()), earliest, last_day)
        for fact in planned:
            facts[fact.unit_id].append(fact)
        if any(rule.by_assigned_supervisor for rule in rules):
            assigned = assigned_supervisors(organization_id, list(refs.values()))

    def covered(schedule: VisitSchedule, day: dt.date) -> bool:
        ref = refs[schedule.unit_id]
        applicable = [rule for rule in rules if rule.unit_kind == ref.kind]
        return bool(applicable) and all(
            evaluate_rule(rule, units=[ref], period_start=window_of(rule.period, day)[0],
                          period_end=window_of(rule.period, day)[1], planned=facts[ref.id], done=[],
                          assigned=assigned).satisfied
            for rule in applicable
        )

    roles = _role_units(organization_id, {s.supervisor_id for s in schedules})
    templates = list(Template.objects.filter(organization_id=organization_id, status=TemplateStatus.PUBLISHED)
                     .order_by("name", "-version"))
    fallback_template = default_template(templates)
    plans: dict[tuple[int, dt.date], Plan] = {}
    rows: list[Visit] = []
    told: dict[int, dict] = defaultdict(lambda: {"person": None, "visits": [], "not_placed": []})
    for occurrence, schedule in due:
        if covered(schedule, occurrence):
            result["covered"] += 1
            continue
        person = schedule.supervisor
        scope = _scope_for(roles[person.pk], schedule.unit) if person.is_active else None
        day = place(occurrence, period_end(schedule, occurrence), holidays,
                    busy.has_room(person.pk, schedule.unit_id, capacity)) if scope is not None else None
        told[person.pk]["person"] = person
        if day is None:
            result["not_placed"].append({
                "schedule_id": schedule.pk, "occurrence": occurrence.isoformat(), "unit": schedule.unit.name,
                "supervisor": person.display_name, "reason": "no_working_day_with_room" if scope else "no_role"})
            told[person.pk]["not_placed"].append((occurrence, schedule.unit.name))
            continue
        plan = _week_plan(plans, scope, day, schedule, now)
        busy.book(person.pk, schedule.unit_id, day)
        facts[schedule.unit_id].append(VisitFact(schedule.unit_id, person.pk, day))
        rows.append(Visit(
            organization_id=organization_id, plan=plan, unit=schedule.unit, supervisor=person, date=day,
            template=schedule.template or fallback_template, mode=schedule.mode, status=VisitStatus.PLANNED,
            schedule=schedule, occurrence=occurrence,
        ))
        told[person.pk]["visits"].append((day, schedule.unit.name))
    created = Visit.objects.bulk_create(rows)
    if any(v.pk is None for v in created):  # a database that cannot return ids from a bulk insert
        keys = {(v.schedule_id, v.occurrence) for v in rows}
        created = [v for v in Visit.objects.filter(schedule__in=schedules).order_by("id")
                   if (v.schedule_id, v.occurrence) in keys]
    figures_changed(organization_id, {(v.unit_id, v.date) for v in created})
    record_events(actor=None, action="visit.generate", objects=created, organization_id=organization_id, at=now,
                  after=[snapshot(v, VISIT_AUDIT_FIELDS) for v in created])
    result["created"] = len(created)
    for told_person in told.values():
        _tell(told_person, start, now)
    return result


def _week_plan(plans: dict, scope, day: dt.date, schedule: VisitSchedule, now: dt.datetime) -> Plan:
    """The automatic week plan of `scope` for the week of `day`, made (published) on first need."""
    monday = window_of("week", day)[0]
    key = (scope.pk, monday)
    if key in plans:
        return plans[key]
    plan = Plan.objects.filter(organization_id=schedule.organization_id, scope_unit=scope, kind=PlanKind.WEEK,
                               automatic=True, period_start=monday).first()
    if plan is None:
        plan = Plan.objects.create(
            organization_id=schedule.organization_id, kind=PlanKind.WEEK, automatic=True,
            title=_("%(title)s(自动排程)") % {"title": default_title(PlanKind.WEEK, monday, scope)},
            period_start=monday, period_end=monday + dt.timedelta(days=6), scope_unit=scope,
            focus=_("由定期巡店排程自动生成"), methods=[schedule.mode], status=PlanStatus.PUBLISHED,
            created_by=schedule.created_by, published_at=now,
        )
        record_event(actor=None, action="plan.generate", obj=plan, after=snapshot(plan, PLAN_AUDIT_FIELDS), at=now)
    plans[key] = plan
    return plan


def _line(day: dt.date, unit_name: str) -> str:
    return _("%(date)s %(weekday)s %(unit)s") % {
        "date": day.strftime("%m-%d"), "weekday": Weekday(day.weekday()).label, "unit": unit_name}


def _tell(told: dict, start: dt.date, now: dt.datetime) -> None:
    """One notification to the supervisor for this run: the visits given, and any not placed."""
    from django.urls import reverse

    person, visits, not_placed = told["person"], sorted(told["visits"]), sorted(told["not_placed"])
    lines = [_line(day, name) for day, name in visits[:LINES_SHOWN]]
    if len(visits) > LINES_SHOWN:
        lines.append(_("等共 %(count)s 次") % {"count": len(visits)})
    if not_placed:
        lines.append(_("以下排程因节假日或当天走访已满未能安排:"))
        lines.extend(_line(day, name) for day, name in not_placed[:LINES_SHOWN])
    if visits:
        title = _("已自动排入 %(count)s 次走访") % {"count": len(visits)}
    else:
        title = _("%(count)s 次排程走访未能安排") % {"count": len(not_placed)}
    notify(recipients=[person], kind="schedule.generated", title=title, body="\n".join(lines),
           url=reverse("planning:schedule-upcoming"), at=now,
           dedupe_key=f"schedule:generated:{person.pk}:{start.isoformat()}")


def schedule_coverage(organization_id: int, schedules, units: list[UnitRef], on: dt.date) -> list:
    """What `schedules` alone will cover of each coverage rule in force, in the rule's period
    containing `on` (this week, this month, this quarter, this year): judged by
    `coverage.evaluate_rule` on the schedules' occurrences, as if each were visited that day."""
    policy = policy_for(organization_id, on=on)
    rules = list(policy.plans.coverage_rules)
    schedules = [s for s in schedules if s.active]
    assigned = assigned_supervisors(organization_id, units) if any(r.by_assigned_supervisor for r in rules) else {}
    judged = []
    for rule in rules:
        start, end = window_of(rule.period, on)
        facts = [VisitFact(s.unit_id, s.supervisor_id, day) for s in schedules for day in occurrences(s, start, end)]
        judged.append(evaluate_rule(rule, units=units, period_start=start, period_end=end, planned=facts, done=[],
                                    assigned=assigned,
                                    kind_label=policy.organization.unit_kind_label(rule.unit_kind)))
    return judged
