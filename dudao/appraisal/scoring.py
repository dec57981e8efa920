"""How an appraisal is scored (DESIGN.md 2.11), one rule each, computed for a whole cycle at once.

The figures inside Dudao come from `dudao.facts` (never computed a second time): the per-unit
inspection, on-time closure and visit figures of the cycle's scope are read once and summed over
each person's units (the subtrees of the units where they hold the cycle's role). A cycle is a
fixed number of queries whatever the number of people.

KPI sources, one line each:

inspection_score
    The average score of the inspections that count at the person's units in the period.
coverage
    The completion of the person's own planned visits in the period (done / planned).
closure_rate
    The on-time closure rate of the findings due in the period at the person's units, as of today.
training_attendance
    The person's attendance rate at the training sessions they were invited to in the period, as
    the training app records it (`register_kpi_source`).
imported
    The figure imported for the person, else those of their units (summed against the units'
    targets for a target KPI, averaged otherwise). When two sources differ beyond the policy
    tolerance the figure is disputed and counts as no data until it is corrected.
manual
    The score the appraiser entered.
appraisal_average
    The mean score of the person's appraisals in the same role over the shorter periods inside
    this one (a quarter's months; a year's quarters, else its months).

Scoring: a `direct` KPI's value is its score (kept within 0..100); a `target` KPI scores
100 × value / target, capped at 100. A KPI without data is "no data", never 0, and the weights of
the others are rescaled (`facts.figures.weighted_score`). Rectification points (policy) are then
added for each finding closed on time and deducted for each overdue one, within ± the cap, and
the score is kept within 0..100.

Bonus: base × the band factor of the score; prorated by days worked / (days worked + personal
leave days) when a month's personal leave exceeds the policy's days; forfeited when the person
left during the period (policy) or when a registered forfeit rule says so (discipline, year-end).
Every result keeps its facts in structured form; `explain.py` turns them into sentences in the
reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from dudao.core.periods import Period, add_months, month_start, parse_period
from dudao.core.scoping import minimal_paths
from dudao.facts.figures import (
    average,
    inspections_by_unit,
    on_time_by_unit,
    percent,
    round1,
    visits_by_supervisor,
    weighted_score,
)
from dudao.facts.scope import Scope
from dudao.org.models import RoleAssignment, Unit
from dudao.policies.choices import KpiScoring, KpiSource

from .choices import TargetStatus
from .models import Appraisal, Attendance, BonusBase, KpiValue, ManualScore, Target

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")

# Extra forfeit rules (the discipline app's year-end rule registers here): each is called with the
# organisation id, the cycle's period text, its Period and the person ids, and answers
# {person_id: [reason, ...]} where a reason is {"code": ..., **params} for `explain.bonus_reason`.
ForfeitRule = Callable[[int, str, Period, list[int]], dict[int, list[dict]]]
_FORFEIT_RULES: list[ForfeitRule] = []


def register_forfeit_rule(rule: ForfeitRule) -> None:
    if rule not in _FORFEIT_RULES:
        _FORFEIT_RULES.append(rule)


# KPI sources whose figures live in a higher app (the training app's attendance rate registers
# here): called with the organisation id, the cycle's Period and the person ids, each answers
# {person_id: (value 0..100, facts)} for the people it has data on; nobody else has data.
SourceProvider = Callable[[int, Period, list[int]], dict[int, tuple[Decimal, dict]]]
_SOURCE_PROVIDERS: dict[str, SourceProvider] = {}


def register_kpi_source(source: str, provider: SourceProvider) -> None:
    _SOURCE_PROVIDERS[source] = provider


def period_kind(period: str) -> str:
    """"2026-01" month, "2026-Q1" quarter, "2026-H1" half_year, "2026" year."""
    if len(period) == 4:
        return "year"
    marker = period[5]
    return {"Q": "quarter", "H": "half_year"}.get(marker, "month")


def periods_inside(period: str) -> dict[str, list[str]]:
    """The shorter named periods inside `period`, by kind: a year holds its halves, quarters and
    months; a half its quarters and months; a quarter its months."""
    window = parse_period(period)
    kind = period_kind(period)
    months = []
    day = window.start
    while day <= window.end:
        months.append(f"{day:%Y-%m}")
        day = add_months(day, 1)
    quarters = sorted({f"{window.start.year}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months})
    halves = sorted({f"{window.start.year}-H{1 if int(m[5:]) <= 6 else 2}" for m in months})
    inside = {"month": months}
    if kind in ("half_year", "year"):
        inside["quarter"] = quarters
    if kind == "year":
        inside["half_year"] = halves
    return {} if kind == "month" else inside


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _text(value: Decimal | None) -> str | None:
    """A Decimal as stored in JSON: plain text, no exponent, no trailing zeros."""
    if value is None:
        return None
    value = Decimal(value)
    text = f"{value.normalize():f}"
    return text


def _prefixes(path: str) -> list[str]:
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[:index]) + "/" for index in range(1, len(parts) + 1)]


def _sum_by_subtree(per_unit: dict[int, dict], unit_paths: dict[int, str], keys: Iterable[str]) -> dict[str, dict]:
    """Per-unit counts summed into every ancestor's subtree: {path: {key: sum}}."""
    keys = tuple(keys)
    buckets: dict[str, dict] = defaultdict(lambda: dict.fromkeys(keys, Decimal(0)))
    for unit_id, row in per_unit.items():
        path = unit_paths.get(unit_id)
        if path is None:
            continue
        for prefix in _prefixes(path):
            bucket = buckets[prefix]
            for key in keys:
                bucket[key] += Decimal(str(row.get(key) or 0))
    return buckets


