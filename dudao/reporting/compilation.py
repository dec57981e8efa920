"""Compiling a bulletin (督导检查公报) for a scope and period: every figure in a fixed number of queries.

The figures (inspections, average scores, on-time closure, plan completion, coverage, common
problems) are `dudao.facts.figures`', so a bulletin agrees with the dashboard, reports and the
monthly evaluation for the same scope and period. A period that has not ended as of compiling is
marked provisional.

- ranking: each site unit with a submitted inspection in the period, by its average inspection score
  (rank 1 is best; equal scores share a rank, the next rank skips);
- common problems: the items failed at the most units (as many as the policy's
  `bulletins.common_problems_count`), with how many units and how many failures;
- repeat offenders: units with findings created in the period that repeat an earlier one;
- overdue rectification: units with findings past due and not closed at the end of the period (or
  now, while the period runs);
- good practices: units with a perfect average, else the top three that passed the pass mark.

The queries aggregate in the database, so a bulletin for ten thousand units costs what one for ten does.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Min, Q
from django.utils import timezone

from dudao.core.periods import Period
from dudao.facts.figures import (
    competition_ranks,
    counted_inspections,
    finding_figures,
    findings_raised,
    inspection_figures,
    inspections_by_unit,
    most_failed_items,
    on_time_figures,
    percent,
    plan_completion,
    planned_visits,
    sites,
)
from dudao.facts.scope import Scope
from dudao.findings.models import Finding
from dudao.org.models import Unit
from dudao.policies.registry import policy_for

GOOD_PRACTICE_TOP = 3
LISTED_REPEAT_ITEMS = 3


def _number(value) -> float | None:
    """A figure as stored in the bulletin's JSON (rounded to one decimal already)."""
    return None if value is None else float(value)


def _ranking(by_unit: dict[int, dict], units: dict[int, dict]) -> list[dict]:
    """Units with a scored inspection that counts, by average score (facts.figures.inspections_by_unit)."""
    scored = {unit_id: row for unit_id, row in by_unit.items() if row["scored"]}
    ranks = competition_ranks({unit_id: row["average_score"] for unit_id, row in scored.items()})
    entries = []
    for unit_id, row in scored.items():
        unit = units.get(unit_id) or {}
        entries.append({
            "unit_id": unit_id, "unit_name": unit.get("name", ""), "unit_code": unit.get("code", ""),
            "region": unit.get("parent", ""), "score": _number(row["average_score"]),
            "inspections": row["scored"], "passed": row["passed"], "rank": ranks[unit_id],
        })
    entries.sort(key=lambda e: (e["rank"], e["unit_code"], e["unit_id"]))
    return entries


def _repeat(findings_in_period, units: dict[int, dict]) -> list[dict]:
    repeats = findings_in_period.filter(repeat=True)
    counts = dict(repeats.values_list("unit_id").annotate(count=Count("id")).order_by())
    items: dict[int, list[str]] = defaultdict(list)
    for unit_id, title in repeats.order_by("unit_id", "-created_at", "-id").values_list("unit_id", "title"):
        if len(items[unit_id]) < LISTED_REPEAT_ITEMS and title not in items[unit_id]:
            items[unit_id].append(title)
    entries = [
        {"unit_id": unit_id, "unit_name": units.get(unit_id, {}).get("name", ""), "count": count,
         "items": items[unit_id]}
        for unit_id, count in counts.items()
    ]
    entries.sort(key=lambda e: (-e["count"], units.get(e["unit_id"], {}).get("code", ""), e["unit_id"]))
    return entries


def _overdue(organization_id: int, scope_unit: Unit, as_of: dt.datetime, units: dict[int, dict]) -> list[dict]:
    as_of_date = timezone.localdate(as_of)
    rows = (
        Finding.objects.filter(
            organization_id=organization_id, unit__path__startswith=scope_unit.path, created_at__lt=as_of,
            due_date__lt=as_of_date,
        )
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=as_of))
        .values("unit_id")
        .annotate(count=Count("id"), oldest=Min("due_date"))
        .order_by()
    )
    entries = [
        {"unit_id": row["unit_id"], "unit_name": units.get(row["unit_id"], {}).get("name", ""),
         "count": row["count"], "oldest_due_date": row["oldest"].isoformat(),
         "max_days_overdue": (as_of_date - row["oldest"]).days}
        for row in rows
    ]
    entries.sort(key=lambda e: (-e["count"], -e["max_days_overdue"], e["unit_id"]))
    return entries


