"""The import kinds of appraisal data (DESIGN.md section 5): kpi_values, targets, attendance and
bonus_bases. Each looks up the people, units and existing records of a whole file in a fixed
number of queries, names each bad row and field, and writes through `appraisal.services`.

Administrators, ops managers and HR import them (`APPRAISAL_MANAGERS`); a row whose subject (the
person's unit, or the unit) lies outside the importer's part of the tree is a row error naming the
row and field, and the run writes nothing."""

from __future__ import annotations

import contextlib
import functools

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dudao.core.errors import ApplicationError
from dudao.core.numbers import parse_number
from dudao.core.periods import parse_month, parse_period
from dudao.imports.registry import Field, ImportKind, PlanContext, Row, RowFailure, RowPlan
from dudao.org.models import Person, Unit

from . import selectors, services
from .choices import TargetStatus
from .models import Attendance, BonusBase, KpiValue, Target
from .permissions import APPRAISAL_MANAGERS


def _text(value) -> str:
    return f"{value.normalize():f}" if value is not None else ""


USERNAME = Field("username", gettext_lazy("用户名"), "Username", aliases=("工号", "账号", "登录名", "员工账号"),
                 help=gettext_lazy("人员的用户名；与机构编码二选一"))
UNIT_CODE = Field("unit_code", gettext_lazy("机构编码"), "Unit code", aliases=("门店编码", "网点编码", "编码"),
                  help=gettext_lazy("机构（门店）的编码；与用户名二选一"))
KPI_CODE = Field("kpi_code", gettext_lazy("指标代码"), "KPI code", required=True, aliases=("指标", "kpi"),
                 help=gettext_lazy("考核方案中的指标代码（例如 target_completion）或指标名称（例如 销售额指标完成率）"))


def _kpi_codes(rows: list[Row], organization_id: int) -> dict[str, str]:
    """The scheme's KPI codes (code -> name). A row may name its KPI as a scheme does
    (销售额指标完成率) as well as by its code: the name is replaced by the code before the row is
    checked."""
    codes, by_name = selectors.kpi_catalog(organization_id)
    for row in rows:
        given = row.get("kpi_code")
        if given and given not in codes and given in by_name:
            row.values["kpi_code"] = by_name[given]
    return codes
PERIOD = Field("period", gettext_lazy("期间"), "Period", required=True, aliases=("月份", "考核期间", "周期"),
               help=gettext_lazy("YYYY-MM、YYYY-Qn、YYYY-Hn 或 YYYY，例如 2026-01、2026-Q1"))


class _Lookup:
    """People (by username) and units (by code) of one file, and the unit each person belongs to."""

    def __init__(self, rows: list[Row], context: PlanContext, *, units: bool = True) -> None:
        organization_id = context.organization_id
        self.context = context
        self.covered: dict[str, bool] = {}
        wanted = {row.get("username").lower() for row in rows if row.get("username")}
        self.people = {p.lowered: p for p in Person.objects.annotate(lowered=Lower("username"))
                       .filter(organization_id=organization_id, lowered__in=wanted)} if wanted else {}
        codes = {row.get("unit_code") for row in rows if row.get("unit_code")} if units else set()
        self.units = {u.code: u for u in Unit.objects.filter(organization_id=organization_id, code__in=codes)} \
            if codes else {}
        self.person_units = selectors.person_units(p.pk for p in self.people.values())

    def subject(self, plan: RowPlan, *, unit_allowed: bool = True) -> dict | None:
        row = plan.row
        username, code = row.get("username"), row.get("unit_code") if unit_allowed else ""
        if username and code:
            plan.error("unit_code", _("用户名和机构编码只能填一个"))
            return None
        if not username and not code:
            plan.error("username", _("请填写用户名或机构编码") if unit_allowed else _("必填"))
            return None
        if username:
            person = self.people.get(username.lower())
            if person is None:
                plan.error("username", _("用户名“%(value)s”不存在") % {"value": username})
                return None
            scope_unit = self.person_units.get(person.pk)
            return self._in_scope(plan, "username", username, scope_unit,
                                  {"person": person, "unit": None, "scope_unit": scope_unit})
        unit = self.units.get(code)
        if unit is None:
            plan.error("unit_code", _("机构编码“%(code)s”不存在") % {"code": code})
            return None
        return self._in_scope(plan, "unit_code", code, unit, {"person": None, "unit": unit, "scope_unit": unit})

    def _in_scope(self, plan: RowPlan, field_code: str, value: str, unit, subject: dict) -> dict | None:
        """The subject, or None and a row error when it lies outside the importer's part of the tree."""
        path = unit.path if unit is not None else None
        key = path or ""
        if key not in self.covered:
            self.covered[key] = self.context.covers(path)
        if not self.covered[key]:
            plan.error(field_code, _("“%(value)s”不在您负责的范围内，不能导入") % {"value": value})
            return None
        return subject


