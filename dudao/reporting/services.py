"""Every change to reports and bulletins: drafted, edited, submitted, compiled, published, read.

Reports are approved through the approval engine (kind "report"); `report_approval_outcome` is its
outcome handler, registered in `apps.py`. Bulletins are compiled on demand and by the periodic job
in `jobs.py` (`bulletins_compile_scheduled`), which also reminds units that have not read them.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.services import approval_request_create
from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.core.periods import Period, window_before
from dudao.facts.figures import counted_inspections, sites
from dudao.facts.scope import Scope
from dudao.inspections.choices import COUNTING_STATUSES
from dudao.inspections.models import Inspection
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.models import Unit
from dudao.org.selectors import RoleHolders, unit_managers
from dudao.planning.models import Plan
from dudao.policies.registry import policy_for

from . import compilation, drafting
from .choices import SECTION_KEYS, BulletinOrigin, BulletinStatus, ReportSource
from .models import Bulletin, BulletinRead, Report
from .permissions import (
    can_compile_bulletin,
    can_draft_report,
    can_edit_report,
    can_mark_bulletin_read,
    can_publish_bulletin,
    can_submit_report,
    managed_units_in_scope,
)
from .workflow import BULLETIN, REPORT

REPORT_AUDIT_FIELDS = ["title", "source", "inspection", "plan", "scope_unit", "period_start", "period_end", "status",
                       "approval"]
BULLETIN_AUDIT_FIELDS = ["title", "scope_unit", "period_start", "period_end", "status", "origin"]
SECTION_MAX = 20000
MAX_PERIOD_DAYS = 366

logger = logging.getLogger(__name__)


def _same_org(actor, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.organization_id != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))


def _check_period(period_start: dt.date | None, period_end: dt.date | None) -> None:
    if period_start is None:
        raise validation_error("period_start", _("必须填写开始日期"))
    if period_end is None:
        raise validation_error("period_end", _("必须填写结束日期"))
    if period_end < period_start:
        raise validation_error("period_end", _("结束日期不能早于开始日期"))
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise validation_error("period_end", _("期间不能超过一年"))


# --- reports -----------------------------------------------------------------------------------
def _basis(*, actor, inspection, plan, scope_unit, period_start, period_end) -> drafting.Basis:
    given = [name for name, value in (("inspection_id", inspection), ("plan_id", plan)) if value is not None]
    if scope_unit is not None or period_start is not None or period_end is not None:
        given.append("scope_unit_id")
    if len(given) != 1:
        raise validation_error(
            given[1] if len(given) > 1 else "inspection_id",
            _("请从一次检查、一个督导计划或一个期间与范围中选择一项起草报告"),
        )
    if inspection is not None:
        _same_org(actor, inspection)
        if inspection.status not in COUNTING_STATUSES:
            raise validation_error("inspection_id", _("只能根据已提交的检查起草报告"))
        day = timezone.localdate(inspection.performed_at)
        return drafting.Basis(ReportSource.INSPECTION, inspection.unit, day, day, inspection=inspection)
    if plan is not None:
        _same_org(actor, plan)
        return drafting.Basis(ReportSource.PLAN, plan.scope_unit, plan.period_start, plan.period_end, plan=plan)
    if scope_unit is None:
        raise validation_error("scope_unit_id", _("必须选择范围"))
    _same_org(actor, scope_unit)
    _check_period(period_start, period_end)
    return drafting.Basis(ReportSource.PERIOD, scope_unit, period_start, period_end)


def _report_title(basis: drafting.Basis) -> str:
    if basis.inspection is not None:
        return _("%(unit)s督导报告(%(date)s)") % {"unit": basis.scope_unit.name, "date": basis.period_start.isoformat()}
    if basis.plan is not None:
        return _("%(plan)s执行报告") % {"plan": basis.plan.title}
    return _("%(unit)s督导报告(%(start)s 至 %(end)s)") % {
        "unit": basis.scope_unit.name, "start": basis.period_start.isoformat(), "end": basis.period_end.isoformat()}


@transaction.atomic
def report_draft(
    *,
    actor,
    inspection: Inspection | None = None,
    plan: Plan | None = None,
    scope_unit: Unit | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    title: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """Draft a report from one inspection, a plan, or a period and scope: figures and section texts."""
    require_permission(can_draft_report(actor))
    basis = _basis(actor=actor, inspection=inspection, plan=plan, scope_unit=scope_unit,
                   period_start=period_start, period_end=period_end)
    require_permission(can_draft_report(actor, basis.scope_unit))
    now = now or timezone.now()
    data = drafting.gather(basis, organization_id=actor.organization_id, now=now)
    report = Report(
        organization_id=actor.organization_id, title=(title or "").strip()[:200] or _report_title(basis)[:200],
        source=basis.source, inspection=basis.inspection, plan=basis.plan, scope_unit=basis.scope_unit,
        period_start=basis.period_start, period_end=basis.period_end, sections=drafting.texts(data), data=data,
        created_by=actor, created_at=now, updated_at=now,
    )
    full_clean_or_refuse(report)
    report.save()
    report.units.set(data["unit_ids"])
    record_event(actor=actor, action="report.draft", obj=report, at=now,
                 after={**snapshot(report, REPORT_AUDIT_FIELDS), "sections": report.sections})
    return report


def _lock_report(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=report.pk)


@transaction.atomic
def report_update(*, actor, report: Report, sections: dict | None = None, title: str | None = None,
                  now: dt.datetime | None = None) -> Report:
    """Edit a draft's title and section texts (only the sections given change)."""
    _same_org(actor, report)
    report = _lock_report(report)
    REPORT.check(report, "edit")
    require_permission(can_edit_report(actor, report))
    sections = sections or {}
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        raise validation_error(f"sections.{unknown[0]}", _("没有这个章节"))
    before = {"title": report.title, "sections": dict(report.sections)}
    for key, text in sections.items():
        if text is None:
            continue
        if not isinstance(text, str):
            raise validation_error(f"sections.{key}", _("必须是文字"))
        if len(text) > SECTION_MAX:
            raise validation_error(f"sections.{key}", _("不能超过 %(max)s 个字") % {"max": SECTION_MAX})
        report.sections[key] = text.replace("\r\n", "\n").strip()
    if title is not None:
        title = title.strip()
        if not title:
            raise validation_error("title", _("必须填写标题"))
        report.title = title
    after = {"title": report.title, "sections": report.sections}
    if after == before:
        return report
    report.updated_at = now or timezone.now()
    full_clean_or_refuse(report)
    report.save(update_fields=["title", "sections", "updated_at"])
    changed = sorted(k for k in SECTION_KEYS if before["sections"].get(k) != report.sections.get(k))
    record_event(
        actor=actor, action="report.update", obj=report, at=report.updated_at,
        before={"title": before["title"], "sections": {k: before["sections"].get(k) for k in changed}},
        after={"title": report.title, "sections": {k: report.sections.get(k) for k in changed}},
    )
    return report