def _good_practices(ranking: list[dict], pass_mark: float) -> list[dict]:
    perfect = [e for e in ranking if e["score"] == 100]
    chosen = perfect or [e for e in ranking if e["rank"] <= GOOD_PRACTICE_TOP and e["score"] >= pass_mark]
    return [
        {"unit_id": e["unit_id"], "unit_name": e["unit_name"], "score": e["score"], "rank": e["rank"],
         "reason": "perfect" if e["score"] == 100 else "top"}
        for e in chosen
    ]


def _units(organization_id: int, scope_unit: Unit) -> dict[int, dict]:
    rows = Unit.objects.filter(organization_id=organization_id, path__startswith=scope_unit.path).values(
        "id", "name", "code", "parent__name")
    return {row["id"]: {"name": row["name"], "code": row["code"], "parent": row["parent__name"] or ""}
            for row in rows}


def compile_bulletin(*, organization_id: int, scope_unit: Unit, period_start: dt.date, period_end: dt.date,
                     now: dt.datetime) -> dict:
    """Every figure of a bulletin, as plain JSON; the figures are `dudao.facts.figures`' own."""
    policy = policy_for(organization_id, on=period_end)
    scope, period = Scope.of_unit(scope_unit), Period(period_start, period_end)
    as_of = min(now, period.end_before)
    today = timezone.localdate(now)
    inspections = counted_inspections(scope, period)
    findings = findings_raised(scope, period)
    by_unit = inspections_by_unit(scope, period)
    units = _units(organization_id, scope_unit)
    site_ids = set(sites(scope).values_list("pk", flat=True))
    ranking = _ranking(by_unit, units)
    overdue = _overdue(organization_id, scope_unit, as_of, units)
    totals = inspection_figures(scope, period)
    raised = finding_figures(scope, period)
    on_time = on_time_figures(scope, period, today)
    visits = plan_completion(planned_visits(scope, period))
    pass_mark = float(policy.inspections.pass_mark)
    inspected_ids = set(by_unit)
    not_inspected = sorted(site_ids - inspected_ids, key=lambda pk: (units.get(pk, {}).get("code", ""), pk))
    return {
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(),
                   "as_of": timezone.localtime(as_of).isoformat()},
        "scope_unit": {"id": scope_unit.pk, "name": scope_unit.name},
        "pass_mark": pass_mark,
        "provisional": not period.has_ended(today),
        "summary": {
            "units_in_scope": len(site_ids),
            "units_inspected": len(inspected_ids),
            "unit_rate": _number(percent(len(inspected_ids), len(site_ids))),
            "inspections": totals["inspections"],
            "average_score": _number(totals["average_score"]),
            "passed": totals["passed"],
            "pass_rate": _number(percent(totals["passed"], totals["scored"])),
            "findings": raised["findings"],
            "repeat_findings": raised["repeats"],
            "repeat_rate": _number(raised["repeat_rate"]),
            "overdue_findings": sum(e["count"] for e in overdue),
            "findings_due": on_time["findings_due"],
            "findings_on_time": on_time["findings_on_time"],
            "on_time_closure_rate": _number(on_time["on_time_closure_rate"]),
            "visits_planned": visits["visits_planned"],
            "visits_done": visits["visits_done"],
            "visit_rate": _number(visits["visit_rate"]),
        },
        "ranking": ranking,
        "common_problems": most_failed_items(inspections, policy.bulletins.common_problems_count),
        "repeat": _repeat(findings, units),
        "overdue": overdue,
        "good_practices": _good_practices(ranking, pass_mark),
        "not_inspected": [
            {"unit_id": pk, "unit_name": units.get(pk, {}).get("name", "")} for pk in not_inspected
        ],
    }