def _required(plan: RowPlan, fields) -> None:
    for f in fields:
        if f.required and not plan.row.get(f.code):
            plan.error(f.code, _("必填"))


@functools.lru_cache(maxsize=512)
def _period_ok(text: str) -> bool:
    """Whether a period text is well formed; a file repeats a few periods many times."""
    try:
        parse_period(text)
    except ApplicationError:
        return False
    return True


def _period(plan: RowPlan, code: str = "period") -> str | None:
    text = plan.row.get(code)
    if not text:
        return None
    if not _period_ok(text):
        try:
            parse_period(text, code)
        except ApplicationError as exc:  # the message in the reader's language
            plan.error(code, exc.message)
        return None
    return text.upper()


def _number(plan: RowPlan, code: str, *, places: int | None = None, minimum=None, integer: bool = False):
    text = plan.row.get(code)
    if not text:
        return None
    try:
        number = parse_number(text, code, places=0 if integer else places)
    except ApplicationError as exc:
        plan.error(code, exc.message)
        return None
    if minimum is not None and number < minimum:
        plan.error(code, _("不能小于 %(minimum)s") % {"minimum": minimum})
        return None
    return int(number) if integer else number


def _duplicate(plan: RowPlan, seen: dict, key, code: str) -> bool:
    if key in seen:
        plan.error(code, _("与第 %(row)s 行重复") % {"row": seen[key]})
        return True
    seen[key] = plan.row.number
    return False


def _subject_key(subject: dict) -> str:
    return f"p{subject['person'].pk}" if subject["person"] else f"u{subject['unit'].pk}"


def _key_of(obj) -> str:
    return f"p{obj.person_id}" if obj.person_id else f"u{obj.unit_id}"