@transaction.atomic
def report_submit(*, actor, report: Report, now: dt.datetime | None = None) -> Report:
    """Send a draft for approval (kind "report", routed by policy); it is read-only until decided."""
    _same_org(actor, report)
    report = _lock_report(report)
    REPORT.check(report, "submit")
    require_permission(can_submit_report(actor, report))
    now = now or timezone.now()
    approval = approval_request_create(
        actor=actor, kind="report", title=report.title, unit=report.scope_unit, subject=report, now=now,
        detail={"report_id": report.pk, "period_start": report.period_start.isoformat(),
                "period_end": report.period_end.isoformat()},
    )
    REPORT.apply(report, "submit", actor=actor, audit_fields=REPORT_AUDIT_FIELDS, at=now,
                 changes={"approval": approval, "submitted_by": actor, "submitted_at": now, "updated_at": now})
    return report


def report_approval_outcome(request, outcome: str) -> None:
    """Approval engine outcome handler (kind "report"), run inside the deciding transaction.

    Approved: the report is final and its inspected units' managers are told (as policy says).
    Rejected: it goes back to draft so its author can revise and submit again.
    """
    if request.subject_type != Report._meta.label_lower or not request.subject_id:
        return
    report = Report.objects.select_for_update().filter(pk=int(request.subject_id)).first()
    if report is None or report.approval_id != request.pk:
        return
    step = request.steps.exclude(decided_by=None).select_related("decided_by").order_by("-position").first()
    decider = step.decided_by if step else None
    at = request.decided_at or timezone.now()
    if outcome == "approved":
        REPORT.apply(report, "approve", actor=decider, audit_fields=REPORT_AUDIT_FIELDS, at=at,
                     changes={"approved_at": at, "updated_at": at})
    else:
        REPORT.apply(report, "reject", actor=decider, audit_fields=REPORT_AUDIT_FIELDS, at=at,
                     changes={"updated_at": at})
    if outcome != "approved":
        return
    if policy_for(report.organization_id, on=timezone.localdate(at)).reports.send_to_units:
        notify(
            recipients=unit_managers(report.units.values_list("pk", flat=True)), kind="report.approved",
            title=_("督导报告已发布:%(title)s") % {"title": report.title}, obj=report, at=at,
            body=_("请查阅报告并按整改建议落实。"), dedupe_key=f"report:{report.pk}:approved",
        )