@dataclass
class CycleFacts:
    """Everything a cycle's appraisals are scored from, read in a fixed number of queries."""

    paths: dict[int, list[str]]  # person -> minimal unit paths where they hold the role
    inspections: dict[str, dict]  # subtree path -> {count, scored, total}
    on_time: dict[str, dict]  # subtree path -> {findings_due, findings_on_time}
    visits: dict[int, dict]  # supervisor -> plan completion
    person_values: dict[tuple[int, str], list[tuple[str, Decimal]]]
    unit_values: dict[tuple[int, str], list[tuple[str, Decimal]]]
    person_targets: dict[tuple[int, str], Decimal]
    unit_targets: dict[tuple[int, str], Decimal]
    unit_paths: dict[int, str]
    unit_names: dict[int, str]
    manual: dict[tuple[int, str], ManualScore]
    averages: dict[int, dict[str, list[tuple[str, Decimal, str]]]]  # person -> kind -> [(period, score, status)]
    bases: dict[int, Decimal]
    attendance: dict[int, list[Attendance]]
    forfeits: dict[int, list[dict]] = field(default_factory=dict)
    tolerance: Decimal = Decimal("0.02")
    provided: dict[str, dict[int, tuple[Decimal, dict]]] = field(default_factory=dict)
    subtree_units: dict[tuple, dict[str, list[int]]] = field(default_factory=dict)  # see _units_within


def role_paths(organization_id: int, role: str, scope_unit: Unit, person_ids: Iterable[int] | None = None
               ) -> dict[int, list[str]]:
    """Person -> the minimal paths of the units in `scope_unit`'s subtree where they hold `role` (one query)."""
    assignments = RoleAssignment.objects.filter(
        organization_id=organization_id, role=role, unit__path__startswith=scope_unit.path,
    )
    if person_ids is not None:
        assignments = assignments.filter(person_id__in=list(person_ids))
    found: dict[int, list[str]] = defaultdict(list)
    for person_id, path in assignments.values_list("person_id", "unit__path").order_by("unit__path"):
        found[person_id].append(path)
    return {person_id: minimal_paths(paths) for person_id, paths in found.items()}


