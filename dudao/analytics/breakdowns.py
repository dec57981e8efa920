"""The dashboard's breakdowns of the figures in dudao/facts/figures.py: by month, by sub-unit, by category, by
unit and by supervisor. Same record sets, same definitions; only the grouping differs.

Groups: when the scope is one unit, its direct children (a record at the unit itself counts for
the unit); when it is the union of several subtrees, each subtree's top. For the whole
organisation the groups are the root's children, usually the regions.

Every breakdown costs a fixed number of grouped queries whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dudao.facts import figures
from dudao.facts.figures import competition_ranks, mean, percent, round1
from dudao.findings.models import Finding
from dudao.inspections.choices import COUNTING_STATUSES
from dudao.org.choices import LEAF_KINDS, UnitKind
from dudao.org.models import Person, Unit
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from .scope import Period, Scope, add_months, month_end, month_start

TREND_MONTHS = 12
SEVERITIES = list(reversed(Severity.values))  # critical first


@dataclass
class UnitInfo:
    id: int
    code: str
    name: str
    path: str
    kind: str
    group_id: int | None = None


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    summary: dict
    trend: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    group_kind: str = ""
    categories: list[dict] = field(default_factory=list)
    ranking: list[dict] = field(default_factory=list)
    supervisors: list[dict] = field(default_factory=list)


# --- units and groups ------------------------------------------------------------------------
def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


def units_in_scope(scope: Scope) -> dict[int, UnitInfo]:
    """Every unit in scope with the group it counts in (one query)."""
    rows = Unit.objects.filter(scope.units_condition()).values_list("id", "code", "name", "path", "kind").order_by(
        "path"
    )
    units = {row[0]: UnitInfo(*row) for row in rows}
    if scope.unit is not None:
        base = _segments(scope.unit.path)
        for unit in units.values():
            parts = _segments(unit.path)
            unit.group_id = int(parts[len(base)]) if len(parts) > len(base) else scope.unit.pk
    else:
        tops = {u.path: u.id for u in units.values() if scope.paths and u.path in scope.paths}
        for unit in units.values():
            unit.group_id = next((uid for path, uid in tops.items() if unit.path.startswith(path)), None)
    return units


# --- trend -------------------------------------------------------------------------------------
def _local_month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def trend(scope: Scope, period: Period, today: dt.date) -> list[dict]:
    """Per month, for the 12 months up to the period's last: inspections, average score, findings
    raised, on-time closure rate and repeat rate (each as defined in dudao/facts/figures.py, for that month)."""
    last = month_start(period.end)
    first = add_months(last, -(TREND_MONTHS - 1))
    window = Period(first, month_end(last))
    months = {add_months(first, n): {"inspections": 0, "scored": 0, "total": None, "findings": 0, "repeats": 0,
                                     "due": 0, "on_time": 0} for n in range(TREND_MONTHS)}
    for row in figures.counted_inspections(scope, window).annotate(m=TruncMonth("performed_at")).values("m").annotate(
        **figures.inspection_counts()
    ).order_by():
        bucket = months.get(_local_month(row["m"]))
        if bucket is not None:
            bucket.update(inspections=row["count"], scored=row["scored"], total=row["total"])
    for row in figures.findings_raised(scope, window).annotate(m=TruncMonth("created_at")).values("m").annotate(
        **figures.finding_counts()
    ).order_by():
        bucket = months.get(_local_month(row["m"]))
        if bucket is not None:
            bucket.update(findings=row["count"], repeats=row["repeats"])
    for row in figures.findings_due_decided(scope, window, today).annotate(m=TruncMonth("due_date")).values(
        "m"
    ).annotate(**figures.on_time_counts()).order_by():
        bucket = months.get(_local_month(row["m"]))
        if bucket is not None:
            bucket.update(due=row["due"], on_time=row["on_time"])
    return [
        {
            "month": f"{month:%Y-%m}",
            "inspections": b["inspections"],
            "average_score": round1(mean(b["total"], b["scored"])),
            "findings": b["findings"],
            "on_time_closure_rate": percent(b["on_time"], b["due"]),
            "repeat_rate": percent(b["repeats"], b["findings"]),
        }
        for month, b in sorted(months.items())
    ]


# --- by group, by unit, by category, by supervisor ---------------------------------------------
def _empty_counts() -> dict:
    return {"inspections": 0, "scored": 0, "total": Decimal(0), "findings": 0, "repeats": 0, "due": 0,
            "on_time": 0, "planned": 0, "done": 0, **dict.fromkeys(SEVERITIES, 0)}


def _add(target: dict, source: dict) -> None:
    for key, value in source.items():
        if key == "total":
            target[key] += Decimal(str(value or 0))
        else:
            target[key] += value


def per_unit(scope: Scope, period: Period, today: dt.date) -> dict[int, dict]:
    """Inspections, findings by severity, on-time closure and visits per unit (four queries)."""
    counts: dict[int, dict] = {}

    def of(unit_id: int) -> dict:
        return counts.setdefault(unit_id, _empty_counts())

    for row in figures.counted_inspections(scope, period).values("unit_id").annotate(
        **figures.inspection_counts()
    ).order_by():
        c = of(row["unit_id"])
        c["inspections"], c["scored"], c["total"] = row["count"], row["scored"], Decimal(str(row["total"] or 0))
    for row in figures.findings_raised(scope, period).values("unit_id", "severity").annotate(
        **figures.finding_counts()
    ).order_by():
        c = of(row["unit_id"])
        c[row["severity"]] = c.get(row["severity"], 0) + row["count"]
        c["findings"] += row["count"]
        c["repeats"] += row["repeats"]
    for row in figures.findings_due_decided(scope, period, today).values("unit_id").annotate(
        **figures.on_time_counts()
    ).order_by():
        c = of(row["unit_id"])
        c["due"], c["on_time"] = row["due"], row["on_time"]
    for row in figures.planned_visits(scope, period).values("unit_id").annotate(**figures.visit_counts()).order_by():
        c = of(row["unit_id"])
        c["planned"], c["done"] = row["planned"], row["done"]
    return counts


def _rates(counts: dict) -> dict:
    return {
        "average_score": round1(mean(counts["total"], counts["scored"])),
        "on_time_closure_rate": percent(counts["on_time"], counts["due"]),
        "repeat_rate": percent(counts["repeats"], counts["findings"]),
        "visit_rate": percent(counts["done"], counts["planned"]),
    }


def groups(units: dict[int, UnitInfo], counts: dict[int, dict]) -> list[dict]:
    """The per-unit counts summed into each group, in tree order; groups without any site and
    without data (an operations center beside the regions) are left out."""
    totals: dict[int, dict] = {}
    for unit_id, c in counts.items():
        unit = units.get(unit_id)
        if unit is None or unit.group_id is None:
            continue
        _add(totals.setdefault(unit.group_id, _empty_counts()), c)
    with_sites = {u.group_id for u in units.values() if u.kind in LEAF_KINDS}
    ordered = sorted(
        {gid for gid in with_sites | set(totals) if gid in units}, key=lambda gid: units[gid].path
    )
    rows = []
    for gid in ordered:
        c = totals.get(gid, _empty_counts())
        rows.append({"unit_id": gid, "name": units[gid].name, "kind": units[gid].kind, **c, **_rates(c)})
    return rows


def ranking(units: dict[int, UnitInfo], counts: dict[int, dict]) -> list[dict]:
    """Sites with at least one scored inspection in the period, by average score (ties share a rank)."""
    rows = []
    for unit_id, c in counts.items():
        unit = units.get(unit_id)
        if unit is None or unit.kind not in LEAF_KINDS or not c["scored"]:
            continue
        group = units.get(unit.group_id)
        rows.append({"unit_id": unit_id, "code": unit.code, "name": unit.name,
                     "group": group.name if group and group.id != unit_id else "", **c, **_rates(c)})
    ranks = competition_ranks({row["unit_id"]: row["average_score"] for row in rows})
    for row in rows:
        row["rank"] = ranks[row["unit_id"]]
    rows.sort(key=lambda row: (row["rank"], row["code"]))
    return rows


def categories(scope: Scope, period: Period) -> list[dict]:
    """Findings raised in the period per category, most frequent first, with the policy's labels."""
    labels = {c.code: c.label for c in policy_for(scope.organization_id, on=period.end).findings.categories}
    rows = figures.findings_raised(scope, period).values("category").annotate(count=Count("id")).order_by(
        "-count", "category"
    )
    return [{"category": row["category"], "label": labels.get(row["category"], row["category"] or "—"),
             "count": row["count"]} for row in rows]


