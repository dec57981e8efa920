"""Policy simulation (DESIGN.md 2.15a): a past period replayed under a draft policy, side by side
with the policy in force, without writing anything.

"Before" is the policy in force on the period's last day (the one the evaluation of that month
judged by); "after" is the draft, the pack with the draft's overrides (the complete set, exactly
as `POST /api/v1/policy/versions` takes and validates it). Both sides are computed by the product's
own rules, never a second copy of them:

inspections
    Each inspection that counts (`facts.figures.counted_inspections`) is judged again by
    `inspections.scoring.score_inspection` from its stored points and red-line flag, with the pass
    mark and decimals of each side. Per unit: the number of failed inspections.
findings
    Each finding raised in the period gets its due date again: its local creation date + the
    side's `findings.due_days` for its severity, plus any extension it was granted. Overdue: not
    closed by the day (local date of closing) and due before it; counted at the period's end and
    today.
evaluation
    Each calendar month that starts in the period, by `analytics.evaluation` (`site_units`,
    `gather`, `composite`, `rank`) with each side's evaluation policy. The draft's due dates move
    the on-time closure the evaluation reads, so "after" is gathered inside a transaction where the
    findings carry the draft's due dates, rolled back before returning. Key targets: the failing
    units of an ended month; a review is due at the policy's consecutive failures (the previous
    final month's count as stored).
bonuses
    Each appraisal of the cycles whose period lies in the simulated period, by
    `appraisal.scoring.gather` and `score_appraisal` with each side's policy (bands, proration,
    rectification points); the appraisals are scored in memory and never saved.
coverage
    Only when the draft's coverage rules differ: each rule judged by `planning.coverage` over the
    whole organisation and period (published plans' visits and ad hoc inspections), planned vs
    required, listed in `summary.coverage` where the figures differ.

A fixed number of queries whatever the number of units, findings or people: it grows only with
the months and the appraisal cycles in the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.analytics import evaluation
from dudao.analytics.models import UnitEvaluation
from dudao.appraisal import scoring as appraisal_scoring
from dudao.appraisal.models import Appraisal, AppraisalCycle
from dudao.core.audit import to_json_value
from dudao.core.errors import deny_permission, validation_error
from dudao.core.periods import Period, add_months, month_period, month_start, parse_period
from dudao.facts.figures import counted_inspections, findings_raised
from dudao.facts.scope import Scope
from dudao.findings.models import Finding
from dudao.inspections.scoring import ItemResult, score_inspection
from dudao.org.models import Organization, Unit
from dudao.planning.coverage import plan_coverage
from dudao.planning.models import Plan
from dudao.policies.editing import plain
from dudao.policies.registry import effective_document, policy_for

from .permissions import can_simulate_policy

MAX_DAYS = 366

INSPECTION, UNIT, FINDING, PERSON = "inspection", "unit", "finding", "person"
SUBJECT_ORDER = {UNIT: 0, PERSON: 1, INSPECTION: 2, FINDING: 3}


@dataclass(frozen=True)
class _Totals:
    """An inspection's stored totals as the one "item" the scoring rule combines."""

    critical: bool


@dataclass
class Change:
    subject_type: str
    subject_id: int
    subject_name: str
    metric: str
    before: Any
    after: Any
    month: str = ""

    def as_dict(self) -> dict:
        row = {"subject_type": self.subject_type, "subject_id": self.subject_id, "subject_name": self.subject_name,
               "metric": self.metric, "before": _out(self.before), "after": _out(self.after)}
        if self.month:
            row["month"] = self.month
        return row


