"""What needs the signed-in person today: the workbench's sections, and their figures this month.

Every read goes through the owning app's scoped selectors (`visible_to`, `approvals_for`,
`awaiting_acceptance`, ...), so a row out of the person's scope can never appear. Every figure comes
from `dudao.facts` (the one definition); this module only picks the scope and the period. Each
section costs a fixed number of queries (its count and its first rows), so the page's query count
depends on the roles held, never on the number of rows.

Sections are chosen per role and merged by key: a person holding several roles gets each role's
sections once, the role's landing section first (a supervisor's visits today, a store manager's
open findings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dudao.analytics.models import ANALYTICS_READERS, EvaluationRun
from dudao.analytics.permissions import can_view_analytics
from dudao.analytics.scope import analytics_scope
from dudao.analytics.selectors import evaluations
from dudao.approvals.selectors import approvals_for
from dudao.checklists.selectors import published_templates
from dudao.core.periods import Period, month_start
from dudao.core.scoping import paths_filter
from dudao.facts import figures as facts
from dudao.facts.scope import Scope
from dudao.findings.choices import FindingStatus, SavedView
from dudao.findings.models import RECTIFIERS, Finding
from dudao.findings.permissions import can_review_findings
from dudao.findings.selectors import FindingFilters, awaiting_acceptance, finding_list
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Inspection
from dudao.inspections.permissions import can_inspect
from dudao.org.choices import Role
from dudao.org.models import Person, Unit
from dudao.org.permissions import can_manage_units
from dudao.planning.choices import VisitStatus
from dudao.planning.selectors import visible_visits
from dudao.policies.models import PolicyVersion
from dudao.reporting.choices import BulletinStatus, ReportStatus
from dudao.reporting.models import READERS, UNIT_MANAGERS, WRITERS
from dudao.reporting.selectors import bulletins_for, reports_for

ROW_LIMIT = 5
"""Rows shown per section; the count says how many there are, the section's link shows them all."""

RECENT_REPORT_DAYS = 14

# Roles whose workbench is about a scope of units rather than their own visits or store.
SCOPE_ROLES = frozenset({
    Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.DEPARTMENT_HEAD, Role.REGION_MANAGER, Role.HR,
})


# --- what the page shows ----------------------------------------------------------------------
@dataclass
class Row:
    """One thing to do: what it is, when it is due, and the link to the next action."""

    title: str
    url: str
    action: str
    meta: str = ""
    due: dt.date | None = None
    overdue: bool = False
    badge: str = ""
    badge_class: str = ""


@dataclass
class Section:
    """One kind of thing that needs the person, with how many there are and the first rows."""

    key: str
    title: str
    count: int | None
    rows: list[Row]
    empty: str
    link_url: str = ""
    link_label: str = ""

    @property
    def more(self) -> int:
        return max((self.count or 0) - len(self.rows), 0)


@dataclass
class Figure:
    """One figure from `dudao.facts`; None is "no data", never 0."""

    label: str
    value: Decimal | int | str | None
    suffix: str = ""


@dataclass
class FigureGroup:
    title: str
    figures: list[Figure]


@dataclass
class Workbench:
    sections: list[Section] = field(default_factory=list)
    figures: list[FigureGroup] = field(default_factory=list)
    period: Period | None = None
    provisional: bool = True


# --- sections ---------------------------------------------------------------------------------
def _section(key, title, queryset, to_row: Callable, *, empty, link_url="", link_label="") -> Section:
    """Count the queryset and turn its first rows into `Row`s (two queries whatever the number)."""
    count = queryset.order_by().count()
    rows = [to_row(obj) for obj in queryset[:ROW_LIMIT]] if count else []
    return Section(key, title, count, rows, empty, link_url, link_label)


def _overdue_badge(due: dt.date | None, today: dt.date) -> tuple[bool, str]:
    if due is None or due >= today:
        return False, ""
    return True, _("逾期 %(days)s 天") % {"days": (today - due).days}