def supervisors(scope: Scope, period: Period) -> list[dict]:
    """Per person who had visits planned or inspected in scope: visits planned and done, inspections,
    findings raised by those inspections, findings per inspection and the share of them closed."""
    people: dict[int, dict] = {}

    def of(person_id: int) -> dict:
        return people.setdefault(person_id, {"planned": 0, "done": 0, "inspections": 0, "findings": 0, "closed": 0})

    for row in figures.assigned_visits(scope, period).values("supervisor_id").annotate(
        **figures.visit_counts()
    ).order_by():
        of(row["supervisor_id"]).update(planned=row["planned"], done=row["done"])
    for row in figures.counted_inspections(scope, period).values("inspector_id").annotate(count=Count("id")).order_by():
        of(row["inspector_id"])["inspections"] = row["count"]
    for row in Finding.objects.filter(
        scope.condition(), inspection__status__in=COUNTING_STATUSES, inspection__calibration=False,
        inspection__performed_at__gte=period.start_at, inspection__performed_at__lt=period.end_before,
    ).values("inspection__inspector_id").annotate(
        count=Count("id"), closed=Count("id", filter=Q(closed_at__isnull=False))
    ).order_by():
        person = of(row["inspection__inspector_id"])
        person["findings"], person["closed"] = row["count"], row["closed"]
    names = dict(Person.objects.filter(pk__in=list(people)).values_list("id", "display_name"))
    rows = []
    for person_id, p in people.items():
        per_inspection = (
            round1(Decimal(p["findings"]) / Decimal(p["inspections"])) if p["inspections"] else None
        )
        rows.append({"person_id": person_id, "name": names.get(person_id, ""), **p,
                     "visit_rate": percent(p["done"], p["planned"]), "findings_per_inspection": per_inspection,
                     "closure_rate": percent(p["closed"], p["findings"])})
    rows.sort(key=lambda row: (-row["done"], -row["inspections"], row["name"]))
    return rows


def dashboard(scope: Scope, period: Period, *, today: dt.date | None = None) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    units = units_in_scope(scope)
    counts = per_unit(scope, period, today)
    group_rows = groups(units, counts)
    kinds = {row["kind"] for row in group_rows}
    return Dashboard(
        scope=scope,
        period=period,
        summary=figures.summary(scope, period, today=today),
        trend=trend(scope, period, today),
        groups=group_rows,
        group_kind=UnitKind.REGION if kinds == {UnitKind.REGION} else "",
        categories=categories(scope, period),
        ranking=ranking(units, counts),
        supervisors=supervisors(scope, period),
    )
