"""Calibration: choose a policy share of submitted on-site inspections, schedule a blind second
inspection by a supervisor of another region, and complete (or expire) the pair.

Everything runs in the calibration job (`jobs.py`, hourly) over the inspections submitted lately,
so a failure here never blocks a submission, and a run repeated for any window changes nothing:
a pair is made at most once per first inspection (one-to-one), and only open pairs move on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import full_clean_or_refuse
from dudao.core.periods import Period
from dudao.inspections.choices import COUNTING_STATUSES, InspectionMode
from dudao.inspections.models import INSPECTORS, Inspection
from dudao.notifications.services import notify
from dudao.org.choices import ORG_WIDE_ROLES, Role
from dudao.org.selectors import RoleHolders
from dudao.planning.choices import PlanKind, PlanStatus, VisitMode, VisitStatus
from dudao.planning.models import Plan, Visit
from dudao.policies.registry import policy_for

from . import figures
from .choices import PairStatus
from .models import CalibrationPair
from .workflow import PAIR

PAIR_AUDIT_FIELDS = ["first_inspection", "unit", "template", "first_inspector", "second_supervisor", "second_visit",
                     "second_inspection", "status", "reason", "due_date", "completed_at"]
PLAN_AUDIT_FIELDS = ["title", "kind", "period_start", "period_end", "scope_unit", "status", "published_at"]
VISIT_AUDIT_FIELDS = ["plan", "unit", "supervisor", "date", "template", "mode", "status"]
LOOKBACK_DAYS = 3  # the job looks this far back, so a missed run is caught up by the next ones
HASH_SPACE = Decimal(2**64)


# --- selection --------------------------------------------------------------------------------
def draw(inspection_id: int) -> Decimal:
    """A stable number in [0, 1) for an inspection: re-runs, and every server, agree."""
    digest = hashlib.sha256(f"calibration:{inspection_id}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / HASH_SPACE


def is_selected(inspection_id: int, share) -> bool:
    """Whether the policy share picks this inspection for calibration: draw < share."""
    return draw(inspection_id) < Decimal(str(share))


def candidates(organization_id: int, since: dt.datetime):
    """Submitted on-site inspections since `since` without a pair, which are neither a follow-up
    nor themselves a calibration's second inspection."""
    second_visits = CalibrationPair.objects.filter(organization_id=organization_id, second_visit__isnull=False)
    return (
        Inspection.objects.filter(organization_id=organization_id, status__in=COUNTING_STATUSES,
                                  mode=InspectionMode.ON_SITE, submitted_at__gte=since, follow_up_of__isnull=True,
                                  calibration=False)
        .exclude(pk__in=CalibrationPair.objects.filter(organization_id=organization_id).values("first_inspection_id"))
        .exclude(visit_id__in=second_visits.values("second_visit_id"))
        .select_related("unit", "template", "inspector").order_by("submitted_at", "id")
    )


# --- scheduling -------------------------------------------------------------------------------
def eligible_supervisors(inspection: Inspection) -> list[tuple]:
    """(person, home unit) of the active supervisors who may not inspect this unit in their own right
    (another region), the first inspector left out, with each one's home unit (their first supervisor
    assignment). Organisation-wide role holders cover every unit and are never eligible."""
    holders = RoleHolders(inspection.organization_id, INSPECTORS | ORG_WIDE_ROLES)
    covering, homes, people = set(), {}, {}
    for assignment in holders.assignments:
        if assignment.role in ORG_WIDE_ROLES or inspection.unit.path.startswith(assignment.unit.path):
            covering.add(assignment.person_id)
        if assignment.role == Role.SUPERVISOR:
            homes.setdefault(assignment.person_id, assignment.unit)
            people[assignment.person_id] = assignment.person
    return [(people[pk], homes[pk]) for pk in homes if pk not in covering and pk != inspection.inspector_id]


def least_loaded(eligible: list[tuple], start: dt.date, end: dt.date) -> tuple:
    """The eligible supervisor with the fewest planned visits in [start, end] (calibration visits
    included), then by name and id."""
    ids = [person.pk for person, _home in eligible]
    load = dict(
        Visit.objects.filter(supervisor_id__in=ids, status=VisitStatus.PLANNED, date__range=(start, end))
        .values_list("supervisor_id").annotate(n=Count("id")).values_list("supervisor_id", "n")
    )
    return min(eligible, key=lambda e: (load.get(e[0].pk, 0), e[0].display_name, e[0].pk))