def visits_today(actor, today: dt.date) -> Section:
    """The supervisor's planned visits due today, and earlier ones not done yet (oldest first);
    a visit already started continues its draft instead of starting another inspection."""
    drafts = Inspection.objects.filter(visit=OuterRef("pk"), inspector=actor, status=InspectionStatus.DRAFT)
    visits = (
        visible_visits(actor).filter(supervisor=actor, status=VisitStatus.PLANNED, date__lte=today)
        .annotate(draft_id=Subquery(drafts.order_by("-id").values("pk")[:1]))
        .order_by("date", "unit__path", "id")
    )
    start = reverse("inspections:start")

    def row(visit):
        overdue, badge = _overdue_badge(visit.date, today)
        if visit.draft_id:
            url, action = reverse("inspections:run", args=[visit.draft_id]), _("继续巡店")
        else:
            url, action = f"{start}?{urlencode({'visit': visit.pk})}", _("开始巡店")
        parts = (f"{visit.date:%Y-%m-%d}", visit.get_mode_display(), visit.template or "")
        meta = " · ".join(str(part) for part in parts if part)
        return Row(visit.unit.name, url, action, meta=meta, overdue=overdue,
                   badge=badge or _("今天"), badge_class="danger" if overdue else "primary")

    return _section("visits", _("今日巡店"), visits, row, empty=_("今天没有计划的巡店 — 查看日历"),
                    link_url=reverse("planning:calendar"), link_label=_("巡店日历"))


def draft_inspections(actor, today: dt.date) -> Section:
    """Inspections the person started and has not submitted (those of today's visits are listed there)."""
    shown_with_visits = visible_visits(actor).filter(supervisor=actor, status=VisitStatus.PLANNED, date__lte=today)
    drafts = (
        Inspection.objects.visible_to(actor, "inspect").filter(inspector=actor, status=InspectionStatus.DRAFT)
        .exclude(visit__in=shown_with_visits.values("pk"))
        .select_related("unit", "template").order_by("-created_at", "-id")
    )

    def row(inspection):
        return Row(inspection.unit.name, reverse("inspections:run", args=[inspection.pk]), _("继续填写"),
                   meta=f"{inspection.template.name} · {inspection.get_mode_display()}")

    return _section("drafts", _("未完成的检查"), drafts, row, empty=_("没有未完成的检查 — 开始一次检查"),
                    link_url=reverse("inspections:my-work"), link_label=_("我的巡店"))


def findings_to_verify(actor, today: dt.date) -> Section:
    """Rectification submitted for the person's acceptance, the longest waiting first."""
    findings = awaiting_acceptance(actor).select_related("unit").order_by("submitted_at", "id")

    def row(finding):
        overdue, badge = _overdue_badge(finding.due_date, today)
        return Row(finding.title, finding.get_absolute_url(), _("验收"), meta=finding.unit.name,
                   due=finding.due_date, overdue=overdue, badge=badge, badge_class="danger")

    return _section("verify", _("待验收的整改"), findings, row, empty=_("没有待您验收的整改 — 查看整改列表"),
                    link_url=reverse("findings:review-queue"), link_label=_("验收队列"))


def findings_overdue(actor, today: dt.date) -> Section:
    """Findings in the person's scope past their due date and not closed, the most escalated first."""
    findings = finding_list(actor, FindingFilters(view=SavedView.OVERDUE), today=today).order_by(
        "-escalation_level", "due_date", "id")

    def row(finding):
        _overdue, badge = _overdue_badge(finding.due_date, today)
        meta = f"{finding.unit.name} · {finding.get_status_display()}"
        if finding.escalation_level:
            meta += " · " + _("已升级 %(level)s 级") % {"level": finding.escalation_level}
        return Row(finding.title, finding.get_absolute_url(), _("跟进"), meta=meta, due=finding.due_date,
                   overdue=True, badge=badge, badge_class="danger")

    url = f"{reverse('findings:finding-list')}?{urlencode({'view': SavedView.OVERDUE})}"
    return _section("overdue", _("逾期未整改"), findings, row, empty=_("没有逾期的整改 — 查看整改列表"),
                    link_url=url, link_label=_("全部逾期问题"))


def store_open_findings(actor, today: dt.date) -> Section:
    """The store's findings waiting for the unit side (to plan, in progress, rejected), due first."""
    findings = (
        Finding.objects.visible_to(actor, "rectify")
        .filter(status__in=[FindingStatus.OPEN, FindingStatus.PLANNED])
        .select_related("unit").order_by("due_date", "id")
    )

    def row(finding):
        overdue, badge = _overdue_badge(finding.due_date, today)
        if finding.status == FindingStatus.OPEN:
            action, status = _("制定整改计划"), _("待整改")
        else:
            action, status = _("提交整改"), (_("被退回") if finding.round > 1 else _("整改中"))
        meta = f"{finding.unit.name} · {status} · {finding.get_severity_display()}"
        return Row(finding.title, finding.get_absolute_url(), action, meta=meta, due=finding.due_date,
                   overdue=overdue, badge=badge, badge_class="danger")

    return _section("store_findings", _("本店待整改问题"), findings, row,
                    empty=_("本店没有待整改的问题 — 查看全部整改"),
                    link_url=reverse("findings:finding-list"), link_label=_("全部整改"))