# --- bulletins ---------------------------------------------------------------------------------
def _bulletin_title(scope_unit: Unit, period_start: dt.date, period_end: dt.date) -> str:
    return _("%(unit)s督导检查公报(%(start)s 至 %(end)s)") % {
        "unit": scope_unit.name, "start": period_start.isoformat(), "end": period_end.isoformat()}


def _compile(*, actor, organization_id: int, scope_unit: Unit, period_start: dt.date, period_end: dt.date,
             origin: str, now: dt.datetime) -> tuple[Bulletin, bool]:
    existing = (
        Bulletin.objects.select_for_update()
        .filter(organization_id=organization_id, scope_unit=scope_unit, period_start=period_start,
                period_end=period_end)
        .first()
    )
    if existing is not None:
        BULLETIN.check(existing, "recompile")
    data = compilation.compile_bulletin(
        organization_id=organization_id, scope_unit=scope_unit, period_start=period_start, period_end=period_end,
        now=now,
    )
    if existing is not None:
        BULLETIN.apply(existing, "recompile", actor=actor, audit_fields=BULLETIN_AUDIT_FIELDS, at=now,
                       changes={"data": data, "compiled_by": actor, "compiled_at": now},
                       extra={"summary": data["summary"]})
        return existing, False
    bulletin = Bulletin(
        organization_id=organization_id, title=_bulletin_title(scope_unit, period_start, period_end)[:200],
        scope_unit=scope_unit, period_start=period_start, period_end=period_end, origin=origin, data=data,
        compiled_by=actor, compiled_at=now,
    )
    full_clean_or_refuse(bulletin, exclude=["scope_unit"])
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError:
        raise ApplicationError(ErrorCode.CONFLICT, _("本期公报正在编制,请稍后再试")) from None
    record_event(actor=actor, action="bulletin.compile", obj=bulletin, at=now,
                 after={**snapshot(bulletin, BULLETIN_AUDIT_FIELDS), "summary": data["summary"]})
    return bulletin, True


@transaction.atomic
def bulletin_compile(*, actor, scope_unit: Unit, period_start: dt.date, period_end: dt.date,
                     now: dt.datetime | None = None) -> tuple[Bulletin, bool]:
    """Compile the bulletin of a scope and period on demand; returns (bulletin, created).

    A scope has one bulletin per period: compiling again refreshes its draft, and a published
    bulletin is not compiled again (409).
    """
    require_permission(can_compile_bulletin(actor))
    _same_org(actor, scope_unit)
    require_permission(can_compile_bulletin(actor, scope_unit))
    _check_period(period_start, period_end)
    return _compile(actor=actor, organization_id=actor.organization_id, scope_unit=scope_unit,
                    period_start=period_start, period_end=period_end, origin=BulletinOrigin.ON_DEMAND,
                    now=now or timezone.now())


def _compilers(organization_id: int) -> list:
    """Who is told that a scheduled bulletin waits to be published: ops managers, else admins."""
    holders = RoleHolders(organization_id, {Role.OPS_MANAGER, Role.ADMIN})
    for role in (Role.OPS_MANAGER, Role.ADMIN):
        people = {a.person_id: a.person for a in holders.holding(role)}
        if people:
            return list(people.values())
    return []


def bulletins_compile_scheduled(*, now: dt.datetime) -> dict:
    """For each organisation, the bulletin of the policy period that ended last, for the whole tree.

    Run daily; a period whose bulletin exists is left alone (so the run is idempotent and a missed
    day catches up), and a period without a single submitted inspection gets none.
    """
    today = timezone.localdate(now)
    compiled, failed, skipped = [], [], 0
    roots = Unit.objects.filter(parent__isnull=True, organization__is_active=True).select_related("organization")
    for root in roots.order_by("organization_id"):
        kind = policy_for(root.organization_id, on=today).bulletins.period
        start, end = window_before(kind, today)
        if Bulletin.objects.filter(scope_unit=root, period_start=start, period_end=end).exists():
            skipped += 1
            continue
        if not counted_inspections(Scope.of_unit(root), Period(start, end)).exists():
            skipped += 1
            continue
        try:
            with transaction.atomic():
                bulletin, _created = _compile(
                    actor=None, organization_id=root.organization_id, scope_unit=root, period_start=start,
                    period_end=end, origin=BulletinOrigin.SCHEDULE, now=now,
                )
                notify(
                    recipients=_compilers(root.organization_id), kind="bulletin.compiled", obj=bulletin, at=now,
                    title=_("待发布:%(title)s") % {"title": bulletin.title},
                    body=_("本期督导检查公报已自动编制,请审阅后发布。"), dedupe_key=f"bulletin:{bulletin.pk}:compiled",
                )
        except Exception:
            # One organisation's failure must not cost the others their bulletin; tomorrow's run retries it.
            logger.exception("bulletin for organisation %s, %s..%s failed", root.organization_id, start, end)
            failed.append(root.organization_id)
            continue
        compiled.append(bulletin.pk)
    return {"compiled": compiled, "skipped": skipped, "failed": failed}


