"""Reading for the cadre report: the quarter named, the store managers of a scope, and each one's
quarter as the apps that own the figures compute it (never computed here a second time):

- inspection average and on-time closure of their stores: `dudao.facts.figures`
  (`inspections_by_unit`, `on_time_by_unit`, combined over a person's stores with the same
  `average` / `percent` the single figures use);
- the monthly evaluation's results and key-target months: `analytics.UnitEvaluation` (final runs);
- appraisal scores of the quarter's months (and of the quarter itself): `appraisal.Appraisal`,
  the final one of a period, else the latest;
- discipline: `discipline.selectors.summaries` (the year of the quarter; the quarter's absences are
  its months');
- training attendance: `training.selectors.attendance_rates` (the appraisal's KPI source).

A fixed number of queries whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from dudao.analytics.models import UnitEvaluation
from dudao.appraisal.choices import AppraisalStatus
from dudao.appraisal.models import Appraisal
from dudao.core.errors import validation_error
from dudao.core.periods import Period, add_months, normalise_period, parse_period, window_before, window_of
from dudao.discipline.selectors import summaries as discipline_summaries
from dudao.facts.figures import average, inspections_by_unit, on_time_by_unit, percent
from dudao.facts.scope import Scope
from dudao.org.choices import LEAF_KINDS, Role
from dudao.org.models import RoleAssignment, Unit
from dudao.training.selectors import attendance_rates

from .models import CadreReport, CadreRow
from .permissions import reads_every_row, region_paths


def parse_quarter(value: str | None, field: str = "quarter") -> tuple[str, Period]:
    """"2026-q3" -> ("2026-Q3", its Period); anything but a quarter is refused naming the field."""
    text = (value or "").strip().upper()
    if "-Q" not in text:
        raise validation_error(field, _("季度格式应为 YYYY-Qn，例如 2026-Q3"))
    name = normalise_period(text, field)
    return name, parse_period(name, field)


def quarter_name(period: Period) -> str:
    return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"


def last_complete_quarter(today: dt.date) -> str:
    """The quarter that ended last as of `today` (the one before today's)."""
    return quarter_name(Period(*window_before("quarter", today)))


def current_quarter(today: dt.date) -> str:
    """The quarter under way on `today` (a report of it is provisional)."""
    return quarter_name(Period(*window_of("quarter", today)))


def quarter_months(period: Period) -> list[dt.date]:
    return [add_months(period.start, i) for i in range(3)]


def _text(value) -> str | None:
    return None if value is None else f"{value}"


def cadres_in(scope_unit: Unit) -> dict[int, dict]:
    """The active store managers of the sites in `scope_unit`'s subtree: {person_id: {person, units}}."""
    found: dict[int, dict] = {}
    for assignment in (RoleAssignment.objects
                       .filter(organization_id=scope_unit.organization_id, role=Role.UNIT_MANAGER,
                               person__is_active=True, unit__is_active=True, unit__kind__in=LEAF_KINDS,
                               unit__path__startswith=scope_unit.path)
                       .select_related("person", "unit").order_by("person__display_name", "person_id", "unit__path")):
        entry = found.setdefault(assignment.person_id, {"person": assignment.person, "units": []})
        entry["units"].append(assignment.unit)
    return found


def _appraisals(organization_id: int, person_ids: list[int], name: str, months: list[dt.date]) -> dict[int, list]:
    periods = [m.strftime("%Y-%m") for m in months] + [name]
    chosen: dict[tuple[int, str], Appraisal] = {}
    for appraisal in (Appraisal.objects.filter(organization_id=organization_id, person_id__in=person_ids,
                                               cycle__period__in=periods, score__isnull=False)
                      .select_related("cycle").order_by("computed_at", "id")):
        key = (appraisal.person_id, appraisal.cycle.period)
        current = chosen.get(key)
        # The final one of a period, else the latest computed.
        if current is None or appraisal.status == AppraisalStatus.FINAL or current.status != AppraisalStatus.FINAL:
            chosen[key] = appraisal
    result: dict[int, list] = defaultdict(list)
    for (person_id, period), appraisal in sorted(chosen.items(), key=lambda kv: kv[0]):
        result[person_id].append({"period": period, "score": _text(appraisal.score), "status": appraisal.status,
                                  "final": appraisal.status == AppraisalStatus.FINAL})
    return result


def quarter_figures(scope_unit: Unit, name: str, period: Period, today: dt.date) -> list[dict]:
    """[{person, units, figures}] of every store manager in scope, the figures JSON-ready."""
    cadres = cadres_in(scope_unit)
    if not cadres:
        return []
    organization_id = scope_unit.organization_id
    person_ids = list(cadres)
    unit_ids = {u.pk for entry in cadres.values() for u in entry["units"]}
    scope = Scope.of_unit(scope_unit)
    inspections = inspections_by_unit(scope, period)
    on_time = on_time_by_unit(scope, period, today)
    months = quarter_months(period)
    evaluations: dict[int, list] = defaultdict(list)
    for evaluation in (UnitEvaluation.objects.filter(organization_id=organization_id, unit_id__in=unit_ids,
                                                     month__gte=period.start, month__lte=period.end,
                                                     provisional=False)
                       .select_related("unit").order_by("month", "unit__path")):
        evaluations[evaluation.unit_id].append(evaluation)
    appraisals = _appraisals(organization_id, person_ids, name, months)
    discipline = discipline_summaries(organization_id, person_ids, period.end.year)
    quarter_month_names = {m.strftime("%Y-%m") for m in months}
    training = attendance_rates(organization_id, period, person_ids)
    rows = []
    for person_id, entry in cadres.items():
        units = entry["units"]
        scored = sum(inspections.get(u.pk, {}).get("scored", 0) for u in units)
        total = sum((inspections[u.pk]["total"] or 0) for u in units if u.pk in inspections)
        due = sum(on_time.get(u.pk, {}).get("findings_due", 0) for u in units)
        in_time = sum(on_time.get(u.pk, {}).get("findings_on_time", 0) for u in units)
        months_of = sorted((e for u in units for e in evaluations.get(u.pk, [])), key=lambda e: (e.month, e.unit.path))
        summary = discipline[person_id]
        rate, counts = training.get(person_id, (None, {"invited": 0, "attended": 0}))
        rows.append({"person": entry["person"], "units": units, "figures": {
            "inspections": sum(inspections.get(u.pk, {}).get("inspections", 0) for u in units),
            "inspection_average": _text(average(total, scored)),
            "findings_due": due, "findings_on_time": in_time, "on_time_rate": _text(percent(in_time, due)),
            "evaluations": [{"month": e.month.strftime("%Y-%m"), "unit": e.unit.name, "score": _text(e.score),
                             "passed": e.passed, "key_target": e.key_target,
                             "consecutive_failures": e.consecutive_failures} for e in months_of],
            "failed_months": sum(1 for e in months_of if e.passed is False),
            "key_target_months": sum(1 for e in months_of if e.key_target),
            "max_consecutive_failures": max((e.consecutive_failures for e in months_of), default=0),
            "appraisals": appraisals.get(person_id, []),
            "discipline": {
                "year": summary["year"],
                "quarter_absences": sum(m["absence"] + m["absence_from_lates"] for m in summary["months"]
                                        if m["month"] in quarter_month_names),
                "quarter_lates": sum(m["late"] + m["early_leave"] for m in summary["months"]
                                     if m["month"] in quarter_month_names),
                "absences_total": summary["absences_total"], "penalties": summary["penalties"],
                "cards": summary["cards"], "fines_total": _text(summary["fines_total"]),
                "year_end_bonus_forfeited": summary["year_end_bonus_forfeited"],
            },
            "training": {"rate": _text(rate), **counts},
        }})
    return rows


def reports_for(actor, *, status: str = "", quarter: str = ""):
    queryset = CadreReport.objects.visible_to(actor).select_related("scope_unit", "created_by")
    if status:
        queryset = queryset.filter(status=status)
    if quarter:
        queryset = queryset.filter(quarter=quarter.strip().upper())
    return queryset.order_by("-quarter", "scope_unit__path", "-id")


def report_rows(report: CadreReport, actor=None) -> list[CadreRow]:
    """The report's rows, by name; a region manager reading a wider report gets their region's."""
    rows = list(report.rows.select_related("person", "edited_by").order_by("person__display_name", "person_id"))
    if actor is None or reads_every_row(actor, report):
        return rows
    paths = region_paths(actor)
    return [row for row in rows if any(u.get("path", "").startswith(p) for u in row.units for p in paths)]


def my_rows(actor) -> list[CadreRow]:
    """The signed-in person's own rows of published reports, newest quarter first."""
    return list(CadreRow.objects.filter(Q(person_id=actor.pk), report__status="published",
                                        report__organization_id=actor.organization_id)
                .select_related("report", "report__scope_unit").order_by("-report__quarter", "-report_id"))