def inspections_to_acknowledge(actor, today: dt.date) -> Section:
    """Submitted inspections of the person's store waiting for their signature."""
    inspections = (
        Inspection.objects.visible_to(actor, "acknowledge").filter(status=InspectionStatus.SUBMITTED, calibration=False)
        .exclude(inspector=actor).select_related("unit", "template", "inspector")
        .order_by("submitted_at", "id")
    )

    def row(inspection):
        score = "—" if inspection.score is None else str(inspection.score)
        return Row(inspection.unit.name, inspection.get_absolute_url(), _("查看并签收"),
                   meta=f"{inspection.template.name} · {inspection.inspector} · {_('得分')} {score}")

    return _section("acknowledge", _("待签收的检查"), inspections, row, empty=_("没有待签收的检查 — 查看我的巡店"),
                    link_url=reverse("inspections:my-work"), link_label=_("我的巡店"))


def bulletins_unread(actor, today: dt.date) -> Section:
    """Published bulletins a unit the person manages has not read yet."""
    managed = actor.scope_paths(UNIT_MANAGERS)
    bulletins = (
        bulletins_for(actor, status=BulletinStatus.PUBLISHED)
        .filter(paths_filter("receipts__unit__path", list(managed)), receipts__read_at__isnull=True)
        .distinct().order_by("-published_at", "-id")
    )

    def row(bulletin):
        return Row(bulletin.title, bulletin.get_absolute_url(), _("阅读"),
                   meta=f"{bulletin.period_start:%Y-%m-%d} – {bulletin.period_end:%Y-%m-%d}")

    return _section("bulletins", _("未读公报"), bulletins, row, empty=_("没有未读的公报 — 查看全部公报"),
                    link_url=reverse("reporting:bulletin-list"), link_label=_("全部公报"))


def approvals_waiting(actor, today: dt.date) -> Section:
    """Approval requests whose current step waits for the person (待我审批)."""
    requests = approvals_for(actor, pending_for_me=True).order_by("created_at", "id")

    def row(request):
        meta = " · ".join([str(request.get_kind_display()), request.unit.name, str(request.requester)])
        return Row(request.title, request.get_absolute_url(), _("审批"), meta=meta,
                   badge=timezone.localtime(request.created_at).strftime("%m-%d"), badge_class="")

    return _section("approvals", _("待我审批"), requests, row, empty=_("没有等待您审批的申请 — 查看审批"),
                    link_url=reverse("approvals:inbox"), link_label=_("全部审批"))


def reports_draft(actor, today: dt.date) -> Section:
    """Reports the person drafted and has not submitted yet."""
    reports = reports_for(actor, status=ReportStatus.DRAFT).filter(created_by=actor)

    def row(report):
        return Row(report.title, report.get_absolute_url(), _("完成并提交"), meta=report.scope_unit.name)

    return _section("reports_draft", _("待提交的报告"), reports, row, empty=_("没有待提交的报告 — 查看报告"),
                    link_url=reverse("reporting:report-list"), link_label=_("全部报告"))


def reports_recent(actor, today: dt.date) -> Section:
    """Reports approved in the last two weeks in the person's scope, to read."""
    since = timezone.now() - dt.timedelta(days=RECENT_REPORT_DAYS)
    reports = reports_for(actor, status=ReportStatus.APPROVED).filter(approved_at__gte=since).order_by(
        "-approved_at", "-id")

    def row(report):
        return Row(report.title, report.get_absolute_url(), _("阅读"), meta=report.scope_unit.name,
                   badge=timezone.localtime(report.approved_at).strftime("%m-%d"))

    return _section("reports_recent", _("近两周批准的报告"), reports, row, empty=_("近两周没有新批准的报告 — 查看报告"),
                    link_url=reverse("reporting:report-list"), link_label=_("全部报告"))