def _plan_for(supervisor, home, start: dt.date, end: dt.date, now) -> Plan | None:
    """The published plan that holds the calibration visit, scoped to the second supervisor's own
    unit so that the first inspector and the inspected unit do not see it in their plan lists. A
    slot already held by another calibration plan is shared; one held by any other plan gives None."""
    taken = Plan.objects.filter(
        Q(period_start=start) | Q(period_end=end), organization_id=supervisor.organization_id,
        scope_unit=home, kind=PlanKind.YEAR,
    ).first()
    if taken is not None:
        mine = CalibrationPair.objects.filter(second_visit__plan=taken).exists()
        return taken if mine else None
    plan = Plan(
        organization_id=supervisor.organization_id, title=_("校准复查(系统安排)"), kind=PlanKind.YEAR,
        period_start=start, period_end=end, scope_unit=home, focus=_("盲查:按同一标准再查一次,不参考首次结果。"),
        methods=[VisitMode.SURPRISE], status=PlanStatus.PUBLISHED, created_by=supervisor, published_at=now,
    )
    full_clean_or_refuse(plan, validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        return None
    record_event(actor=None, action="plan.create", obj=plan, after=snapshot(plan, PLAN_AUDIT_FIELDS),
                 organization_id=plan.organization_id)
    return plan


@transaction.atomic
def calibration_schedule(*, inspection: Inspection, now: dt.datetime | None = None) -> CalibrationPair:
    """Make the pair of a chosen inspection: a blind second visit by the least loaded supervisor of
    another region, dated the day after the first inspection (or today, if later) and due within the
    policy's days; or, when nobody is eligible or the time has passed, a pair recorded as not
    scheduled with the reason. Idempotent: an inspection that has a pair gets it back."""
    existing = CalibrationPair.objects.filter(first_inspection_id=inspection.pk).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    performed = timezone.localdate(inspection.performed_at)
    policy = policy_for(inspection.organization_id, on=performed).calibration
    due = performed + dt.timedelta(days=policy.within_days)
    start = max(performed + dt.timedelta(days=1), timezone.localdate(now))
    pair = CalibrationPair(
        organization_id=inspection.organization_id, first_inspection=inspection, unit=inspection.unit,
        template=inspection.template, first_inspector=inspection.inspector, selected_at=now, due_date=due,
        status=PairStatus.NOT_SCHEDULED,
    )
    eligible = eligible_supervisors(inspection)
    if start > due:
        pair.reason = _("抽中时已超过复查期限")
    elif not eligible:
        pair.reason = _("没有其他区域的督导可以安排")
    else:
        supervisor, home = least_loaded(eligible, start, due)
        plan = _plan_for(supervisor, home, start, due, now)
        if plan is None:
            pair.reason = _("%(unit)s 在 %(start)s 已有同期计划,无法排入复查") % {
                "unit": home.name, "start": start.isoformat()}
        else:
            visit = Visit(
                organization_id=inspection.organization_id, plan=plan, unit=inspection.unit, supervisor=supervisor,
                date=start, template=inspection.template, mode=VisitMode.SURPRISE, status=VisitStatus.PLANNED,
            )
            full_clean_or_refuse(visit, exclude=["plan", "unit", "supervisor", "template"])
            visit.save()
            record_event(actor=None, action="visit.create", obj=visit, after=snapshot(visit, VISIT_AUDIT_FIELDS),
                         organization_id=visit.organization_id)
            pair.second_supervisor, pair.second_visit, pair.status = supervisor, visit, PairStatus.SCHEDULED
    full_clean_or_refuse(pair, exclude=["first_inspection", "unit", "template", "first_inspector",
                                        "second_supervisor", "second_visit", "second_inspection"])
    pair.save()
    record_event(actor=None, action="calibration_pair.create", obj=pair, after=snapshot(pair, PAIR_AUDIT_FIELDS),
                 organization_id=pair.organization_id)
    if pair.status == PairStatus.SCHEDULED:
        # Only the second supervisor is told; the first inspector and the unit are not.
        notify(
            recipients=[pair.second_supervisor], kind="calibration.assigned", obj=pair.second_visit,
            title=_("校准复查:请于 %(due)s 前到 %(unit)s 按“%(template)s”检查一次(盲查)") % {
                "due": due.isoformat(), "unit": inspection.unit.name, "template": inspection.template.name},
            url=f"{reverse('inspections:start')}?visit={pair.second_visit.pk}",
            dedupe_key=f"calibration:{pair.pk}:assigned", at=now,
        )
    return pair


# --- completion -------------------------------------------------------------------------------
def _flag_period(organization_id: int, on: dt.date) -> Period:
    days = policy_for(organization_id, on=on).calibration.window_days
    return Period(on - dt.timedelta(days=days - 1), on)


@transaction.atomic
def calibration_complete(*, pair: CalibrationPair, inspection: Inspection, now: dt.datetime | None = None
                         ) -> CalibrationPair:
    """The submitted second inspection completes the pair. When the first inspector's drift over the
    policy window becomes flagged by it, the operations managers are told."""
    pair = CalibrationPair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != PairStatus.SCHEDULED:
        return pair
    PAIR.apply(pair, "complete", actor=None, audit_fields=PAIR_AUDIT_FIELDS, changes={
        "second_inspection": inspection, "completed_at": inspection.submitted_at or now or timezone.now()})
    on = timezone.localdate(now or timezone.now())
    period = _flag_period(pair.organization_id, on)
    before = figures.supervisor_drift(pair.organization_id, pair.first_inspector_id, period, exclude_pair_id=pair.pk)
    after = figures.supervisor_drift(pair.organization_id, pair.first_inspector_id, period)
    if after.flagged and not before.flagged:
        managers = [a.person for a in RoleHolders(pair.organization_id, [Role.OPS_MANAGER]).holding(Role.OPS_MANAGER)]
        name = pair.first_inspector.display_name
        notify(
            recipients=managers, kind="calibration.flagged", obj=pair,
            title=_("督导校准:%(name)s 的评分偏差 %(drift)s 分,超过警示线") % {"name": name, "drift": after.drift},
            body=_("近 %(days)s 天 %(n)s 次复查,95%% 置信区间 %(low)s ~ %(high)s。") % {
                "days": period.days, "n": after.pairs, "low": after.ci_low, "high": after.ci_high},
            url=reverse("calibration:overview"),
            dedupe_key=f"calibration:flagged:{pair.first_inspector_id}:{pair.pk}", at=now,
        )
    return pair


@transaction.atomic
def calibration_expire(*, pair: CalibrationPair) -> CalibrationPair:
    """A scheduled pair past its due date without a submitted second inspection."""
    pair = CalibrationPair.objects.select_for_update().get(pk=pair.pk)
    if pair.status == PairStatus.SCHEDULED:
        PAIR.apply(pair, "expire", actor=None, audit_fields=PAIR_AUDIT_FIELDS)
    return pair


@dataclass
class SyncResult:
    scheduled: int = 0
    not_scheduled: int = 0
    completed: int = 0
    expired: int = 0


def calibration_sync(*, now: dt.datetime | None = None, organization_id: int | None = None) -> SyncResult:
    """The job's work: choose and schedule, complete, expire. Safe to repeat."""
    now = now or timezone.now()
    result = SyncResult()
    organizations = (
        [organization_id] if organization_id is not None
        else list(Inspection.objects.filter(submitted_at__gte=now - dt.timedelta(days=LOOKBACK_DAYS))
                  .values_list("organization_id", flat=True).distinct())
        + list(CalibrationPair.objects.filter(status=PairStatus.SCHEDULED)
               .values_list("organization_id", flat=True).distinct())
    )
    for org_id in sorted(set(organizations)):
        share = policy_for(org_id, on=timezone.localdate(now)).calibration.share
        for inspection in candidates(org_id, now - dt.timedelta(days=LOOKBACK_DAYS)):
            if inspection.submitted_at > now or not is_selected(inspection.pk, share):
                continue
            pair = calibration_schedule(inspection=inspection, now=now)
            if pair.status == PairStatus.SCHEDULED:
                result.scheduled += 1
            else:
                result.not_scheduled += 1
        open_pairs = CalibrationPair.objects.filter(organization_id=org_id, status=PairStatus.SCHEDULED)
        done = {
            i.visit_id: i for i in Inspection.objects.filter(
                visit_id__in=open_pairs.values("second_visit_id"), status__in=COUNTING_STATUSES, submitted_at__lte=now)
        }
        for pair in open_pairs.select_related("first_inspector"):
            second = done.get(pair.second_visit_id)
            if second is not None:
                calibration_complete(pair=pair, inspection=second, now=now)
                result.completed += 1
            elif pair.due_date < timezone.localdate(now):
                calibration_expire(pair=pair)
                result.expired += 1
    return result