def gather(cycle, appraisals: list[Appraisal], *, today: dt.date, policy) -> CycleFacts:
    """Read every figure the cycle's appraisals need (a fixed number of queries)."""
    organization_id = cycle.organization_id
    window = parse_period(cycle.period)
    scope = Scope.of_unit(cycle.scope_unit)
    person_ids = [a.person_id for a in appraisals]
    paths = role_paths(organization_id, cycle.role, cycle.scope_unit, person_ids)
    kpis = cycle.scheme.get("kpis", [])
    sources = {kpi["source"] for kpi in kpis}
    provided = {source: _SOURCE_PROVIDERS[source](organization_id, window, person_ids)
                for source in sources if source in _SOURCE_PROVIDERS}
    codes_read = [kpi["code"] for kpi in kpis
                  if (kpi["source"] in (KpiSource.IMPORTED, KpiSource.TRAINING_ATTENDANCE)
                      and kpi["source"] not in provided)
                  or kpi["scoring"] == KpiScoring.TARGET]
    points = policy.appraisal.rectification_points
    needs_on_time = KpiSource.CLOSURE_RATE in sources or points.closed_on_time or points.overdue
    units = list(Unit.objects.filter(scope.units_condition()).values_list("id", "path", "name"))
    unit_paths = {unit_id: path for unit_id, path, _name in units}
    unit_names = {unit_id: name for unit_id, _path, name in units}

    inspections = {}
    if KpiSource.INSPECTION_SCORE in sources:
        inspections = _sum_by_subtree(inspections_by_unit(scope, window), unit_paths, ("inspections", "scored", "total"))
    on_time = {}
    if needs_on_time:
        on_time = _sum_by_subtree(on_time_by_unit(scope, window, today), unit_paths,
                                  ("findings_due", "findings_on_time"))
    visits = visits_by_supervisor(scope, window) if KpiSource.COVERAGE in sources else {}

    person_values: dict[tuple[int, str], list] = defaultdict(list)
    unit_values: dict[tuple[int, str], list] = defaultdict(list)
    person_targets: dict[tuple[int, str], Decimal] = {}
    unit_targets: dict[tuple[int, str], Decimal] = {}
    if codes_read:
        values = KpiValue.objects.filter(organization_id=organization_id, period=cycle.period, kpi_code__in=codes_read)
        in_scope = Q(unit__path__startswith=cycle.scope_unit.path)
        for person_id, unit_id, code, source, value in values.filter(Q(person_id__in=person_ids) | in_scope).values_list(
                "person_id", "unit_id", "kpi_code", "source", "value").order_by("source"):
            if person_id is not None:
                person_values[(person_id, code)].append((source, value))
            else:
                unit_values[(unit_id, code)].append((source, value))
        targets = Target.objects.filter(
            Q(person_id__in=person_ids) | in_scope, organization_id=organization_id,
            period=cycle.period, kpi_code__in=codes_read, status=TargetStatus.ACTIVE,
        )
        for person_id, unit_id, code, value in targets.values_list("person_id", "unit_id", "kpi_code", "value"):
            if person_id is not None:
                person_targets[(person_id, code)] = value
            else:
                unit_targets[(unit_id, code)] = value

    manual = {}
    if any(kpi["source"] == KpiSource.MANUAL for kpi in kpis):
        for score in ManualScore.objects.filter(appraisal__cycle=cycle):
            manual[(score.appraisal_id, score.kpi_code)] = score

    averages: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    if KpiSource.APPRAISAL_AVERAGE in sources:
        inside = periods_inside(cycle.period)
        wanted = {period: kind for kind, periods in inside.items() for period in periods}
        earlier = (Appraisal.objects.filter(organization_id=organization_id, person_id__in=person_ids,
                                            cycle__role=cycle.role, cycle__kind=cycle.kind,
                                            cycle__period__in=list(wanted), score__isnull=False)
                   .values_list("person_id", "cycle__period", "score", "status").order_by("cycle__period"))
        for person_id, period, score, status in earlier:
            averages[person_id][wanted[period]].append((period, score, status))

    bases = dict(BonusBase.objects.filter(organization_id=organization_id, period=cycle.period,
                                          person_id__in=person_ids).values_list("person_id", "base"))
    attendance: dict[int, list[Attendance]] = defaultdict(list)
    for record in Attendance.objects.filter(organization_id=organization_id, person_id__in=person_ids,
                                            month__gte=month_start(window.start), month__lte=window.end
                                            ).order_by("month"):
        attendance[record.person_id].append(record)

    forfeits: dict[int, list[dict]] = defaultdict(list)
    for rule in _FORFEIT_RULES:
        for person_id, reasons in rule(organization_id, cycle.period, window, person_ids).items():
            forfeits[person_id].extend(reasons)

    return CycleFacts(
        paths=paths, inspections=inspections, on_time=on_time, visits=visits,
        person_values=person_values, unit_values=unit_values, person_targets=person_targets,
        unit_targets=unit_targets, unit_paths=unit_paths, unit_names=unit_names, manual=manual, averages=averages,
        bases=bases, attendance=attendance, forfeits=forfeits,
        tolerance=Decimal(str(policy.data_import.tolerance)), provided=provided,
    )