@transaction.atomic
def bulletin_publish(*, actor, bulletin: Bulletin, now: dt.datetime | None = None) -> Bulletin:
    """Publish a draft to every site unit in its scope: one receipt per unit, their managers told."""
    _same_org(actor, bulletin)
    bulletin = Bulletin.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=bulletin.pk)
    BULLETIN.check(bulletin, "publish")
    require_permission(can_publish_bulletin(actor, bulletin))
    now = now or timezone.now()
    audience = list(sites(Scope.of_unit(bulletin.scope_unit)).values_list("pk", flat=True))
    BULLETIN.apply(bulletin, "publish", actor=actor, audit_fields=BULLETIN_AUDIT_FIELDS, at=now,
                   changes={"published_by": actor, "published_at": now}, extra={"unit_ids": audience})
    BulletinRead.objects.bulk_create([BulletinRead(bulletin=bulletin, unit_id=pk) for pk in audience])
    notify(
        recipients=unit_managers(audience), kind="bulletin.published", obj=bulletin, at=now,
        title=_("新公报:%(title)s") % {"title": bulletin.title}, body=_("请阅读本期督导检查公报。"),
        dedupe_key=f"bulletin:{bulletin.pk}:published",
    )
    return bulletin


@transaction.atomic
def bulletin_mark_read(*, actor, bulletin: Bulletin, now: dt.datetime | None = None) -> list[BulletinRead]:
    """A unit manager reads a published bulletin: each of their units in its scope counts as read.

    Reading again changes nothing (the first read is kept).
    """
    _same_org(actor, bulletin)
    require_permission(can_mark_bulletin_read(actor, bulletin))
    now = now or timezone.now()
    unit_ids = managed_units_in_scope(actor, bulletin)
    receipts = {r.unit_id: r for r in BulletinRead.objects.select_for_update().filter(
        bulletin=bulletin, unit_id__in=unit_ids)}
    newly = []
    for unit_id in unit_ids:
        receipt = receipts.get(unit_id)
        if receipt is None:  # a unit opened after publishing reads it too
            receipt = BulletinRead.objects.create(bulletin=bulletin, unit_id=unit_id)
            receipts[unit_id] = receipt
        if receipt.read_at is None:
            receipt.read_at, receipt.read_by = now, actor
            receipt.save(update_fields=["read_at", "read_by"])
            newly.append(receipt)
    if newly:
        record_event(actor=actor, action="bulletin.read", obj=bulletin, at=now,
                     after={"unit_ids": sorted(r.unit_id for r in newly)})
    return [receipts[pk] for pk in unit_ids]


@transaction.atomic
def bulletins_remind_unread(*, now: dt.datetime) -> dict:
    """Remind the managers of units that have not read a bulletin N policy days after it was published,
    once per unit and bulletin."""
    pending = (
        BulletinRead.objects.select_for_update(of=("self",))
        .filter(read_at__isnull=True, reminded_at__isnull=True, bulletin__status=BulletinStatus.PUBLISHED)
        .select_related("bulletin")
        .order_by("bulletin_id", "unit_id")
    )
    by_bulletin: dict[int, list[BulletinRead]] = {}
    for receipt in pending:
        by_bulletin.setdefault(receipt.bulletin_id, []).append(receipt)
    reminded = 0
    for receipts in by_bulletin.values():
        bulletin = receipts[0].bulletin
        days = policy_for(bulletin.organization_id,
                          on=timezone.localdate(bulletin.published_at)).bulletins.unread_reminder_days
        if bulletin.published_at + dt.timedelta(days=days) > now:
            continue
        notify(
            recipients=unit_managers(r.unit_id for r in receipts), kind="bulletin.unread", obj=bulletin, at=now,
            title=_("请阅读公报:%(title)s") % {"title": bulletin.title},
            body=_("本期督导检查公报发布已超过 %(days)s 天,贵单位尚未阅读。") % {"days": days},
            dedupe_key=f"bulletin:{bulletin.pk}:unread",
        )
        BulletinRead.objects.filter(pk__in=[r.pk for r in receipts]).update(reminded_at=now)
        reminded += len(receipts)
    return {"reminded_units": reminded}
