"""Proposing a plan's visits (计划建议): every coverage rule satisfied, the load spread evenly.

For a plan (its scope and period) and the supervisors who will visit, the proposal adds only what
the plan and the published calendar still lack:

1. Per-unit rules first (every store once a week): each unit short of its visits in a period gets
   the missing ones. Share rules next, shortest period first (25% of branches this quarter before
   100% this year): the units chosen are those that most need a visit, so the quarter's choice
   also advances the year's coverage.
2. "Most need a visit": more overdue findings, then more open findings, then the lowest recent
   inspection score (never inspected counts as lowest), then the longest since the last visit.
3. Each visit goes to the least-loaded eligible supervisor (by a rule `by_assigned_supervisor`,
   only the unit's own supervisors; otherwise any chosen supervisor whose role covers the unit)
   and to the least-loaded working day in the period (weekends only when the period has no
   weekday left), earliest first, so units that most need a visit are seen first.

Nothing is saved: the supervisor edits the proposal and saves the visits they keep. Rules the
proposal cannot satisfy (no eligible supervisor, the period already over) are explained.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.org.models import RoleAssignment
from dudao.policies.registry import policy_for

from . import registry
from .choices import VisitMode
from .coverage import (
    RuleCoverage,
    UnitRef,
    VisitFact,
    _round_half_up,
    assigned_supervisors,
    load_facts,
    plan_coverage,
    scope_units,
)
from .models import PLANNERS
from .periods import days_between, windows_overlapping

SCORE_WINDOW_DAYS = 365
RECENT_SCORES = 3


@dataclass
class UnitNeed:
    """Why a unit needs a visit: its open and overdue findings and recent scores."""

    unit: UnitRef
    open_findings: int = 0
    overdue_findings: int = 0
    recent_score: Decimal | None = None
    last_inspected: dt.date | None = None

    def key(self) -> tuple:
        score = self.recent_score if self.recent_score is not None else Decimal(-1)
        last = self.last_inspected or dt.date.min
        return (-self.overdue_findings, -self.open_findings, score, last, self.unit.code)

    def reasons(self) -> list[str]:
        reasons = []
        if self.open_findings:
            if self.overdue_findings:
                reasons.append(_("%(open)s 个未关闭问题(%(overdue)s 个超期)") % {
                    "open": self.open_findings, "overdue": self.overdue_findings})
            else:
                reasons.append(_("%(open)s 个未关闭问题") % {"open": self.open_findings})
        if self.recent_score is not None:
            reasons.append(_("最近得分 %(score)s") % {"score": self.recent_score})
        else:
            reasons.append(_("近一年未检查"))
        return reasons


@dataclass
class ProposedVisit:
    unit: UnitRef
    supervisor: object  # Person
    date: dt.date
    template: object | None
    mode: str
    rule_codes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def fact(self) -> VisitFact:
        return VisitFact(self.unit.id, self.supervisor.pk, self.date)


@dataclass
class Proposal:
    visits: list[ProposedVisit]
    coverage: list[RuleCoverage]
    problems: list[str]
    supervisors: list


def unit_needs(organization_id: int, units: list[UnitRef], today: dt.date) -> dict[int, UnitNeed]:
    """Open/overdue findings and recent scores per unit, in two queries whatever the number of units."""
    needs = {u.id: UnitNeed(u) for u in units}
    ids = list(needs)
    for unit_id, open_count, overdue_count in registry.read(registry.OPEN_FINDINGS, organization_id, ids, today):
        needs[unit_id].open_findings, needs[unit_id].overdue_findings = open_count, overdue_count
    since = timezone.now() - dt.timedelta(days=SCORE_WINDOW_DAYS)
    scores: dict[int, list[Decimal]] = defaultdict(list)
    for unit_id, score, performed_at in registry.read(registry.RECENT_SCORES, organization_id, ids, since):
        need = needs[unit_id]
        if need.last_inspected is None:
            need.last_inspected = timezone.localdate(performed_at)
        if len(scores[unit_id]) < RECENT_SCORES:
            scores[unit_id].append(score)
    for unit_id, values in scores.items():
        needs[unit_id].recent_score = (sum(values) / len(values)).quantize(Decimal("0.1"))
    return needs


def _inspectors_covering(organization_id: int, people: list, units: list[UnitRef]) -> dict[int, set[int]]:
    """For each unit, which of `people` may visit it (a planner role granted on it or an ancestor)."""
    from dudao.org.choices import ORG_WIDE_ROLES

    rows = list(
        RoleAssignment.objects.filter(
            organization_id=organization_id, person_id__in=[p.pk for p in people], role__in=PLANNERS,
        ).values_list("person_id", "role", "unit__path")
    )
    return {
        u.id: {person for person, role, path in rows if role in ORG_WIDE_ROLES or u.path.startswith(path)}
        for u in units
    }


class _Scheduler:
    """Chooses supervisor and day for each visit, keeping the load even."""

    def __init__(self, supervisors: list, existing: list[VisitFact], days: list[dt.date]):
        self.supervisors = {p.pk: p for p in supervisors}
        self.load: dict[int, int] = defaultdict(int)
        self.day_load: dict[tuple[int, dt.date], int] = defaultdict(int)
        self.total_day: dict[dt.date, int] = defaultdict(int)
        in_period = set(days)
        for fact in existing:
            if fact.person_id in self.supervisors and fact.day in in_period:
                self.load[fact.person_id] += 1
                self.day_load[(fact.person_id, fact.day)] += 1
                self.total_day[fact.day] += 1

    def pick(self, eligible: set[int], days: list[dt.date]) -> tuple[object, dt.date]:
        people = sorted(eligible, key=lambda pk: (self.load[pk], self.supervisors[pk].display_name, pk))
        person = people[0]
        weekdays = [d for d in days if d.weekday() < 5] or days
        day = min(weekdays, key=lambda d: (self.day_load[(person, d)], self.total_day[d], d))
        self.load[person] += 1
        self.day_load[(person, day)] += 1
        self.total_day[day] += 1
        return self.supervisors[person], day


def propose_visits(
    plan, *, supervisors: list, template=None, mode: str = VisitMode.ON_SITE, not_before: dt.date | None = None,
) -> Proposal:
    """A proposal for `plan` by `supervisors`: visits that satisfy every rule, and what cannot be."""
    today = timezone.localdate()
    not_before = max(not_before or today, plan.period_start)
    policy = policy_for(plan.organization_id, on=plan.period_start)
    rules = list(policy.plans.coverage_rules)
    kinds = {r.unit_kind for r in rules} or {policy.organization.site_kind}
    units = scope_units(plan.organization_id, plan.scope_unit.path, kinds)
    problems: list[str] = []
    if not supervisors:
        problems.append(_("请至少选择一名督导"))
        return Proposal([], plan_coverage(plan), problems, [])
    earliest = min(
        [windows_overlapping(r.period, plan.period_start, plan.period_end)[0][0] for r in rules] or [plan.period_start]
    )
    existing, _done = load_facts(plan, units, earliest, plan.period_end)
    needs = unit_needs(plan.organization_id, units, today)
    by_priority = sorted(units, key=lambda u: needs[u.id].key())
    rank = {u.id: index for index, u in enumerate(by_priority)}
    covering = _inspectors_covering(plan.organization_id, supervisors, units)
    assigned = assigned_supervisors(plan.organization_id, units) if any(r.by_assigned_supervisor for r in rules) else {}
    scheduler = _Scheduler(supervisors, existing, days_between(plan.period_start, plan.period_end))
    chosen = {p.pk for p in supervisors}
    proposed: list[ProposedVisit] = []
    unit_by_id = {u.id: u for u in units}

    def eligible_for(rule, unit_id: int) -> set[int]:
        pool = covering.get(unit_id, set()) & chosen
        return pool & assigned.get(unit_id, set()) if rule.by_assigned_supervisor else pool

    def counted(rule, start: dt.date, until: dt.date) -> dict[int, int]:
        tally: dict[int, int] = defaultdict(int)
        for fact in existing + [v.fact for v in proposed]:
            if fact.unit_id not in unit_by_id or not (start <= fact.day <= until):
                continue
            if rule.by_assigned_supervisor and fact.person_id not in assigned.get(fact.unit_id, set()):
                continue
            tally[fact.unit_id] += 1
        return tally

    def schedule(rule, unit: UnitRef, days: list[dt.date]) -> bool:
        eligible = eligible_for(rule, unit.id)
        if not eligible:
            problems.append(_("%(rule)s:所选督导中没有人负责 %(unit)s,无法安排") % {
                "rule": rule.description, "unit": unit.name})
            return False
        supervisor, day = scheduler.pick(eligible, days)
        proposed.append(ProposedVisit(unit, supervisor, day, template, mode, [rule.code], needs[unit.id].reasons()))
        return True

    def period_length(rule) -> int:
        start, end = windows_overlapping(rule.period, plan.period_start, plan.period_start)[0]
        return (end - start).days

    ordered = [r for r in rules if r.kind == "visits"] + sorted(
        (r for r in rules if r.kind == "share"), key=period_length)
    for rule in ordered:
        rule_units = [u for u in by_priority if u.kind == rule.unit_kind]
        if not rule_units:
            continue
        for start, end in windows_overlapping(rule.period, plan.period_start, plan.period_end):
            until = min(end, plan.period_end)
            days = days_between(max(start, not_before), until)
            elapsed_fraction = _elapsed(start, end, until)
            tally = counted(rule, start, until)
            if rule.kind == "visits":
                need = _round_half_up(rule.min_visits_per_unit * elapsed_fraction)
                short = [(u, need - tally.get(u.id, 0)) for u in rule_units if tally.get(u.id, 0) < need]
            else:
                required = math.ceil(Fraction(str(rule.min_share)) * len(rule_units) * elapsed_fraction)
                visited = sum(1 for u in rule_units if tally.get(u.id))
                candidates = [u for u in rule_units if not tally.get(u.id)]
                short = [(u, 1) for u in candidates[: max(required - visited, 0)]]
            if short and not days:
                problems.append(_("%(rule)s:%(start)s 至 %(end)s 已经过去,无法再安排 %(count)s 次走访") % {
                    "rule": rule.description, "start": start.isoformat(), "end": until.isoformat(),
                    "count": sum(n for _u, n in short)})
                continue
            for unit, missing in sorted(short, key=lambda pair: rank[pair[0].id]):
                for _n in range(missing):
                    if not schedule(rule, unit, days):
                        break
    coverage = plan_coverage(plan, extra=[v.fact for v in proposed])
    for rule in coverage:
        if not rule.satisfied:
            problems.extend(p for p in rule.problems if p not in problems)
    proposed.sort(key=lambda v: (v.date, v.supervisor.display_name, v.unit.path))
    return Proposal(proposed, coverage, list(dict.fromkeys(problems)), list(supervisors))



def _elapsed(start: dt.date, end: dt.date, until: dt.date) -> Fraction:
    return Fraction((until - start).days + 1, (end - start).days + 1)