def latest_final_month(actor) -> dt.date | None:
    """The latest month whose evaluation is final (a provisional month marks no key target)."""
    return (
        EvaluationRun.objects.filter(organization_id=actor.organization_id, provisional=False)
        .order_by("-month").values_list("month", flat=True).first()
    )


def key_targets(actor, today: dt.date) -> Section | None:
    """Key rectification targets (重点整改对象) of the latest final evaluation in the person's scope;
    no section before any month has been evaluated."""
    month = latest_final_month(actor)
    if month is None:
        return None
    rows = evaluations(actor, month, key_targets_only=True)
    url = f"{reverse('analytics:evaluations')}?{urlencode({'month': f'{month:%Y-%m}'})}"

    def row(evaluation):
        score = "—" if evaluation.score is None else str(evaluation.score)
        meta = _("综合得分 %(score)s") % {"score": score}
        overdue, badge = _overdue_badge(evaluation.key_target_deadline, today)
        return Row(evaluation.unit.name, url, _("查看评估"), meta=meta, due=evaluation.key_target_deadline,
                   overdue=overdue, badge=badge, badge_class="danger")

    title = _("重点整改对象(%(month)s)") % {"month": f"{month:%Y-%m}"}
    return _section("key_targets", title, rows, row, empty=_("该月评估没有重点整改对象 — 查看评估"),
                    link_url=url, link_label=_("月度评估"))


def setup_tasks(actor, today: dt.date) -> Section:
    """The administrator's set-up: units, people, published standards and the policy, with counts."""
    units = Unit.objects.visible_to(actor).filter(is_active=True).count()
    people = Person.objects.visible_to(actor).filter(is_active=True).count()
    templates = published_templates(actor).count()
    versions = PolicyVersion.objects.visible_to(actor).count()
    rows = [
        Row(_("机构 %(n)s 个") % {"n": units}, reverse("org:tree"), _("管理组织架构"),
            badge="" if units > 1 else _("待设置"), badge_class="danger"),
        Row(_("人员 %(n)s 人") % {"n": people}, reverse("org:people"), _("管理人员"),
            badge="" if people > 1 else _("待设置"), badge_class="danger"),
        Row(_("已发布检查标准 %(n)s 套") % {"n": templates}, reverse("checklists:template-list"), _("管理检查标准"),
            badge="" if templates else _("待设置"), badge_class="danger"),
        Row(_("制度修订 %(n)s 次") % {"n": versions}, reverse("policies:detail"), _("查看制度"),
            meta=_("未修订时按行业制度包执行") if not versions else ""),
    ]
    todo = sum(1 for row in rows if row.badge)
    return Section("setup", _("系统设置"), todo, rows, empty="")


# Which sections each role gets, its landing section first.
ROLE_SECTIONS: dict[str, list[Callable]] = {
    Role.SUPERVISOR: [visits_today, draft_inspections, findings_to_verify, findings_overdue, reports_draft],
    Role.UNIT_MANAGER: [store_open_findings, inspections_to_acknowledge, bulletins_unread, approvals_waiting],
    Role.OPS_MANAGER: [approvals_waiting, findings_to_verify, findings_overdue, reports_draft, reports_recent,
                       key_targets],
    Role.ADMIN: [approvals_waiting, findings_overdue, key_targets, setup_tasks],
    Role.EXECUTIVE: [approvals_waiting, findings_overdue, reports_recent, key_targets],
    Role.DEPARTMENT_HEAD: [approvals_waiting, findings_overdue, reports_recent, key_targets],
    Role.REGION_MANAGER: [approvals_waiting, findings_overdue, reports_recent, key_targets],
    Role.HR: [approvals_waiting, key_targets],
    Role.FINANCE: [approvals_waiting],
    Role.STAFF: [approvals_waiting],
}
# Several roles: the one that does the most hands-on work leads.
ROLE_ORDER = [Role.SUPERVISOR, Role.UNIT_MANAGER, Role.OPS_MANAGER, Role.ADMIN, Role.EXECUTIVE,
              Role.DEPARTMENT_HEAD, Role.REGION_MANAGER, Role.HR, Role.FINANCE, Role.STAFF]