# --- one KPI -------------------------------------------------------------------------------------
def _within(score: Decimal) -> Decimal:
    return round1(min(max(score, Decimal(0)), HUNDRED))


def _summed(buckets: dict[str, dict], paths: list[str], keys: tuple[str, ...]) -> dict:
    total = dict.fromkeys(keys, Decimal(0))
    for path in paths:
        bucket = buckets.get(path)
        if bucket:
            for key in keys:
                total[key] += bucket[key]
    return total


def _agreed(values: list[tuple[str, Decimal]], tolerance: Decimal) -> tuple[Decimal | None, dict]:
    """One figure from one or more sources: the first source's when every other agrees within the
    tolerance, else disputed (None)."""
    first_source, first = values[0]
    for source, value in values[1:]:
        largest = max(abs(first), abs(value))
        difference = Decimal(0) if largest == 0 else abs(first - value) / largest
        if difference > tolerance:
            return None, {"status": "disputed", "sources": [[first_source, _text(first)], [source, _text(value)]]}
    return first, {"sources": [[s, _text(v)] for s, v in values]}


def _units_within(facts: CycleFacts, paths: list[str], code: str, table: dict) -> list[int]:
    """The units of `table` with a `code` figure inside any of `paths`: through an index of every
    subtree path to the units below it, built once per table and code (not a scan per person)."""
    key = (id(table), code)
    index = facts.subtree_units.get(key)
    if index is None:
        index = facts.subtree_units[key] = defaultdict(list)
        for unit_id, kpi_code in table:
            if kpi_code == code:
                for prefix in _prefixes(facts.unit_paths.get(unit_id, "")):
                    index[prefix].append(unit_id)
    found: dict[int, None] = {}
    for path in paths:
        found.update(dict.fromkeys(index.get(path, ())))
    return list(found)


def _figure(facts: CycleFacts, person_id: int, paths: list[str], kpi: dict) -> dict:
    """The value (and target) of an imported KPI for a person: their own figure, else their units'."""
    code, by_target = kpi["code"], kpi["scoring"] == KpiScoring.TARGET
    own = facts.person_values.get((person_id, code))
    if own:
        value, detail = _agreed(own, facts.tolerance)
        if value is None:
            return detail
        target = facts.person_targets.get((person_id, code)) if by_target else None
        return {"value": value, "target": target, "of": "person", **detail}
    unit_ids = _units_within(facts, paths, code, facts.unit_values)
    if not unit_ids:
        return {"status": "no_data"}
    agreed = []
    for unit_id in sorted(unit_ids, key=lambda u: facts.unit_paths[u]):
        value, detail = _agreed(facts.unit_values[(unit_id, code)], facts.tolerance)
        if value is None:
            return {**detail, "unit": facts.unit_names.get(unit_id, "")}
        agreed.append((unit_id, value))
    if by_target:
        with_target = [(u, v, facts.unit_targets[(u, code)]) for u, v in agreed if (u, code) in facts.unit_targets]
        if not with_target:
            return {"status": "no_target", "units": len(agreed)}
        return {"value": sum((v for _, v, _ in with_target), Decimal(0)),
                "target": sum((t for _, _, t in with_target), Decimal(0)), "of": "units", "units": len(with_target)}
    return {"value": sum((v for _, v in agreed), Decimal(0)) / len(agreed), "of": "units", "units": len(agreed)}


