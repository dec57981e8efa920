"""Before/after comparison (DESIGN.md 2.15): a unit's (or region's) figures in the window before a
date and the window from it on, each figure as `dudao.facts.figures` defines it (the dashboard,
bulletins and the evaluation read the same), so the comparison never has a definition of its own.

Windows: before = the `days` days ending the day before the pivot; after = the pivot and the
`days - 1` days following, cut at today. The evaluation score is the mean of the final monthly
evaluation scores of the unit's sites for the months wholly inside a window. "No data" is None,
and so is a difference with a side without data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from dudao.core.errors import validation_error
from dudao.core.periods import Period, add_months, month_start
from dudao.facts.figures import average, finding_figures, inspection_figures, on_time_figures, percent
from dudao.facts.scope import Scope

from .models import UnitEvaluation

DEFAULT_DAYS = 90
MIN_DAYS, MAX_DAYS = 7, 366
FIGURES = ("inspections", "average_score", "pass_rate", "findings", "on_time_closure_rate", "repeat_rate",
           "evaluation_score")


def windows(pivot: dt.date, days: int, today: dt.date) -> tuple[Period, Period | None]:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise validation_error("days", _("天数必须在 %(min)s 到 %(max)s 之间") % {"min": MIN_DAYS, "max": MAX_DAYS})
    if pivot > today:
        raise validation_error("pivot", _("比较日期不能晚于今天"))
    before = Period(pivot - dt.timedelta(days=days), pivot - dt.timedelta(days=1))
    after = Period(pivot, min(pivot + dt.timedelta(days=days - 1), today))
    return before, after


def evaluation_score(scope: Scope, period: Period) -> Decimal | None:
    """The mean final evaluation score of the scope's sites over the months wholly in the period (one query)."""
    months = []
    month = month_start(period.start)
    if month < period.start:
        month = add_months(month, 1)
    while add_months(month, 1) - dt.timedelta(days=1) <= period.end:
        months.append(month)
        month = add_months(month, 1)
    if not months:
        return None
    row = UnitEvaluation.objects.filter(
        scope.condition(), month__in=months, provisional=False,
        score__isnull=False,
    ).aggregate(total=Sum("score"), count=Count("id"))
    return average(row["total"], row["count"])


def figures(scope: Scope, period: Period, today: dt.date) -> dict:
    inspections = inspection_figures(scope, period)
    findings = finding_figures(scope, period)
    return {
        "from": period.start, "to": period.end,
        "inspections": inspections["inspections"],
        "average_score": inspections["average_score"],
        "pass_rate": percent(inspections["passed"], inspections["inspections"]),
        "findings": findings["findings"],
        "on_time_closure_rate": on_time_figures(scope, period, today)["on_time_closure_rate"],
        "repeat_rate": findings["repeat_rate"],
        "evaluation_score": evaluation_score(scope, period),
    }


def difference(before: dict, after: dict) -> dict:
    return {key: (None if before[key] is None or after[key] is None else after[key] - before[key])
            for key in FIGURES}


def before_after(scope: Scope, pivot: dt.date, days: int, today: dt.date) -> dict:
    """{before, after, difference} for the scope around `pivot` (eight queries)."""
    before_window, after_window = windows(pivot, days, today)
    before = figures(scope, before_window, today)
    after = figures(scope, after_window, today)
    return {"pivot": pivot, "days": days, "before": before, "after": after, "difference": difference(before, after)}
