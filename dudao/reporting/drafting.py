"""Drafting a supervision report from the data: the figures (`gather`) and the section texts (`texts`).

A report covers a set of submitted inspections and the findings that go with them:

- from one inspection: that inspection and its findings;
- from a plan or a period: the inspections of units in the scope's subtree performed in the period,
  and the findings of those units created in the period (whatever their source).

The figures are kept with the report (`Report.data`) for its tables and charts; the texts are the
first draft of each section, which the author edits before submitting.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.periods import Period
from dudao.facts.figures import (
    average,
    counted_inspections,
    findings_due,
    findings_raised,
    on_time_closure,
    percent,
    plan_completion,
    round1,
    sites,
)
from dudao.facts.scope import Scope
from dudao.findings.choices import FindingStatus
from dudao.findings.models import Finding
from dudao.inspections.models import Answer, Inspection
from dudao.org.models import Unit
from dudao.planning.choices import PlanStatus, VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from .choices import ReportSource

PROBLEM_GROUPS = 10  # failed items in the problems table
PROBLEMS_IN_TEXT = 5  # of which the drafted text names the first
EXAMPLES_PER_PROBLEM = 2
EXAMPLE_CANDIDATES = 8
PHOTOS_PER_EXAMPLE = 2
RECOMMENDATIONS = 5
BEST_UNITS = 3
LISTED_MISSES = 20
LISTED_OVERDUE = 10
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


@dataclass(frozen=True)
class Basis:
    """What a report is drafted from: its source, scope unit and period."""

    source: str
    scope_unit: Unit
    period_start: dt.date
    period_end: dt.date
    inspection: Inspection | None = None
    plan: Plan | None = None

    @property
    def scope(self) -> Scope:
        return Scope.of_unit(self.scope_unit)

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)


def _number(value) -> float | None:
    """A figure as kept in the report's JSON (facts round it to one decimal)."""
    return None if value is None else float(value)


def _percent(part: int, whole: int) -> float | None:
    return _number(percent(part, whole))


def _average(total, count: int) -> float | None:
    return _number(average(total, count))


def _date(value: dt.datetime) -> str:
    return timezone.localdate(value).isoformat()


def _inspections(basis: Basis, organization_id: int):
    if basis.inspection is not None:
        return Inspection.objects.filter(pk=basis.inspection.pk)
    return counted_inspections(basis.scope, basis.period)


def _findings(basis: Basis, organization_id: int):
    if basis.inspection is not None:
        return Finding.objects.filter(inspection_id=basis.inspection.pk)
    return findings_raised(basis.scope, basis.period)


def _findings_judged(basis: Basis):
    """The findings whose on-time closure the report states: the inspection's own, or those due in
    the period (the one rule of facts.figures.on_time_closure)."""
    if basis.inspection is not None:
        return Finding.objects.filter(inspection_id=basis.inspection.pk)
    return findings_due(basis.scope, basis.period)


# --- figures -----------------------------------------------------------------------------------
def _execution(basis: Basis, organization_id: int, inspections: list[dict], today: dt.date) -> dict:
    if basis.inspection is not None:
        inspection = basis.inspection
        planned = 1 if inspection.visit_id else 0
        visits = {"planned": planned, "done": planned, "cancelled": 0, "missed": []}
    else:
        if basis.plan is not None:
            rows = Visit.objects.filter(plan=basis.plan)
        else:
            rows = Visit.objects.filter(
                organization_id=organization_id, plan__status=PlanStatus.PUBLISHED,
                unit__path__startswith=basis.scope_unit.path,
                date__gte=basis.period_start, date__lte=basis.period_end,
            )
        completion = plan_completion(rows)
        cancelled = rows.filter(status=VisitStatus.CANCELLED).count()
        missed = list(
            rows.filter(status=VisitStatus.PLANNED, date__lt=today)
            .order_by("date", "unit__code", "id")
            .values("unit_id", "unit__name", "date", "supervisor__display_name")[:LISTED_MISSES]
        )
        visits = {
            "planned": completion["visits_planned"],
            "done": completion["visits_done"],
            "cancelled": cancelled,
            "missed": [
                {"unit_id": m["unit_id"], "unit_name": m["unit__name"], "date": m["date"].isoformat(),
                 "supervisor": m["supervisor__display_name"]}
                for m in missed
            ],
        }
    units_inspected = len({row["unit_id"] for row in inspections})
    in_scope = (
        1 if basis.inspection is not None else sites(basis.scope).count()
    )
    return {
        **visits,
        "completion_rate": _percent(visits["done"], visits["planned"]),
        "inspections": len(inspections),
        "ad_hoc": sum(1 for row in inspections if not row["visit_id"]),
        "units_inspected": units_inspected,
        "units_in_scope": in_scope,
        "by_mode": dict(Counter(row["mode"] for row in inspections)),
    }