def kpi_line(facts: CycleFacts, appraisal: Appraisal, kpi: dict) -> dict:
    """One KPI of one appraisal: {code, name, weight, source, scoring, value, target, score, status,
    facts}; `status` is "ok" or why there is no score (no_data, disputed, no_target, not_scored)."""
    paths = facts.paths.get(appraisal.person_id, [])
    source = kpi["source"]
    line = {"code": kpi["code"], "name": kpi["name"], "weight": kpi["weight"], "source": source,
            "scoring": kpi["scoring"], "value": None, "target": None, "score": None, "status": "no_data",
            "facts": {}}
    value: Decimal | None = None
    target: Decimal | None = None
    if source == KpiSource.INSPECTION_SCORE:
        row = _summed(facts.inspections, paths, ("inspections", "scored", "total"))
        value = average(row["total"], int(row["scored"]))
        line["facts"] = {"inspections": int(row["inspections"]), "scored": int(row["scored"])}
    elif source == KpiSource.COVERAGE:
        row = facts.visits.get(appraisal.person_id)
        if row:
            value = row["visit_rate"]
            line["facts"] = {"planned": row["visits_planned"], "done": row["visits_done"]}
    elif source == KpiSource.CLOSURE_RATE:
        row = _summed(facts.on_time, paths, ("findings_due", "findings_on_time"))
        value = percent(int(row["findings_on_time"]), int(row["findings_due"]))
        line["facts"] = {"due": int(row["findings_due"]), "on_time": int(row["findings_on_time"])}
    elif source in facts.provided:
        found = facts.provided[source].get(appraisal.person_id)
        if found is not None:
            value, line["facts"] = found[0], {**found[1], "of": "records"}
    elif source in (KpiSource.IMPORTED, KpiSource.TRAINING_ATTENDANCE):
        figure = _figure(facts, appraisal.person_id, paths, kpi)
        value, target = figure.pop("value", None), figure.pop("target", None)
        status = figure.pop("status", None)
        line["facts"] = figure
        if status:
            line["status"] = status
            return line
    elif source == KpiSource.MANUAL:
        manual = facts.manual.get((appraisal.pk, kpi["code"]))
        if manual is None:
            line["status"] = "not_scored"
            return line
        value = manual.score
        line["facts"] = {"note": manual.note, "by": manual.set_by_id}
        if kpi["scoring"] == KpiScoring.TARGET:
            target = facts.person_targets.get((appraisal.person_id, kpi["code"]))
    elif source == KpiSource.APPRAISAL_AVERAGE:
        by_kind = facts.averages.get(appraisal.person_id, {})
        for kind in ("half_year", "quarter", "month"):
            if by_kind.get(kind):
                scores = by_kind[kind]
                value = round1(sum((Decimal(s) for _, s, _ in scores), Decimal(0)) / len(scores))
                line["facts"] = {"periods": [[p, _text(s), status] for p, s, status in scores], "kind": kind}
                break
    if value is None:
        return line
    line["value"] = _text(round1(value) if source != KpiSource.IMPORTED else value)
    if kpi["scoring"] == KpiScoring.TARGET:
        if target is None:
            line["status"] = "no_target"
            return line
        line["target"] = _text(target)
        if target <= 0:
            line["status"] = "no_target"
            return line
        score = min(HUNDRED, value * HUNDRED / target)
        line["facts"]["completion"] = _text(round1(value * HUNDRED / target))
    else:
        score = value
        if value < 0 or value > HUNDRED:
            line["facts"]["clamped"] = True
    line["score"] = _text(_within(score))
    line["status"] = "ok"
    return line


# --- the appraisal -------------------------------------------------------------------------------
def rectification_adjustment(facts: CycleFacts, appraisal: Appraisal, policy) -> tuple[Decimal, dict]:
    points = policy.appraisal.rectification_points
    if not points.closed_on_time and not points.overdue:
        return Decimal(0), {}
    row = _summed(facts.on_time, facts.paths.get(appraisal.person_id, []), ("findings_due", "findings_on_time"))
    on_time, overdue = int(row["findings_on_time"]), int(row["findings_due"] - row["findings_on_time"])
    raw = on_time * Decimal(points.closed_on_time) - overdue * Decimal(points.overdue)
    cap = Decimal(points.cap)
    adjustment = round1(max(-cap, min(cap, raw)))
    return adjustment, {"on_time": on_time, "overdue": overdue, "plus": _text(points.closed_on_time),
                        "minus": _text(points.overdue), "cap": _text(cap), "raw": _text(round1(raw))}


