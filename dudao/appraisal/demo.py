"""Demo appraisals, through the real services and the one import engine.

The month before last is a whole appraisal month: sales and satisfaction figures imported from
Excel files with Chinese headers (as they come out of a POS system and a mystery-shopper survey),
attendance and bonus bases imported by HR, targets set before the month began, the supervisors'
and store managers' cycles opened, scored and (once the results flow exists) taken to final. A
supervisor who left on the 20th forfeits the bonus, a store manager and a supervisor with more
personal leave than the policy allows are prorated. Last month has its satisfaction figures and
the store managers' cycle open; its sales file and the supervisors' cycle are left for the
operations manager to do, as a new user would. The month before last goes through the whole result
flow to final, and one store manager has appealed.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.services import approval_decide
from dudao.core.periods import add_months, last_complete_month
from dudao.imports.services import import_run_create, import_run_start
from dudao.org.choices import Role
from dudao.org.models import Person
from dudao.org.services import person_create, person_deactivate, role_grant

from . import results, services

# Store code suffix -> (sales in the month before last, its target, satisfaction) — a spread of
# results: stores above and below target, one survey score low enough to pull a manager down.
STORES = {
    1: (612_000, 600_000, 93), 2: (455_000, 500_000, 88), 3: (398_000, 450_000, 79), 4: (521_000, 500_000, 91),
    5: (430_000, 480_000, 85), 6: (575_000, 550_000, 90), 7: (362_000, 420_000, 76), 8: (298_000, 300_000, 87),
    9: (688_000, 650_000, 94), 10: (505_000, 560_000, 83), 11: (342_000, 380_000, 81), 12: (276_000, 320_000, 78),
}
LAST_MONTH_SATISFACTION = {1: 92, 2: 89, 3: 84, 4: 90, 5: 86, 6: 91, 7: 80, 8: 88, 9: 95, 10: 85, 11: 83, 12: 82}
# username -> (days worked, personal leave days) in the month before last; leave above 3 days prorates.
LEAVE = {"supervisor2": (17, 5), "store05": (18, 4)}
LEARNING = {"supervisor1": (85, "完成《门店运营诊断》课程并分享"), "supervisor2": (78, "参加区域复盘会两次"),
            "supervisor3": (90, "带教新督导一名"), "supervisor4": (70, "")}


def _xlsx(title: str, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(actor, kind: str, title: str, rows: list[list], filename: str):
    run = import_run_create(actor=actor, kind=kind, content=_xlsx(title, rows), filename=filename, dry_run=False)
    run = import_run_start(actor=actor, run=run)
    if run.status != "applied":
        raise RuntimeError(f"demo import {filename} failed: {run.errors}")
    return run


def _store_codes(context) -> dict[int, str]:
    """Store number -> unit code of the demo stores (store01 manages the first store, ...)."""
    codes = {}
    for number in STORES:
        person = context.people.get(f"store{number:02d}")
        if person is not None:
            assignment = person.role_assignments.filter(role=Role.UNIT_MANAGER).select_related("unit").first()
            if assignment is not None:
                codes[number] = assignment.unit.code
    return codes


def load_demo(context) -> None:
    organization = context.organization
    admin = context.people["admin"]
    ops = context.people.get("ops") or admin
    hr = context.people.get("hr") or admin
    today = timezone.localdate()
    last = last_complete_month(today)
    before = add_months(last, -1)
    periods = (f"{before:%Y-%m}", f"{last:%Y-%m}")
    codes = _store_codes(context)
    root = context.units.get("ROOT") or next(u for u in context.units.values() if u.parent_id is None)

    # A supervisor who covered the north until the 20th of the month before last, then left.
    north = next((u for u in context.units.values() if u.code == "NORTH"), None)
    leaver = person_create(actor=admin, organization=organization, username="supervisor4",
                           display_name="前华北督导", password=context.password, email="")
    if north is not None:
        role_grant(actor=admin, person=leaver, role=Role.SUPERVISOR, unit=north)

    # Targets, set before each month began.
    for period, month in zip(periods, (before, last), strict=True):
        for number, code in codes.items():
            unit = next(u for u in context.units.values() if u.code == code)
            value = STORES[number][1] if month == before else round(STORES[number][1] * 1.05, -3)
            services.target_set(actor=ops, unit=unit, kpi_code="target_completion", period=period, value=value,
                                now=timezone.make_aware(dt.datetime.combine(month - dt.timedelta(days=1),
                                                                            dt.time(18))))

    # The month before last: sales from the POS system, satisfaction from the survey company.
    _import(ops, "kpi_values", "销售", [["门店编码", "指标代码", "期间", "实际值", "来源"]] + [
        [codes[n], "target_completion", periods[0], f"{STORES[n][0]:,}", "POS系统"] for n in sorted(codes)
    ], f"{periods[0]} 门店销售额.xlsx")
    _import(ops, "kpi_values", "满意度", [["门店编码", "指标代码", "期间", "实际值", "来源"]] + [
        [codes[n], "satisfaction", periods[0], f"{STORES[n][2]}%", "神秘顾客"] for n in sorted(codes)
    ], f"{periods[0]} 顾客满意度.xlsx")
    _import(ops, "kpi_values", "满意度", [["门店编码", "指标代码", "期间", "实际值", "来源"]] + [
        [codes[n], "satisfaction", periods[1], f"{LAST_MONTH_SATISFACTION[n]}%", "神秘顾客"] for n in sorted(codes)
    ], f"{periods[1]} 顾客满意度.xlsx")

    # Attendance and bonus bases from HR.
    appraised = [p for p in (*(f"supervisor{i}" for i in range(1, 5)), *(f"store{n:02d}" for n in codes))
                 if Person.objects.filter(organization=organization, username=p).exists()]
    _import(hr, "attendance", "考勤", [["工号", "月份", "出勤天数", "事假天数", "迟到次数", "早退次数", "旷工次数"]] + [
        [username, periods[0], *LEAVE.get(username, (22 if username != "supervisor4" else 14, 0)), 0, 0, 0]
        for username in appraised
    ], f"{periods[0]} 考勤.xlsx")
    _import(hr, "bonus_bases", "奖金基数", [["工号", "期间", "奖金基数"]] + [
        [username, period, "6,000" if username.startswith("supervisor") else "4,000"]
        for period in periods for username in appraised
    ], f"{periods[0]}–{periods[1]} 奖金基数.xlsx")
    person_deactivate(actor=admin, person=Person.objects.get(pk=leaver.pk),
                      left_on=before.replace(day=20))

    # The month before last: both cycles, with the appraisers' manual scores.
    supervisors = services.cycle_create(actor=ops, role=Role.SUPERVISOR, period=periods[0], scope_unit=root)
    for appraisal in supervisors.appraisals.select_related("person"):
        score, note = LEARNING.get(appraisal.person.username, (80, ""))
        services.manual_scores_set(actor=ops, appraisal=appraisal,
                                   scores=[{"kpi_code": "learning_growth", "score": score, "note": note}])
    managers = services.cycle_create(actor=ops, role=Role.UNIT_MANAGER, period=periods[0], scope_unit=root)
    for appraisal in managers.appraisals.select_related("person"):
        number = int(appraisal.person.username.removeprefix("store") or 0)
        score = Decimal(95 - (number % 5) * 3)
        services.manual_scores_set(actor=ops, appraisal=appraisal,
                                   scores=[{"kpi_code": "basic_business", "score": score, "note": ""}])

    # Both go through the result flow (the ops manager's submission is the first step; the executive,
    # HR and finance approve) and are final; a store manager appeals.
    deciders = [context.people.get(name) for name in ("gm", "hr", "finance")]
    if all(deciders):
        for cycle in (supervisors, managers):
            cycle = results.cycle_submit(actor=ops, cycle=cycle)
            for decider in deciders:
                approval_decide(actor=decider, approval=cycle.approval, decision="approve",
                                comment=_("同意") if decider.username != "finance" else _("已安排发放"))
        appealing = managers.appraisals.select_related("person").filter(person__username="store03").first()
        if appealing is not None:
            results.appraisal_appeal(actor=appealing.person, appraisal=appealing,
                                     reason="本月顾客满意度按神秘顾客单次打分计算，当天恰逢系统故障排队较长，申请复核。")

    # Last month: the store managers' cycle is open (its sales file is still to come).
    services.cycle_create(actor=ops, role=Role.UNIT_MANAGER, period=periods[1], scope_unit=root)