def _highlights(inspections: list[dict], answers_total: int, passed_items: int, full_pass_items: list[dict],
                pass_mark: float) -> dict:
    scored = [row for row in inspections if row["score"] is not None]
    by_unit: dict[int, list] = {}
    for row in scored:
        by_unit.setdefault(row["unit_id"], []).append(row)
    units = []
    for unit_id, rows in by_unit.items():
        total = sum(row["score"] for row in rows)
        units.append({"unit_id": unit_id, "unit_name": rows[0]["unit__name"], "unit_code": rows[0]["unit__code"],
                      "score": _average(total, len(rows)), "inspections": len(rows)})
    units.sort(key=lambda u: (-u["score"], u["unit_code"]))
    passed = sum(1 for row in scored if row["passed"])
    return {
        "average_score": _average(sum(row["score"] for row in scored), len(scored)),
        "passed": passed,
        "scored": len(scored),
        "pass_rate": _percent(passed, len(scored)),
        "perfect": sum(1 for row in scored if row["score"] == 100),
        "best_units": [u for u in units if u["score"] >= pass_mark][:BEST_UNITS],
        "items_checked": answers_total,
        "items_passed": passed_items,
        "full_pass_items": full_pass_items,
    }


def _examples(answers, limit: int) -> list[dict]:
    """Up to `limit` examples, each from a different unit where there are enough."""
    chosen, units = [], set()
    for answer in answers:
        if answer.inspection.unit_id not in units:
            chosen.append(answer)
            units.add(answer.inspection.unit_id)
    chosen += [a for a in answers if a not in chosen]
    return [
        {"unit_id": answer.inspection.unit_id, "unit_name": answer.inspection.unit.name,
         "date": _date(answer.inspection.performed_at), "note": answer.note,
         "attachment_ids": sorted(a.pk for a in answer.attachments.all()
                                  if a.content_type.startswith("image/"))[:PHOTOS_PER_EXAMPLE]}
        for answer in chosen[:limit]
    ]


def _problems(inspection_ids) -> dict:
    failed = Answer.objects.filter(inspection_id__in=inspection_ids, is_current=True, failed=True)
    groups = list(
        failed.values("item__code")
        .annotate(count=Count("id"), units=Count("inspection__unit_id", distinct=True),
                  text=Max("item__text"), category=Max("item__category"))
        .order_by("-count", "-units", "item__code")
    )
    severities: dict[str, list[str]] = {}
    for code, severity in failed.values_list("item__code", "item__severity").distinct():
        severities.setdefault(code, []).append(severity)
    listed = []
    for group in groups[:PROBLEM_GROUPS]:
        code = group["item__code"]
        # Answers with a note or photo make better examples than bare failures.
        sample = (
            failed.filter(item__code=code)
            .select_related("inspection__unit")
            .prefetch_related("attachments")
            .annotate(photos=Count("attachments"))
            .order_by("-photos", "-inspection__performed_at", "-id")
        )
        listed.append({
            "item_code": code, "text": group["text"], "category": group["category"],
            "severity": min(severities.get(code, [Severity.MEDIUM]), key=SEVERITY_ORDER.index),
            "count": group["count"], "units": group["units"],
            "examples": _examples(list(sample[:EXAMPLE_CANDIDATES]), EXAMPLES_PER_PROBLEM),
        })
    return {
        "failed_answers": sum(g["count"] for g in groups),
        "failed_items": len(groups),
        "groups": listed,
    }


