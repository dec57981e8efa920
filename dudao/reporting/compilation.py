"""Compiling a bulletin (督导检查公报) for a scope and period: every figure in a fixed number of queries.

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

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from dudao.findings.models import Finding
from dudao.inspections.models import Answer
from dudao.org.models import Unit
from dudao.policies.registry import policy_for

from .figures import average, competition_ranks, done_inspections, percent, site_units
from .periods import period_bounds

GOOD_PRACTICE_TOP = 3
LISTED_REPEAT_ITEMS = 3


def _ranking(inspections, units: dict[int, dict]) -> list[dict]:
    rows = list(
        inspections.filter(score__isnull=False).values("unit_id")
        .annotate(total=Sum("score"), count=Count("id"), passed=Count("id", filter=Q(passed=True)))
        .order_by()
    )
    entries = []
    for row in rows:
        unit = units.get(row["unit_id"]) or {}
        entries.append({
            "unit_id": row["unit_id"], "unit_name": unit.get("name", ""), "unit_code": unit.get("code", ""),
            "region": unit.get("parent", ""), "score": average(row["total"], row["count"]),
            "inspections": row["count"], "passed": row["passed"],
        })
    entries.sort(key=lambda e: (-e["score"], e["unit_code"], e["unit_id"]))
    for entry, rank in zip(entries, competition_ranks([e["score"] for e in entries]), strict=True):
        entry["rank"] = rank
    return entries


def _common_problems(inspections, limit: int) -> list[dict]:
    rows = (
        Answer.objects.filter(inspection__in=inspections.values("id"), is_current=True, failed=True)
        .values("item__template__lineage", "item__code")
        .annotate(count=Count("inspection__unit_id", distinct=True), failures=Count("id"), text=Max("item__text"))
        .order_by("-count", "-failures", "item__code")[:limit]
    )
    return [
        {"item_code": row["item__code"], "text": row["text"], "count": row["count"], "failures": row["failures"]}
        for row in rows
    ]


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
    """Every figure of a bulletin, as plain JSON."""
    policy = policy_for(organization_id, on=period_end)
    begin, finish = period_bounds(period_start, period_end)
    as_of = min(now, finish)
    inspections = done_inspections(organization_id, scope_unit, begin, finish)
    findings = Finding.objects.filter(
        organization_id=organization_id, unit__path__startswith=scope_unit.path, created_at__gte=begin,
        created_at__lt=finish,
    )
    inspected_ids = set(inspections.values_list("unit_id", flat=True).distinct().order_by())
    units = _units(organization_id, scope_unit)
    sites = set(site_units(organization_id, scope_unit).values_list("pk", flat=True))
    ranking = _ranking(inspections, units)
    overdue = _overdue(organization_id, scope_unit, as_of, units)
    totals = inspections.aggregate(count=Count("id"), passed=Count("id", filter=Q(passed=True)),
                                   total=Sum("score"), scored=Count("score"))
    pass_mark = float(policy.inspections.pass_mark)
    not_inspected = sorted(sites - inspected_ids, key=lambda pk: (units.get(pk, {}).get("code", ""), pk))
    return {
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(),
                   "as_of": timezone.localtime(as_of).isoformat()},
        "scope_unit": {"id": scope_unit.pk, "name": scope_unit.name},
        "pass_mark": pass_mark,
        "summary": {
            "units_in_scope": len(sites),
            "units_inspected": len(inspected_ids),
            "inspections": totals["count"],
            "average_score": average(totals["total"], totals["scored"]),
            "passed": totals["passed"],
            "pass_rate": percent(totals["passed"], totals["scored"]),
            "findings": findings.count(),
            "repeat_findings": findings.filter(repeat=True).count(),
            "overdue_findings": sum(e["count"] for e in overdue),
        },
        "ranking": ranking,
        "common_problems": _common_problems(inspections, policy.bulletins.common_problems_count),
        "repeat": _repeat(findings, units),
        "overdue": overdue,
        "good_practices": _good_practices(ranking, pass_mark),
        "not_inspected": [
            {"unit_id": pk, "unit_name": units.get(pk, {}).get("name", "")} for pk in not_inspected
        ],
    }