# --- KPI values -------------------------------------------------------------------------------------
class KpiValuesKind(ImportKind):
    code = "kpi_values"
    importers = APPRAISAL_MANAGERS
    label = gettext_lazy("KPI 数值")
    label_en = "KPI values"
    sheet_names = ("KPI 数值", "kpi_values")
    key_field = "kpi_code"
    fields = (
        USERNAME, UNIT_CODE, KPI_CODE, PERIOD,
        Field("value", gettext_lazy("数值"), "Value", required=True, type="number", aliases=("实际值", "完成值", "金额"),
              help=gettext_lazy("可带千分位和百分号：1,234.5 或 95%（记为 95）")),
        Field("source", gettext_lazy("来源"), "Source", required=True, aliases=("数据来源", "系统"),
              help=gettext_lazy("数据来自哪里，例如 POS、财务、onsite（现场复核）；同一来源再次导入会替换原值")),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        org_id = context.organization_id
        lookup = _Lookup(rows, context)
        codes = _kpi_codes(rows, org_id)
        periods = {row.get("period").upper() for row in rows if row.get("period")}
        kpis = {row.get("kpi_code") for row in rows if row.get("kpi_code")}
        sources = {row.get("source") for row in rows if row.get("source")}
        existing = {
            (_key_of(v), v.kpi_code, v.period, v.source): v
            for v in KpiValue.objects.filter(organization_id=org_id, period__in=periods, kpi_code__in=kpis,
                                             source__in=sources)
        } if periods and kpis and sources else {}
        seen: dict = {}
        plans = []
        for row in rows:
            plan = RowPlan(row, key=row.get("kpi_code"))
            plans.append(plan)
            context.progress(len(plans))
            _required(plan, self.fields)
            subject = lookup.subject(plan)
            kpi_code, source = row.get("kpi_code"), row.get("source")
            if kpi_code and kpi_code not in codes:
                plan.error("kpi_code", _("未知的指标代码“%(code)s”：考核方案中没有此指标") % {"code": kpi_code})
            if len(source) > 50:
                plan.error("source", _("不能超过 %(limit)s 个字符") % {"limit": 50})
            period = _period(plan)
            value = _number(plan, "value", places=4)
            if plan.errors:
                continue
            key = (_subject_key(subject), kpi_code, period, source)
            if _duplicate(plan, seen, key, "kpi_code"):
                continue
            old = existing.get(key)
            plan.key = f"{row.get('username') or row.get('unit_code')} {kpi_code} {period}"
            plan.data = {**subject, "kpi_code": kpi_code, "period": period, "value": value, "source": source,
                         "existing": old}
            if old is None:
                plan.action, plan.changes = "create", {"value": [None, _text(value)]}
            elif old.value != value:
                plan.action, plan.changes = "update", {"value": [_text(old.value), _text(value)]}
        return plans

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        rows = [p.data for p in plans if p.action in ("create", "update")]
        run = context.shared.get("run")
        try:
            services.kpi_values_import(actor=context.actor, rows=rows, import_run=run)
        except ApplicationError as exc:
            raise RowFailure(plans[0].row, "value", exc.message) from exc
        return self.count(plans)

    def export_rows(self, organization):
        values = KpiValue.objects.filter(organization=organization).select_related("person", "unit").order_by(
            "period", "kpi_code", "id")
        return [{"username": v.person.username if v.person_id else "", "unit_code": v.unit.code if v.unit_id else "",
                 "kpi_code": v.kpi_code, "period": v.period, "value": _text(v.value), "source": v.source}
                for v in values]


# --- targets -------------------------------------------------------------------------------------------
class TargetsKind(ImportKind):
    code = "targets"
    importers = APPRAISAL_MANAGERS
    label = gettext_lazy("指标目标")
    label_en = "Targets"
    sheet_names = ("指标目标", "targets")
    key_field = "kpi_code"
    fields = (
        USERNAME, UNIT_CODE, KPI_CODE, PERIOD,
        Field("value", gettext_lazy("目标值"), "Target", required=True, type="number", aliases=("目标", "数值", "指标值"),
              help=gettext_lazy("期间开始后修改目标需总经理审批（导入后为待审批）")),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        org_id = context.organization_id
        lookup = _Lookup(rows, context)
        codes = _kpi_codes(rows, org_id)
        today = timezone.localdate()
        periods = {row.get("period").upper() for row in rows if row.get("period")}
        existing: dict = {}
        if periods:
            for target in Target.objects.filter(organization_id=org_id, period__in=periods,
                                                status__in=[TargetStatus.ACTIVE, TargetStatus.PENDING]):
                existing.setdefault((_key_of(target), target.kpi_code, target.period), {})[target.status] = target
        seen: dict = {}
        plans = []
        for row in rows:
            plan = RowPlan(row, key=row.get("kpi_code"))
            plans.append(plan)
            context.progress(len(plans))
            _required(plan, self.fields)
            subject = lookup.subject(plan)
            kpi_code = row.get("kpi_code")
            if kpi_code and kpi_code not in codes:
                plan.error("kpi_code", _("未知的指标代码“%(code)s”：考核方案中没有此指标") % {"code": kpi_code})
            period = _period(plan)
            value = _number(plan, "value", places=4)
            if plan.errors:
                continue
            key = (_subject_key(subject), kpi_code, period)
            if _duplicate(plan, seen, key, "kpi_code"):
                continue
            held = existing.get(key, {})
            active = held.get(TargetStatus.ACTIVE)
            plan.key = f"{row.get('username') or row.get('unit_code')} {kpi_code} {period}"
            plan.data = {**subject, "kpi_code": kpi_code, "period": period, "value": value}
            if active is not None and active.value == value:
                continue
            started = services.period_started(period, today)
            if started and TargetStatus.PENDING in held:
                plan.error("value", _("此指标本期已有待审批的修正"))
                continue
            plan.action = "update" if active is not None else "create"
            plan.changes = {"value": [_text(active.value) if active else None, _text(value)]}
            if started:
                plan.changes["status"] = [None, _("待审批：期间已开始，修改需总经理批准")]
        return plans

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        run = context.shared.get("run")
        for plan in plans:
            if plan.action not in ("create", "update"):
                continue
            data = plan.data
            try:
                services.target_set(actor=context.actor, person=data["person"], unit=data["unit"],
                                    scope_unit=data["scope_unit"], kpi_code=data["kpi_code"], period=data["period"],
                                    value=data["value"], import_run=run, reason=_("导入"))
            except ApplicationError as exc:
                raise RowFailure(plan.row, "value", exc.message) from exc
        return self.count(plans)

    def export_rows(self, organization):
        targets = Target.objects.filter(organization=organization, status=TargetStatus.ACTIVE).select_related(
            "person", "unit").order_by("period", "kpi_code", "id")
        return [{"username": t.person.username if t.person_id else "", "unit_code": t.unit.code if t.unit_id else "",
                 "kpi_code": t.kpi_code, "period": t.period, "value": _text(t.value)} for t in targets]


# --- attendance -----------------------------------------------------------------------------------------
class AttendanceKind(ImportKind):
    code = "attendance"
    importers = APPRAISAL_MANAGERS
    label = gettext_lazy("考勤")
    label_en = "Attendance"
    sheet_names = ("考勤", "attendance")
    key_field = "username"
    NUMBERS = ("days_worked", "personal_leave_days", "late", "early_leave", "absence")
    fields = (
        Field("username", gettext_lazy("用户名"), "Username", required=True, aliases=("工号", "账号", "登录名")),
        Field("month", gettext_lazy("月份"), "Month", required=True, aliases=("考勤月份", "期间"),
              help=gettext_lazy("YYYY-MM，例如 2026-01")),
        Field("days_worked", gettext_lazy("出勤天数"), "Days worked", required=True, type="number", aliases=("出勤",)),
        Field("personal_leave_days", gettext_lazy("事假天数"), "Personal leave days", type="number", aliases=("事假",)),
        Field("late", gettext_lazy("迟到次数"), "Late", type="number", aliases=("迟到",)),
        Field("early_leave", gettext_lazy("早退次数"), "Early leave", type="number", aliases=("早退",)),
        Field("absence", gettext_lazy("旷工次数"), "Absence", type="number", aliases=("旷工",)),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        org_id = context.organization_id
        lookup = _Lookup(rows, context, units=False)
        months = set()
        for row in rows:
            with contextlib.suppress(ApplicationError):  # a bad month is named by the row's own check
                months.add(parse_month(row.get("month")))
        existing = {(a.person_id, a.month): a for a in Attendance.objects.filter(
            organization_id=org_id, month__in=months, person__in=[p.pk for p in lookup.people.values()])} \
            if months and lookup.people else {}
        seen: dict = {}
        plans = []
        for row in rows:
            plan = RowPlan(row, key=row.get("username"))
            plans.append(plan)
            context.progress(len(plans))
            _required(plan, self.fields)
            subject = lookup.subject(plan, unit_allowed=False) if row.get("username") else None
            month = None
            if row.get("month"):
                try:
                    month = parse_month(row.get("month"))
                except ApplicationError as exc:
                    plan.error("month", exc.message)
            values = {
                "days_worked": _number(plan, "days_worked", places=1, minimum=0),
                "personal_leave_days": _number(plan, "personal_leave_days", places=1, minimum=0),
                **{code: _number(plan, code, integer=True, minimum=0) for code in ("late", "early_leave", "absence")},
            }
            for code, number in values.items():
                if number is not None and number > (31 if code in ("days_worked", "personal_leave_days") else 999):
                    plan.error(code, _("数值过大"))
            if plan.errors:
                continue
            if _duplicate(plan, seen, (subject["person"].pk, month), "username"):
                continue
            values = {code: (number if number is not None else 0) for code, number in values.items()}
            old = existing.get((subject["person"].pk, month))
            plan.key = f"{row.get('username')} {month:%Y-%m}"
            plan.data = {**subject, "month": month, **values, "existing": old}
            if old is None:
                plan.action = "create"
                plan.changes = {code: [None, str(number)] for code, number in values.items()}
            else:
                plan.changes = {code: [str(getattr(old, code)), str(number)] for code, number in values.items()
                                if getattr(old, code) != number}
                plan.action = "update" if plan.changes else "unchanged"
        return plans

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        rows = [p.data for p in plans if p.action in ("create", "update")]
        services.attendance_import(actor=context.actor, rows=rows, import_run=context.shared.get("run"))
        return self.count(plans)

    def export_rows(self, organization):
        records = Attendance.objects.filter(organization=organization).select_related("person").order_by("month", "id")
        return [{"username": a.person.username, "month": f"{a.month:%Y-%m}", "days_worked": _text(a.days_worked),
                 "personal_leave_days": _text(a.personal_leave_days), "late": str(a.late),
                 "early_leave": str(a.early_leave), "absence": str(a.absence)} for a in records]


# --- bonus bases ------------------------------------------------------------------------------------------
class BonusBasesKind(ImportKind):
    code = "bonus_bases"
    importers = APPRAISAL_MANAGERS
    label = gettext_lazy("奖金基数")
    label_en = "Bonus bases"
    sheet_names = ("奖金基数", "bonus_bases")
    key_field = "username"
    fields = (
        Field("username", gettext_lazy("用户名"), "Username", required=True, aliases=("工号", "账号", "登录名")),
        PERIOD,
        Field("base", gettext_lazy("奖金基数"), "Base", required=True, type="number", aliases=("基数", "金额"),
              help=gettext_lazy("金额，最多两位小数，可带千分位：12,000.00")),
    )

    def plan(self, rows: list[Row], context: PlanContext) -> list[RowPlan]:
        org_id = context.organization_id
        lookup = _Lookup(rows, context, units=False)
        periods = {row.get("period").upper() for row in rows if row.get("period")}
        existing = {(b.person_id, b.period): b for b in BonusBase.objects.filter(
            Q(organization_id=org_id, period__in=periods, person__in=[p.pk for p in lookup.people.values()]))} \
            if periods and lookup.people else {}
        seen: dict = {}
        plans = []
        for row in rows:
            plan = RowPlan(row, key=row.get("username"))
            plans.append(plan)
            context.progress(len(plans))
            _required(plan, self.fields)
            subject = lookup.subject(plan, unit_allowed=False) if row.get("username") else None
            period = _period(plan)
            base = _number(plan, "base", places=2, minimum=0)
            if plan.errors:
                continue
            if _duplicate(plan, seen, (subject["person"].pk, period), "username"):
                continue
            old = existing.get((subject["person"].pk, period))
            plan.key = f"{row.get('username')} {period}"
            plan.data = {**subject, "period": period, "base": base, "existing": old}
            if old is None:
                plan.action, plan.changes = "create", {"base": [None, _text(base)]}
            elif old.base != base:
                plan.action, plan.changes = "update", {"base": [_text(old.base), _text(base)]}
        return plans

    def apply(self, plans: list[RowPlan], context: PlanContext) -> tuple[int, int]:
        rows = [p.data for p in plans if p.action in ("create", "update")]
        services.bonus_bases_import(actor=context.actor, rows=rows, import_run=context.shared.get("run"))
        return self.count(plans)

    def export_rows(self, organization):
        bases = BonusBase.objects.filter(organization=organization).select_related("person").order_by("period", "id")
        return [{"username": b.person.username, "period": b.period, "base": f"{b.base:.2f}"} for b in bases]