def _analysis(findings, category_labels: dict[str, str]) -> dict:
    by_category = list(findings.values("category").annotate(count=Count("id")).order_by("-count", "category"))
    by_severity = dict(findings.values_list("severity").annotate(count=Count("id")))
    by_source = dict(findings.values_list("source").annotate(count=Count("id")))
    by_unit = list(
        findings.values("unit_id", "unit__name", "unit__code").annotate(count=Count("id"))
        .order_by("-count", "unit__code")[:5]
    )
    return {
        "findings": sum(row["count"] for row in by_category),
        "by_category": [
            {"category": row["category"], "label": category_labels.get(row["category"], row["category"])
             or _("未分类"), "count": row["count"]}
            for row in by_category
        ],
        "by_severity": [
            {"severity": str(severity), "label": str(severity.label), "count": by_severity.get(severity, 0)}
            for severity in SEVERITY_ORDER
        ],
        "by_source": by_source,
        "repeat": findings.filter(repeat=True).count(),
        "top_units": [
            {"unit_id": row["unit_id"], "unit_name": row["unit__name"], "count": row["count"]} for row in by_unit
        ],
    }


def _rectification(findings, judged, now: dt.datetime) -> dict:
    """The status of the findings raised, and the on-time closure rate of `judged` as of `now`."""
    today = timezone.localdate(now)
    counts = dict(findings.values_list("status").annotate(count=Count("id")).order_by())
    closed = counts.get(FindingStatus.CLOSED, 0)
    timeliness = on_time_closure(judged, today)
    overdue = findings.exclude(status=FindingStatus.CLOSED).filter(due_date__lt=today)
    overdue_count = overdue.count()
    overdue_rows = list(
        overdue.order_by("due_date", "id").values("id", "unit__name", "title", "severity", "due_date")[:LISTED_OVERDUE]
    )
    return {
        "as_of": today.isoformat(),
        "total": sum(counts.values()),
        "open": counts.get(FindingStatus.OPEN, 0),
        "planned": counts.get(FindingStatus.PLANNED, 0),
        "submitted": counts.get(FindingStatus.SUBMITTED, 0),
        "closed": closed,
        "overdue": overdue_count,
        "closed_on_time": timeliness["findings_on_time"],
        "due": timeliness["findings_due"],
        "on_time_rate": _number(timeliness["on_time_closure_rate"]),
        "overdue_list": [
            {"finding_id": row["id"], "unit_name": row["unit__name"], "title": row["title"],
             "severity": row["severity"], "due_date": row["due_date"].isoformat(),
             "days_overdue": (today - row["due_date"]).days}
            for row in overdue_rows
        ],
    }


def _advice(severity: str, repeat: bool) -> str:
    if severity == Severity.CRITICAL:
        advice = _("属红线问题,须立即整改并追究责任,下期督导逐店复查。")
    elif severity == Severity.HIGH:
        advice = _("限期整改,由督导跟进复查并留存整改照片。")
    else:
        advice = _("纳入门店培训和日常自查清单,下期督导抽查。")
    if repeat:
        advice += _("该问题反复出现,需查找根本原因并完善操作流程。")
    return advice


def _recommendations(problems: dict, repeat_codes: set[str]) -> list[dict]:
    return [
        {"item_code": group["item_code"], "text": group["text"], "count": group["count"], "units": group["units"],
         "severity": group["severity"], "repeat": group["item_code"] in repeat_codes,
         "advice": _advice(group["severity"], group["item_code"] in repeat_codes)}
        for group in problems["groups"][:RECOMMENDATIONS]
    ]