def section_builders(actor) -> list[Callable]:
    """The sections of every role the person holds, each once, in role order."""
    roles = actor.roles()
    builders: list[Callable] = []
    for role in ROLE_ORDER:
        if role in roles:
            builders.extend(b for b in ROLE_SECTIONS[role] if b not in builders)
    # Whoever may not take the action a section leads to does not get the section.
    if not can_inspect(actor):
        builders = [b for b in builders if b not in (visits_today, draft_inspections)]
    if not can_review_findings(actor):
        builders = [b for b in builders if b is not findings_to_verify]
    if not (roles & WRITERS):
        builders = [b for b in builders if b is not reports_draft]
    if not (roles & READERS):
        builders = [b for b in builders if b is not reports_recent]
    if not can_view_analytics(actor):
        builders = [b for b in builders if b is not key_targets]
    if not can_manage_units(actor):
        builders = [b for b in builders if b is not setup_tasks]
    return builders


# --- figures this month -----------------------------------------------------------------------
def this_month(today: dt.date) -> Period:
    """The month so far: provisional until it has ended."""
    return Period(month_start(today), today)


def supervisor_figures(actor, period: Period) -> FigureGroup:
    """The supervisor's own work: their visits, inspections, findings and average score."""
    everywhere = Scope.organisation(actor.organization_id)
    visits = facts.plan_completion(facts.assigned_visits(everywhere, period).filter(supervisor=actor))
    inspections = facts.counted_inspections(everywhere, period).filter(inspector=actor).aggregate(
        **facts.inspection_counts())
    findings = facts.findings_raised(everywhere, period).filter(created_by=actor).aggregate(**facts.finding_counts())
    return FigureGroup(_("我的巡店"), [
        Figure(_("计划完成率"), visits["visit_rate"], "%"),
        Figure(_("完成 / 计划走访"), f"{visits['visits_done']} / {visits['visits_planned']}"
               if visits["visits_planned"] else None),
        Figure(_("完成检查"), inspections["count"]),
        Figure(_("发现问题"), findings["count"]),
        Figure(_("检查平均分"), facts.average(inspections["total"], inspections["scored"])),
    ])


def store_figures(actor, period: Period, today: dt.date, open_findings: int | None) -> FigureGroup:
    """The managed store(s): average score, open findings and the on-time closure rate."""
    scope = Scope(actor.organization_id, tuple(actor.scope_paths(RECTIFIERS)))
    inspections = facts.inspection_figures(scope, period)
    on_time = facts.on_time_figures(scope, period, today)
    return FigureGroup(_("本店"), [
        Figure(_("检查平均分"), inspections["average_score"]),
        Figure(_("接受检查"), inspections["inspections"]),
        Figure(_("待整改问题"), open_findings),
        Figure(_("按时整改率"), on_time["on_time_closure_rate"], "%"),
    ])


def scope_figures(actor, period: Period, today: dt.date) -> FigureGroup:
    """The summary of everything the person follows, as the dashboard shows it."""
    scope = analytics_scope(actor)
    summary = facts.summary(scope, period, today=today)
    title = scope.unit.name if scope.unit is not None else _("我的范围")
    return FigureGroup(title, [
        Figure(_("检查次数"), summary["inspections"]),
        Figure(_("检查平均分"), summary["average_score"]),
        Figure(_("按时整改率"), summary["on_time_closure_rate"], "%"),
        Figure(_("计划完成率"), summary["coverage"]["visit_rate"], "%"),
        Figure(_("门店覆盖率"), summary["coverage"]["unit_rate"], "%"),
    ])


# --- the workbench ----------------------------------------------------------------------------
def workbench_for(actor, *, today: dt.date | None = None) -> Workbench:
    """Everything the home page shows the person, scoped to them."""
    today = today or timezone.localdate()
    bench = Workbench(period=this_month(today), provisional=not this_month(today).has_ended(today))
    built = (build(actor, today) for build in section_builders(actor))
    bench.sections = [section for section in built if section is not None]
    roles = actor.roles()
    if Role.SUPERVISOR in roles and can_inspect(actor):
        bench.figures.append(supervisor_figures(actor, bench.period))
    if Role.UNIT_MANAGER in roles:
        open_count = next((s.count for s in bench.sections if s.key == "store_findings"), None)
        bench.figures.append(store_figures(actor, bench.period, today, open_count))
    if roles & SCOPE_ROLES and roles & ANALYTICS_READERS and can_view_analytics(actor):
        bench.figures.append(scope_figures(actor, bench.period, today))
    return bench