def bonus(facts: CycleFacts, appraisal: Appraisal, score: Decimal | None, policy, window: Period) -> dict:
    """The bonus of one appraisal: {base, factor, band, proration, forfeited, amount, reasons}."""
    rules = policy.appraisal
    base = facts.bases.get(appraisal.person_id)
    reasons: list[dict] = []
    result = {"base": base, "factor": None, "proration": None, "forfeited": False, "amount": None,
              "reasons": reasons}
    # Forfeits first: whoever left, or whom a registered rule names, gets nothing whatever the score.
    person = appraisal.person
    if rules.leaving_forfeits_bonus and person.left_on is not None and person.left_on <= window.end:
        result["forfeited"] = True
        reasons.append({"code": "left", "on": person.left_on.isoformat()})
    for reason in facts.forfeits.get(appraisal.person_id, []):
        result["forfeited"] = True
        reasons.append(reason)
    if score is None:
        reasons.append({"code": "no_score"})
        if result["forfeited"]:
            result["amount"] = Decimal("0.00")
        return result
    factor = Decimal(rules.bonus_factor(score))
    band = rules.bonus_bands[0]
    for candidate in rules.bonus_bands:
        if score >= candidate.min_score:
            band = candidate
    upper = next((b.min_score for b in rules.bonus_bands if b.min_score > band.min_score), None)
    result["factor"] = factor.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    reasons.insert(0, {"code": "band", "score": _text(score), "from": _text(band.min_score),
                       "to": _text(upper), "factor": _text(band.factor), "scaled": band.scale_by_score,
                       "result": _text(result["factor"])})
    records = facts.attendance.get(appraisal.person_id, [])
    allowed = Decimal(rules.personal_leave_days_before_proration)
    over = [r for r in records if r.personal_leave_days > allowed]
    proration = Decimal(1)
    if over:
        worked = sum((r.days_worked for r in records), Decimal(0))
        leave = sum((r.personal_leave_days for r in records), Decimal(0))
        if worked + leave > 0:
            proration = (worked / (worked + leave)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
        reasons.insert(1, {"code": "proration", "months": [f"{r.month:%Y-%m}" for r in over], "allowed": _text(allowed),
                           "worked": _text(worked), "leave": _text(leave), "result": _text(proration)})
    result["proration"] = proration
    if result["forfeited"]:
        result["amount"] = Decimal("0.00")
        return result
    if base is None:
        reasons.append({"code": "no_base"})
        return result
    result["amount"] = (base * factor * proration).quantize(CENT, rounding=ROUND_HALF_UP)
    reasons.append({"code": "amount", "base": _text(base), "factor": _text(result["factor"]),
                    "proration": _text(proration), "amount": _text(result["amount"])})
    return result


def score_appraisal(facts: CycleFacts, appraisal: Appraisal, policy, window: Period) -> None:
    """Set the appraisal's KPI lines, scores, bonus and facts from `facts` (no query)."""
    lines = [kpi_line(facts, appraisal, kpi) for kpi in appraisal.cycle.scheme.get("kpis", [])]
    kpi_score, weights = weighted_score(
        (Decimal(line["score"]) if line["score"] is not None else None, Decimal(line["weight"])) for line in lines
    )
    for line in lines:
        line["applied_weight"] = (
            _text((Decimal(line["weight"]) * HUNDRED / weights).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
            if line["score"] is not None and weights else None
        )
    adjustment, adjustment_facts = rectification_adjustment(facts, appraisal, policy)
    score = None if kpi_score is None else _within(kpi_score + adjustment)
    money = bonus(facts, appraisal, score, policy, window)
    appraisal.kpis = lines
    appraisal.kpi_score = kpi_score
    appraisal.adjustment = adjustment if kpi_score is not None else Decimal(0)
    appraisal.score = score
    appraisal.bonus_base = money["base"]
    appraisal.bonus_factor = money["factor"]
    appraisal.bonus_proration = money["proration"]
    appraisal.bonus_forfeited = money["forfeited"]
    appraisal.bonus_amount = money["amount"]
    appraisal.bonus_reasons = money["reasons"]
    appraisal.details = {"units": len(facts.paths.get(appraisal.person_id, [])), "rectification": adjustment_facts,
                         "weights_with_data": _text(weights)}