def gather(basis: Basis, *, organization_id: int, now: dt.datetime) -> dict:
    """Every figure a report shows, as plain JSON (numbers, strings, lists)."""
    today = timezone.localdate(now)
    policy = policy_for(organization_id, on=basis.period_end)
    inspections_qs = _inspections(basis, organization_id)
    inspections = list(inspections_qs.values(
        "id", "unit_id", "unit__name", "unit__code", "score", "passed", "visit_id", "mode", "performed_at",
    ))
    ids = inspections_qs.values("id")  # a subquery: an organisation's month may be thousands of inspections
    answered = Answer.objects.filter(inspection_id__in=ids, is_current=True, possible__gt=0)
    answers_total = answered.count()
    failed_total = answered.filter(failed=True).count()
    full_pass = list(
        answered.values("item__code").annotate(text=Max("item__text"), failures=Count("id", filter=Q(failed=True)))
        .filter(failures=0).order_by("item__code").values("item__code", "text")[:10]
    )
    findings = _findings(basis, organization_id)
    problems = _problems(ids)
    repeat_codes = set(findings.filter(repeat=True).values_list("item_code", flat=True))
    categories = {c.code: c.label for c in policy.findings.categories}
    data = {
        "source": basis.source,
        "scope_unit": {"id": basis.scope_unit.pk, "name": basis.scope_unit.name},
        "period": {"start": basis.period_start.isoformat(), "end": basis.period_end.isoformat()},
        "pass_mark": float(policy.inspections.pass_mark),
        "unit_ids": sorted({row["unit_id"] for row in inspections}),
        "execution": _execution(basis, organization_id, inspections, today),
        "highlights": _highlights(
            inspections, answers_total, answers_total - failed_total,
            [{"item_code": row["item__code"], "text": row["text"]} for row in full_pass],
            float(policy.inspections.pass_mark),
        ),
        "problems": problems,
        "analysis": _analysis(findings, categories),
        "recommendations": _recommendations(problems, repeat_codes),
        "rectification": _rectification(findings, _findings_judged(basis), now),
    }
    if basis.inspection is not None:
        inspection = basis.inspection
        data["inspection"] = {
            "id": inspection.pk, "unit_name": inspection.unit.name, "date": _date(inspection.performed_at),
            "inspector": inspection.inspector.display_name, "mode": str(inspection.get_mode_display()),
            "template": str(inspection.template), "score": _number(round1(inspection.score)),
            "passed": inspection.passed, "critical_failed": inspection.critical_failed,
            "planned": bool(inspection.visit_id),
        }
    if basis.plan is not None:
        data["plan"] = {"id": basis.plan.pk, "title": basis.plan.title}
    return data


# --- texts -------------------------------------------------------------------------------------
def _num(value) -> str:
    """A figure as printed: one decimal for scores and rates, a dash when there is none."""
    if value is None:
        return "—"
    return f"{value:.1f}"


def _execution_text(data: dict) -> str:
    e = data["execution"]
    if data["source"] == ReportSource.INSPECTION:
        i = data["inspection"]
        kind = _("计划内走访") if i["planned"] else _("计划外检查")
        return _("%(date)s,%(inspector)s对%(unit)s进行%(mode)s检查(%(kind)s),使用检查标准“%(template)s”。") % {
            "date": i["date"], "inspector": i["inspector"], "unit": i["unit_name"], "mode": i["mode"],
            "kind": kind, "template": i["template"]}
    figures = {
        "start": data["period"]["start"], "end": data["period"]["end"], "planned": e["planned"], "done": e["done"],
        "rate": _num(e["completion_rate"]), "inspections": e["inspections"], "ad_hoc": e["ad_hoc"],
        "units": e["units_inspected"], "scope": e["units_in_scope"]}
    if e["planned"]:
        text = _("本期(%(start)s 至 %(end)s)计划走访 %(planned)s 次,已完成 %(done)s 次,完成率 %(rate)s%%;"
                 "共完成检查 %(inspections)s 次(其中计划外 %(ad_hoc)s 次),覆盖 %(units)s 家机构(范围内共 %(scope)s 家)。"
                 ) % figures
    else:
        text = _("本期(%(start)s 至 %(end)s)没有已发布计划中的走访;共完成检查 %(inspections)s 次,"
                 "覆盖 %(units)s 家机构(范围内共 %(scope)s 家)。") % figures
    if e["missed"]:
        missed = _("、").join(f"{m['unit_name']}({m['date']})" for m in e["missed"])
        text += "\n" + _("应巡未巡:%(missed)s。") % {"missed": missed}
    return text


def _highlights_text(data: dict) -> str:
    h = data["highlights"]
    if data["source"] == ReportSource.INSPECTION:
        i = data["inspection"]
        verdict = _("合格") if i["passed"] else _("不合格")
        text = _("本次检查得分 %(score)s 分,结论:%(verdict)s;共检查 %(checked)s 项,其中 %(passed)s 项合格。") % {
            "score": _num(i["score"]), "verdict": verdict, "checked": h["items_checked"], "passed": h["items_passed"]}
    elif not h["scored"]:
        return _("本期没有已提交的检查。")
    else:
        text = _("本期检查平均得分 %(average)s 分,合格率 %(rate)s%%(%(passed)s/%(scored)s),满分 %(perfect)s 次。") % {
            "average": _num(h["average_score"]), "rate": _num(h["pass_rate"]), "passed": h["passed"],
            "scored": h["scored"], "perfect": h["perfect"]}
        if h["best_units"]:
            best = _("、").join(
                _("%(unit)s(%(score)s 分)") % {"unit": u["unit_name"], "score": _num(u["score"])} for u in h["best_units"]
            )
            text += "\n" + _("表现最好的机构:%(units)s。") % {"units": best}
    if h["full_pass_items"] and data["source"] != ReportSource.INSPECTION:
        items = _("、").join(row["text"] for row in h["full_pass_items"][:5])
        text += "\n" + _("全部合格的检查项:%(items)s。") % {"items": items}
    return text