def _out(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Changes(list):
    def add(self, subject_type, subject_id, subject_name, metric, before, after, month="") -> None:
        if before != after:
            self.append(Change(subject_type, subject_id, subject_name, metric, before, after, month))


# --- input ----------------------------------------------------------------------------------------
def draft_policy(organization: Organization, overrides: Any):
    """The draft: the pack with `overrides`, refused (422) naming each unknown key or bad value."""
    if not isinstance(overrides, dict):
        raise validation_error("overrides", _("必须是对象(键值表)"))
    try:
        overrides = to_json_value(overrides)
    except TypeError as exc:
        raise validation_error("overrides", str(exc)) from None
    return effective_document(organization.policy_pack, overrides)


def period_of(date_from: dt.date | None, date_to: dt.date | None, today: dt.date) -> Period:
    """The replayed period: past days only, at most a year; by default the last complete month."""
    if date_from is None and date_to is None:
        start = add_months(month_start(today), -1)
        return month_period(start)
    if date_from is None:
        raise validation_error("from", _("请填写开始日期"))
    if date_to is None:
        raise validation_error("to", _("请填写结束日期"))
    if date_from > date_to:
        raise validation_error("from", _("开始日期不能晚于结束日期"))
    if date_to > today:
        raise validation_error("to", _("只能模拟已经发生的期间(结束日期不能晚于今天)"))
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise validation_error("to", _("模拟期间不能超过一年"))
    return Period(date_from, date_to)


# --- the replay -----------------------------------------------------------------------------------
def simulate(*, actor, overrides: Any, date_from: dt.date | None = None, date_to: dt.date | None = None,
             now: dt.datetime | None = None) -> dict:
    """`{changes, summary}` for the actor's organisation (see the module's docstring). Writes nothing."""
    if not can_simulate_policy(actor):
        deny_permission()
    today = timezone.localdate(now or timezone.now())
    organization = Organization.objects.only("id", "policy_pack").get(pk=actor.organization_id)
    period = period_of(date_from, date_to, today)
    draft = draft_policy(organization, overrides)
    before = policy_for(organization, on=period.end)
    scope = Scope.organisation(organization.pk)
    changes = _Changes()
    summary: dict[str, Any] = {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "policy_changes": policy_changes(before, draft),
    }
    summary["inspections"], summary["units"] = _inspections(scope, period, before, draft, changes)
    due_after, summary["findings"] = _findings(scope, period, before, draft, changes, today)
    months = _months(period)
    cycles = _cycles(organization.pk, period)

    evaluations_before = [_evaluate(organization.pk, month, before.evaluation, today) for month in months]
    bonuses_before = [_appraise(cycle, appraisals, before, today) for cycle, appraisals in cycles]
    with transaction.atomic():
        _move_due_dates(due_after)
        evaluations_after = [_evaluate(organization.pk, month, draft.evaluation, today) for month in months]
        bonuses_after = [_appraise(cycle, appraisals, draft, today) for cycle, appraisals in cycles]
        transaction.set_rollback(True)  # the draft's due dates were only ever seen by this replay

    summary["evaluation"] = _compare_evaluations(
        organization.pk, months, evaluations_before, evaluations_after, before.evaluation, draft.evaluation,
        changes, today)
    summary["bonuses"] = _compare_bonuses(cycles, bonuses_before, bonuses_after, changes)
    summary["coverage"] = _coverage(organization.pk, period, before, draft)
    counts: dict[str, int] = defaultdict(int)
    for change in changes:
        counts[f"{change.subject_type}.{change.metric}"] += 1
    summary["changed"] = dict(sorted(counts.items()))
    summary["changes"] = len(changes)
    changes.sort(key=lambda c: (SUBJECT_ORDER[c.subject_type], c.month, c.subject_name, c.subject_id, c.metric))
    return {"changes": [c.as_dict() for c in changes], "summary": summary}


def policy_changes(before, after) -> list[dict]:
    """The dotted keys whose value differs between the two policies, with both values."""
    found: list[dict] = []

    def walk(a, b, prefix: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
        elif a != b:
            found.append({"key": prefix, "before": a, "after": b})

    walk(plain(before), plain(after), "")
    return found


# --- inspections ----------------------------------------------------------------------------------
def _verdict(earned, possible, critical: bool, stored_score, policy):
    if possible is None:  # scored before points were kept: the stored score is the share of 100
        earned, possible = (stored_score, Decimal(100)) if stored_score is not None else (Decimal(0), Decimal(0))
    item = ItemResult(Decimal(earned), Decimal(possible), critical, False)
    return score_inspection([(_Totals(critical), item)], pass_mark=policy.inspections.pass_mark,
                            decimals=policy.inspections.score_decimals)


def _inspections(scope, period, before, draft, changes) -> tuple[dict, dict]:
    rows = counted_inspections(scope, period).values_list(
        "id", "unit_id", "unit__name", "performed_at", "earned_points", "possible_points", "critical_failed", "score",
    ).order_by("performed_at", "id")
    failed = {"before": defaultdict(int), "after": defaultdict(int)}
    names: dict[int, str] = {}
    total = passed_before = passed_after = newly_failing = newly_passing = 0
    for pk, unit_id, unit_name, performed_at, earned, possible, critical, stored in rows:
        total += 1
        names[unit_id] = unit_name
        a = _verdict(earned, possible, critical, stored, before)
        b = _verdict(earned, possible, critical, stored, draft)
        name = f"{unit_name} · {timezone.localtime(performed_at):%Y-%m-%d}"
        changes.add(INSPECTION, pk, name, "score", a.score, b.score)
        changes.add(INSPECTION, pk, name, "passed", a.passed, b.passed)
        passed_before += a.passed
        passed_after += b.passed
        newly_failing += a.passed and not b.passed
        newly_passing += b.passed and not a.passed
        failed["before"][unit_id] += not a.passed
        failed["after"][unit_id] += not b.passed
    units_failing = {"before": 0, "after": 0}
    for unit_id, unit_name in names.items():
        changes.add(UNIT, unit_id, unit_name, "inspections_failed", failed["before"][unit_id], failed["after"][unit_id])
        units_failing["before"] += failed["before"][unit_id] > 0
        units_failing["after"] += failed["after"][unit_id] > 0
    inspections = {"total": total, "passed_before": passed_before, "passed_after": passed_after,
                   "failed_before": total - passed_before, "failed_after": total - passed_after,
                   "newly_failing": newly_failing, "newly_passing": newly_passing}
    units = {"inspected": len(names), "with_failed_inspection_before": units_failing["before"],
             "with_failed_inspection_after": units_failing["after"]}
    return inspections, units


# --- findings -------------------------------------------------------------------------------------
def _overdue(due: dt.date, closed_on: dt.date | None, on: dt.date) -> bool:
    return due < on and (closed_on is None or closed_on > on)


def _findings(scope, period, before, draft, changes, today) -> tuple[dict[int, tuple[dt.date, dt.date]], dict]:
    """Each finding's due date on both sides; returns {id: (stored due, draft due)} where they differ."""
    end = min(period.end, today)
    rows = findings_raised(scope, period).values_list(
        "id", "title", "unit__name", "severity", "created_at", "due_date", "policy_due_date", "closed_at",
    ).order_by("created_at", "id")
    moved: dict[int, tuple[dt.date, dt.date]] = {}
    counts = dict.fromkeys(("total", "due_changed", "overdue_at_end_before", "overdue_at_end_after",
                            "overdue_today_before", "overdue_today_after", "later", "earlier"), 0)
    for pk, title, unit_name, severity, created_at, due, policy_due, closed_at in rows:
        counts["total"] += 1
        created = timezone.localdate(created_at)
        extension = (due - policy_due) if policy_due else dt.timedelta(0)
        due_before = created + dt.timedelta(days=before.findings.due_days_for(severity)) + extension
        due_after = created + dt.timedelta(days=draft.findings.due_days_for(severity)) + extension
        closed_on = timezone.localdate(closed_at) if closed_at else None
        name = f"{unit_name} · {title}"
        changes.add(FINDING, pk, name, "due_date", due_before, due_after)
        overdue = {side: _overdue(day, closed_on, end) for side, day in (("before", due_before), ("after", due_after))}
        changes.add(FINDING, pk, name, "overdue", overdue["before"], overdue["after"])
        counts["overdue_at_end_before"] += overdue["before"]
        counts["overdue_at_end_after"] += overdue["after"]
        counts["overdue_today_before"] += _overdue(due_before, closed_on, today)
        counts["overdue_today_after"] += _overdue(due_after, closed_on, today)
        if due_before != due_after:
            counts["due_changed"] += 1
            counts["later" if due_after > due_before else "earlier"] += 1
        if due_after != due:
            moved[pk] = (due, due_after)
    counts["as_of"] = end.isoformat()
    return moved, counts


def _move_due_dates(moved: dict[int, tuple[dt.date, dt.date]]) -> None:
    """Give the findings their draft due dates: one UPDATE per distinct shift (a handful: one per
    changed severity), whatever the number of findings. Only ever inside the rolled-back block."""
    by_shift: dict[int, list[int]] = defaultdict(list)
    for pk, (due, due_after) in moved.items():
        by_shift[(due_after - due).days].append(pk)
    for days, ids in by_shift.items():
        for start in range(0, len(ids), 5000):
            Finding.objects.filter(pk__in=ids[start:start + 5000]).update(
                due_date=_shifted("due_date", days))


def _shifted(field: str, days: int):
    return ExpressionWrapper(F(field) + dt.timedelta(days=days), output_field=DateField())


# --- the monthly evaluation -------------------------------------------------------------------------
def _months(period: Period) -> list[dt.date]:
    months, month = [], month_start(period.start)
    if month < period.start:
        month = add_months(month, 1)
    while month <= period.end:
        months.append(month)
        month = add_months(month, 1)
    return months or [month_start(period.start)]


def _evaluate(organization_id: int, month: dt.date, policy, today: dt.date) -> list[evaluation.UnitResult]:
    results = evaluation.site_units(organization_id)
    evaluation.gather(organization_id, results, month_period(month), today)
    for result in results:
        evaluation.composite(result, policy)
    evaluation.rank(results)
    return results


def _compare_evaluations(organization_id, months, befores, afters, policy_before, policy_after, changes, today):
    previous = defaultdict(dict)
    for month, unit_id, passed, count in UnitEvaluation.objects.filter(
        organization_id=organization_id, month__in=[add_months(m, -1) for m in months], provisional=False,
    ).values_list("month", "unit_id", "passed", "consecutive_failures"):
        previous[month][unit_id] = (passed, count)
    ids = {r.unit_id for results in befores for r in results}
    names = dict(Unit.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}
    summary = dict.fromkeys((
        "units", "scored_before", "scored_after", "passed_before", "passed_after", "newly_failing",
        "newly_passing", "rank_changed", "key_targets_before", "key_targets_after", "new_key_targets",
        "key_targets_removed", "reviews_due_before", "reviews_due_after"), 0)
    summary["months"] = []
    for month, results_before, results_after in zip(months, befores, afters, strict=True):
        label = f"{month:%Y-%m}"
        final = month_period(month).has_ended(today)
        summary["months"].append({"month": label, "provisional": not final})
        after_of = {r.unit_id: r for r in results_after}
        for a in results_before:
            b = after_of[a.unit_id]
            name = names.get(a.unit_id, str(a.unit_id))
            passed_before, count_before = previous[add_months(month, -1)].get(a.unit_id, (None, 0))
            streak = count_before if passed_before is False else 0
            side = {}
            for key, r, policy in (("before", a, policy_before), ("after", b, policy_after)):
                failures = streak + 1 if r.passed is False else 0
                side[key] = {"key_target": final and r.passed is False, "failures": failures,
                             "review": final and r.passed is False
                             and failures >= policy.consecutive_failures_for_review}
            changes.add(UNIT, a.unit_id, name, "evaluation_score", a.score, b.score, label)
            changes.add(UNIT, a.unit_id, name, "evaluation_passed", a.passed, b.passed, label)
            changes.add(UNIT, a.unit_id, name, "rank", a.rank, b.rank, label)
            changes.add(UNIT, a.unit_id, name, "region_rank", a.region_rank, b.region_rank, label)
            changes.add(UNIT, a.unit_id, name, "consecutive_failures", side["before"]["failures"],
                        side["after"]["failures"], label)
            changes.add(UNIT, a.unit_id, name, "key_target", side["before"]["key_target"],
                        side["after"]["key_target"], label)
            changes.add(UNIT, a.unit_id, name, "review_due", side["before"]["review"], side["after"]["review"], label)
            summary["units"] += 1
            summary["scored_before"] += a.score is not None
            summary["scored_after"] += b.score is not None
            summary["passed_before"] += bool(a.passed)
            summary["passed_after"] += bool(b.passed)
            summary["newly_failing"] += a.passed is True and b.passed is False
            summary["newly_passing"] += a.passed is False and b.passed is True
            summary["rank_changed"] += a.rank != b.rank
            summary["key_targets_before"] += side["before"]["key_target"]
            summary["key_targets_after"] += side["after"]["key_target"]
            summary["new_key_targets"] += side["after"]["key_target"] and not side["before"]["key_target"]
            summary["key_targets_removed"] += side["before"]["key_target"] and not side["after"]["key_target"]
            summary["reviews_due_before"] += side["before"]["review"]
            summary["reviews_due_after"] += side["after"]["review"]
    return summary


# --- coverage rules ---------------------------------------------------------------------------------
def _rule_figures(rule) -> dict | None:
    if rule is None:
        return None
    return {"required": rule.required, "planned": rule.planned, "done": rule.done, "satisfied": rule.satisfied}


def _coverage(organization_id: int, period: Period, before, draft) -> list[dict]:
    """The coverage rules (planned vs required over the organisation's published plans and ad hoc
    inspections, `planning.coverage`) whose figures differ; judged only when the rules differ."""
    if plain(before.plans) == plain(draft.plans):
        return []
    root = Unit.objects.get(organization_id=organization_id, parent__isnull=True)
    whole = Plan(organization_id=organization_id, scope_unit=root, period_start=period.start, period_end=period.end)
    sides = [{rule.code: rule for rule in plan_coverage(whole, policy=policy)} for policy in (before, draft)]
    rows = []
    for code in sorted(set(sides[0]) | set(sides[1])):
        a, b = _rule_figures(sides[0].get(code)), _rule_figures(sides[1].get(code))
        if a != b:
            rule = sides[1].get(code) or sides[0].get(code)
            rows.append({"code": code, "description": rule.description, "before": a, "after": b})
    return rows


# --- appraisals and bonuses -------------------------------------------------------------------------
def _cycles(organization_id: int, period: Period) -> list[tuple[AppraisalCycle, list[Appraisal]]]:
    """The appraisal cycles whose period lies within the simulated one, with their appraisals (two queries)."""
    cycles = []
    for cycle in AppraisalCycle.objects.filter(organization_id=organization_id).select_related("scope_unit"):
        window = parse_period(cycle.period)
        if period.start <= window.start and window.end <= period.end:
            cycles.append(cycle)
    if not cycles:
        return []
    by_cycle: dict[int, list[Appraisal]] = defaultdict(list)
    for appraisal in Appraisal.objects.filter(cycle__in=cycles).select_related("person").order_by("person__username"):
        by_cycle[appraisal.cycle_id].append(appraisal)
    found = []
    for cycle in sorted(cycles, key=lambda c: (c.period, c.role, c.pk)):
        for appraisal in by_cycle[cycle.pk]:
            appraisal.cycle = cycle
        if by_cycle[cycle.pk]:
            found.append((cycle, by_cycle[cycle.pk]))
    return found


def _appraise(cycle, appraisals: list[Appraisal], policy, today: dt.date) -> dict[int, dict]:
    """Each appraisal scored under `policy` in memory: {appraisal id: {score, factor, amount}}."""
    window = parse_period(cycle.period)
    facts = appraisal_scoring.gather(cycle, appraisals, today=today, policy=policy)
    scored = {}
    for appraisal in appraisals:
        appraisal_scoring.score_appraisal(facts, appraisal, policy, window)
        scored[appraisal.pk] = {"score": appraisal.score, "factor": appraisal.bonus_factor,
                                "amount": appraisal.bonus_amount}
    return scored


def _compare_bonuses(cycles, befores, afters, changes) -> dict:
    total_before = total_after = Decimal(0)
    summary = {"appraisals": 0, "changed": 0, "raised": 0, "lowered": 0}
    for (cycle, appraisals), before, after in zip(cycles, befores, afters, strict=True):
        for appraisal in appraisals:
            a, b = before[appraisal.pk], after[appraisal.pk]
            name = appraisal.person.display_name or appraisal.person.username
            changes.add(PERSON, appraisal.person_id, name, "appraisal_score", a["score"], b["score"], cycle.period)
            changes.add(PERSON, appraisal.person_id, name, "bonus_factor", a["factor"], b["factor"], cycle.period)
            changes.add(PERSON, appraisal.person_id, name, "bonus_amount", a["amount"], b["amount"], cycle.period)
            summary["appraisals"] += 1
            total_before += a["amount"] or 0
            total_after += b["amount"] or 0
            if a["amount"] != b["amount"]:
                summary["changed"] += 1
                summary["raised"] += (b["amount"] or 0) > (a["amount"] or 0)
                summary["lowered"] += (b["amount"] or 0) < (a["amount"] or 0)
    summary["total_before"] = float(total_before)
    summary["total_after"] = float(total_after)
    summary["difference"] = float(total_after - total_before)
    return summary


__all__ = ["Change", "draft_policy", "period_of", "policy_changes", "simulate"]

