"""Coverage rules (覆盖要求) judged against a plan: on its planned visits and on what was done.

A rule from policy asks, for every period of its kind (week, month, quarter, half-year, year),
either a share of the units of a kind (bank: >= 25% of branches a quarter, 100% a year) or a number
of visits per unit (restaurant: every store once a week, by its own supervisor).

A plan is judged on every period of the rule that overlaps the plan's own period:

- What counts: this plan's visits, visits of other published plans, and inspections made without a
  plan (ad hoc), dated within the period up to the plan's end. Cancelled visits never count; a rule
  `by_assigned_supervisor` counts only visits by a supervisor assigned to that unit.
- What is required: the rule's full measure when the period ends within the plan. A period that
  runs on after the plan ends (a year rule under a quarterly plan) asks for its share of the time
  elapsed by the plan's end: a Q1 plan must bring the year's coverage to about a quarter, a Q4
  plan to all of it. Share rules round up (at least the share); visit rules round half up (a plan
  that covers less than half of a week owes that week nothing, more than half owes the visit).
- `planned` counts what the plan and the calendar provide, `done` what visits marked done and ad
  hoc inspections achieved. A visit is done only when its inspection is submitted (a draft
  inspection leaves it planned), and an ad hoc inspection counts once submitted: inspections
  report both through `registry`; both are capped at what is required, so the totals read "planned of
  required". `missing_unit_ids` are the units still lacking planned visits.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.org.choices import Role
from dudao.org.models import Unit
from dudao.org.selectors import RoleHolders
from dudao.policies.registry import policy_for

from . import registry
from .choices import PlanStatus, VisitStatus
from .periods import ONE_DAY, windows_overlapping

NAMES_SHOWN = 5


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    code: str
    kind: str
    path: str


@dataclass(frozen=True)
class VisitFact:
    """One visit or inspection that may count toward coverage."""

    unit_id: int
    person_id: int
    day: dt.date


@dataclass
class WindowCoverage:
    start: dt.date
    end: dt.date
    counted_until: dt.date
    prorated: bool
    required: int
    planned: int
    done: int
    per_unit: int | None
    missing_unit_ids: list[int]
    undone_unit_ids: list[int]

    @property
    def satisfied(self) -> bool:
        return self.planned >= self.required


@dataclass
class RuleCoverage:
    code: str
    description: str
    unit_kind: str
    unit_kind_label: str
    period: str
    measure: str  # "share" or "visits"
    min_share: Fraction | None
    min_visits_per_unit: int | None
    by_assigned_supervisor: bool
    unit_count: int
    windows: list[WindowCoverage] = field(default_factory=list)
    ignored_visits: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def required(self) -> int:
        return sum(w.required for w in self.windows)

    @property
    def planned(self) -> int:
        return sum(w.planned for w in self.windows)

    @property
    def done(self) -> int:
        return sum(w.done for w in self.windows)

    @property
    def satisfied(self) -> bool:
        return all(w.satisfied for w in self.windows)

    @property
    def missing_unit_ids(self) -> list[int]:
        return sorted({pk for w in self.windows for pk in w.missing_unit_ids})

    @property
    def undone_unit_ids(self) -> list[int]:
        return sorted({pk for w in self.windows for pk in w.undone_unit_ids})

    def as_dict(self) -> dict:
        return {
            "code": self.code, "description": self.description, "unit_kind": self.unit_kind,
            "period": self.period, "measure": self.measure, "required": self.required, "planned": self.planned,
            "done": self.done, "satisfied": self.satisfied, "missing_unit_ids": self.missing_unit_ids,
            "problems": list(self.problems),
            "windows": [
                {"start": w.start, "end": w.end, "counted_until": w.counted_until, "prorated": w.prorated,
                 "required": w.required, "planned": w.planned, "done": w.done, "satisfied": w.satisfied,
                 "missing_unit_ids": w.missing_unit_ids}
                for w in self.windows
            ],
        }


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _names(ids: Iterable[int], units: dict[int, UnitRef]) -> str:
    ids = list(ids)
    shown = _("、").join(units[pk].name for pk in ids[:NAMES_SHOWN])
    if len(ids) > NAMES_SHOWN:
        return _("%(names)s 等 %(count)s 家") % {"names": shown, "count": len(ids)}
    return shown


def evaluate_rule(
    rule,
    *,
    units: list[UnitRef],
    period_start: dt.date,
    period_end: dt.date,
    planned: Iterable[VisitFact],
    done: Iterable[VisitFact],
    assigned: dict[int, set[int]] | None = None,
    kind_label: str = "",
) -> RuleCoverage:
    """Judge one coverage rule over the plan period [period_start, period_end]. Pure: no queries."""
    units = sorted((u for u in units if u.kind == rule.unit_kind), key=lambda u: (u.path, u.code))
    by_id = {u.id: u for u in units}
    share = Fraction(str(rule.min_share)) if rule.min_share is not None else None
    result = RuleCoverage(
        code=rule.code, description=rule.description, unit_kind=str(rule.unit_kind),
        unit_kind_label=kind_label or str(rule.unit_kind), period=str(rule.period), measure=rule.kind,
        min_share=share, min_visits_per_unit=rule.min_visits_per_unit,
        by_assigned_supervisor=rule.by_assigned_supervisor, unit_count=len(units),
    )
    assigned = assigned or {}

    def counts(facts: Iterable[VisitFact]) -> tuple[list[VisitFact], int]:
        kept, ignored = [], 0
        for fact in facts:
            if fact.unit_id not in by_id:
                continue
            if rule.by_assigned_supervisor and fact.person_id not in assigned.get(fact.unit_id, set()):
                ignored += 1
                continue
            kept.append(fact)
        return kept, ignored

    planned, result.ignored_visits = counts(planned)
    done, _ignored = counts(done)
    if not units:
        result.problems.append(_("范围内没有%(kind)s,此规则不适用") % {"kind": result.unit_kind_label})

    for start, end in windows_overlapping(rule.period, period_start, period_end):
        until = min(end, period_end)
        elapsed = Fraction((until - start).days + 1, (end - start).days + 1)
        prorated = until < end

        def per_unit(facts: list[VisitFact], start=start, until=until) -> dict[int, int]:
            tally: dict[int, int] = defaultdict(int)
            for fact in facts:
                if start <= fact.day <= until:
                    tally[fact.unit_id] += 1
            return tally

        planned_tally, done_tally = per_unit(planned), per_unit(done)
        if share is not None:
            required = math.ceil(share * len(units) * elapsed) if units else 0
            visited = [u.id for u in units if planned_tally.get(u.id)]
            achieved = [u.id for u in units if done_tally.get(u.id)]
            missing = [u.id for u in units if not planned_tally.get(u.id)] if len(visited) < required else []
            undone = [u.id for u in units if not done_tally.get(u.id)] if len(achieved) < required else []
            window = WindowCoverage(
                start, end, until, prorated, required, min(len(visited), required), min(len(achieved), required),
                None, missing, undone,
            )
        else:
            need = _round_half_up(rule.min_visits_per_unit * elapsed)
            window = WindowCoverage(
                start, end, until, prorated, need * len(units),
                sum(min(planned_tally.get(u.id, 0), need) for u in units),
                sum(min(done_tally.get(u.id, 0), need) for u in units),
                need,
                [u.id for u in units if planned_tally.get(u.id, 0) < need],
                [u.id for u in units if done_tally.get(u.id, 0) < need],
            )
        result.windows.append(window)
        if not window.satisfied:
            result.problems.append(_window_problem(result, window, by_id))

    if result.ignored_visits and not result.satisfied:
        result.problems.append(
            _("%(count)s 次走访不是由该机构所属的督导安排,不计入此规则") % {"count": result.ignored_visits}
        )
    return result


def _window_problem(rule: RuleCoverage, window: WindowCoverage, units: dict[int, UnitRef]) -> str:
    span = {"start": window.start.isoformat(), "end": window.end.isoformat()}
    if rule.measure == "share":
        message = _("%(start)s 至 %(end)s:需覆盖至少 %(required)s 家%(kind)s,目前计划只覆盖 %(planned)s 家") % {
            **span, "required": window.required, "planned": window.planned, "kind": rule.unit_kind_label}
    else:
        message = _("%(start)s 至 %(end)s:%(count)s 家%(kind)s未安排到每家 %(need)s 次:%(names)s") % {
            **span, "count": len(window.missing_unit_ids), "kind": rule.unit_kind_label, "need": window.per_unit,
            "names": _names(window.missing_unit_ids, units)}
    if window.prorated:
        message += _("(该周期在计划结束后仍在继续,要求已按计划结束时已过的时间折算)")
    return message


# --- loading what a plan is judged on ----------------------------------------------------------
def scope_units(organization_id: int, scope_path: str, kinds: Iterable[str]) -> list[UnitRef]:
    return [
        UnitRef(*row)
        for row in Unit.objects.filter(
            organization_id=organization_id, path__startswith=scope_path, kind__in=set(kinds), is_active=True
        ).order_by("path").values_list("id", "name", "code", "kind", "path")
    ]


def assigned_supervisors(organization_id: int, units: list[UnitRef]) -> dict[int, set[int]]:
    """For each unit, the active supervisors whose role covers it (granted on it or an ancestor)."""
    holders = RoleHolders(organization_id, [Role.SUPERVISOR])
    return {u.id: {person.pk for person in holders.over(u, Role.SUPERVISOR)} for u in units}


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def load_facts(plan, units: list[UnitRef], start: dt.date, end: dt.date) -> tuple[list[VisitFact], list[VisitFact]]:
    """Visits and ad hoc inspections in [start, end] at `units`: (planned, done)."""
    from .models import Visit

    unit_ids = [u.id for u in units]
    planned: list[VisitFact] = []
    done: list[VisitFact] = []
    visits = (
        Visit.objects.filter(organization_id=plan.organization_id, unit_id__in=unit_ids, date__range=(start, end))
        .exclude(status=VisitStatus.CANCELLED)
        .filter(Q(plan_id=plan.pk) | Q(plan__status=PlanStatus.PUBLISHED) | Q(status=VisitStatus.DONE))
        .values_list("unit_id", "supervisor_id", "date", "status", "done_at", "plan_id", "plan__status")
    )
    for unit_id, supervisor_id, day, status, done_at, plan_id, plan_status in visits:
        if plan_id == plan.pk or plan_status == PlanStatus.PUBLISHED or status == VisitStatus.DONE:
            planned.append(VisitFact(unit_id, supervisor_id, day))
        if status == VisitStatus.DONE:
            done_day = _local_day(done_at) if done_at else day
            if start <= done_day <= end:
                done.append(VisitFact(unit_id, supervisor_id, done_day))
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + ONE_DAY, dt.time.min, tzinfo=tz)
    for unit_id, inspector_id, performed_at in registry.read(
        registry.AD_HOC_INSPECTIONS, plan.organization_id, unit_ids, begin, finish
    ):
        fact = VisitFact(unit_id, inspector_id, _local_day(performed_at))
        planned.append(fact)
        done.append(fact)
    return planned, done


def plan_coverage(plan, *, extra: Iterable[VisitFact] = (), policy=None) -> list[RuleCoverage]:
    """Every coverage rule in force at the plan's start, judged on the plan (plus `extra` proposed visits).
    `policy`: judge by another policy instead (the policy simulation's draft)."""
    policy = policy or policy_for(plan.organization_id, on=plan.period_start)
    rules = policy.plans.coverage_rules
    if not rules:
        return []
    units = scope_units(plan.organization_id, plan.scope_unit.path, {rule.unit_kind for rule in rules})
    earliest = min(windows_overlapping(rule.period, plan.period_start, plan.period_end)[0][0] for rule in rules)
    planned, done = load_facts(plan, units, earliest, plan.period_end)
    planned = planned + list(extra)
    assigned = assigned_supervisors(plan.organization_id, units) if any(r.by_assigned_supervisor for r in rules) else {}
    return [
        evaluate_rule(
            rule, units=units, period_start=plan.period_start, period_end=plan.period_end, planned=planned,
            done=done, assigned=assigned, kind_label=policy.organization.unit_kind_label(rule.unit_kind),
        )
        for rule in rules
    ]