def _problems_text(data: dict) -> str:
    p = data["problems"]
    if not p["failed_answers"]:
        return _("未发现不合格项。")
    lines = [_("共发现不合格项 %(answers)s 项次,涉及 %(items)s 个检查项。出现最多的问题:") % {
        "answers": p["failed_answers"], "items": p["failed_items"]}]
    for index, group in enumerate(p["groups"][:PROBLEMS_IN_TEXT], start=1):
        line = _("%(n)s. %(text)s(%(code)s):%(count)s 次,涉及 %(units)s 家机构。") % {
            "n": index, "text": group["text"], "code": group["item_code"], "count": group["count"],
            "units": group["units"]}
        # Notes usually end with their own full stop; the sentence adds one, so drop it.
        notes = [f"{ex['unit_name']}:{ex['note'].strip().rstrip('。.;；')}" for ex in group["examples"]
                 if ex["note"].strip()]
        if notes:
            line += _("例:%(examples)s。") % {"examples": _(";").join(notes)}
        lines.append(line)
    return "\n".join(lines)


def _analysis_text(data: dict) -> str:
    a = data["analysis"]
    if not a["findings"]:
        return _("没有需要分析的问题。")
    categories = _("、").join(
        _("%(label)s %(count)s 项") % {"label": row["label"], "count": row["count"]} for row in a["by_category"]
    )
    severities = _("、").join(
        _("%(label)s %(count)s 项") % {"label": row["label"], "count": row["count"]}
        for row in a["by_severity"] if row["count"]
    )
    text = _("共 %(total)s 项问题。按类别:%(categories)s;按严重程度:%(severities)s。") % {
        "total": a["findings"], "categories": categories, "severities": severities}
    if a["repeat"]:
        text += _("其中重复发生的问题 %(count)s 项。") % {"count": a["repeat"]}
    if len(a["top_units"]) > 1:
        units = _("、").join(
            _("%(unit)s %(count)s 项") % {"unit": u["unit_name"], "count": u["count"]} for u in a["top_units"]
        )
        text += "\n" + _("问题较多的机构:%(units)s。") % {"units": units}
    return text


def _recommendations_text(data: dict) -> str:
    rows = data["recommendations"]
    if not rows:
        return _("继续保持现有管理水平,按计划开展下期督导。")
    return "\n".join(
        _("%(n)s. %(text)s(%(count)s 次):%(advice)s") % {
            "n": index, "text": row["text"], "count": row["count"], "advice": row["advice"]}
        for index, row in enumerate(rows, start=1)
    )


def _rectification_text(data: dict) -> str:
    r = data["rectification"]
    if not r["total"]:
        return _("没有需要整改的问题。")
    text = _("截至 %(as_of)s,共 %(total)s 项问题:已关闭 %(closed)s 项,待整改 %(open)s 项,整改中 %(planned)s 项,"
             "待验收 %(submitted)s 项;逾期未关闭 %(overdue)s 项;按时整改率 %(rate)s%%(%(on_time)s/%(due)s)。") % {
        "as_of": r["as_of"], "total": r["total"], "closed": r["closed"], "open": r["open"], "planned": r["planned"],
        "submitted": r["submitted"], "overdue": r["overdue"], "rate": _num(r["on_time_rate"]),
        "on_time": r["closed_on_time"], "due": r["due"]}
    if r["overdue_list"]:
        overdue = _("、").join(
            _("%(unit)s“%(title)s”(逾期 %(days)s 天)") % {
                "unit": row["unit_name"], "title": row["title"], "days": row["days_overdue"]}
            for row in r["overdue_list"][:5]
        )
        text += "\n" + _("逾期问题:%(list)s。") % {"list": overdue}
    return text


def texts(data: dict) -> dict[str, str]:
    """The first draft of each section's text, from the figures."""
    return {
        "execution": _execution_text(data),
        "highlights": _highlights_text(data),
        "problems": _problems_text(data),
        "analysis": _analysis_text(data),
        "recommendations": _recommendations_text(data),
        "rectification": _rectification_text(data),
    }
