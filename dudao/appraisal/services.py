"""Writing appraisal data: figures, attendance and bonus bases in bulk (imports), targets one by one
with their revision through the approval engine, and the cross-check of figures between sources.

Bulk writes stay a fixed number of queries per chunk whatever the number of rows (a 100,000-row
figure file is one transaction), and every record created or changed has its audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.services import approval_request_create
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.bulk import insert_rows
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    deny_permission,
    full_clean_or_refuse,
    require_permission,
    validation_error,
)
from dudao.core.numbers import parse_number
from dudao.core.periods import add_months, month_start, normalise_period, parse_period
from dudao.facts.figures import competition_ranks
from dudao.findings.choices import FindingSource
from dudao.findings.services import finding_create
from dudao.org.choices import Role
from dudao.org.models import Person, Unit
from dudao.policies.choices import ApprovalKind, KpiSource, Period, SchemeKind, Severity
from dudao.policies.registry import policy_for

from . import scoring, selectors
from .choices import AppraisalStatus, CycleStatus, TargetStatus
from .models import (
    Appraisal,
    AppraisalCycle,
    Attendance,
    BonusBase,
    KpiDataCheck,
    KpiValue,
    ManualScore,
    Target,
)
from .permissions import can_run_cycle_over, can_set_target_for
from .workflow import TARGET

CHUNK = 2000
KPI_AUDIT_FIELDS = ["person", "unit", "kpi_code", "period", "value", "source", "import_run"]
TARGET_AUDIT_FIELDS = ["person", "unit", "kpi_code", "period", "value", "status", "approval"]
ATTENDANCE_AUDIT_FIELDS = ["person", "month", "days_worked", "personal_leave_days", "late", "early_leave", "absence"]
BONUS_BASE_AUDIT_FIELDS = ["person", "period", "base"]


def _bulk_write(model, *, actor, create: list[dict], update: list, fields: list[str], audit_fields: list[str],
                action: str, before: list[dict], now: dt.datetime) -> None:
    """Create (`create`: rows of attname -> value, written without building instances) and update
    (instances) in chunks, one audit event per record (before and after for changes)."""
    label = model._meta.label_lower
    recorded = [f.attname for f in model._meta.concrete_fields if f.name in audit_fields or f.attname in audit_fields]
    for start in range(0, len(create), CHUNK):
        chunk = create[start:start + CHUNK]
        pks = insert_rows(model, chunk)
        record_events(actor=actor, action=f"{action}.create", objects=[(label, pk) for pk in pks], at=now,
                      organization_id=actor.organization_id,
                      after=[{attname: row[attname] for attname in recorded} for row in chunk])
    for start in range(0, len(update), CHUNK):
        chunk = update[start:start + CHUNK]
        model.objects.bulk_update(chunk, fields)
        record_events(actor=actor, action=f"{action}.update", objects=chunk, at=now,
                      before=before[start:start + CHUNK], after=[snapshot(obj, audit_fields) for obj in chunk])


def _pk(obj):
    return obj.pk if obj is not None else None


# --- KPI values ------------------------------------------------------------------------------------
@transaction.atomic
def kpi_values_import(*, actor, rows: list[dict], import_run=None, now: dt.datetime | None = None) -> tuple[int, int]:
    """Write planned figures: `rows` of {person, unit, scope_unit, kpi_code, period, value, source,
    existing}; a figure of the same subject, KPI, period and source replaces the earlier one. Then the
    figures that now have two sources are cross-checked. Returns (created, updated)."""
    now = now or timezone.now()
    import_run_id = _pk(import_run)
    create, update, before = [], [], []
    for row in rows:
        existing = row.get("existing")
        if existing is None:
            create.append({
                "organization_id": actor.organization_id, "person_id": _pk(row.get("person")),
                "unit_id": _pk(row.get("unit")), "scope_unit_id": _pk(row.get("scope_unit")),
                "kpi_code": row["kpi_code"], "period": row["period"], "value": row["value"], "source": row["source"],
                "import_run_id": import_run_id, "created_by_id": actor.pk, "created_at": now, "updated_at": now,
            })
        elif existing.value != row["value"]:
            before.append(snapshot(existing, KPI_AUDIT_FIELDS))
            existing.value, existing.import_run, existing.updated_at = row["value"], import_run, now
            update.append(existing)
    _bulk_write(KpiValue, actor=actor, create=create, update=update, fields=["value", "import_run", "updated_at"],
                audit_fields=KPI_AUDIT_FIELDS, action="kpi_value", before=before, now=now)
    kpi_values_verify(actor=actor, groups={(r["kpi_code"], r["period"]) for r in rows}, now=now)
    return len(create), len(update)


def kpi_values_verify(*, actor, groups: set[tuple[str, str]], now: dt.datetime | None = None) -> list[KpiDataCheck]:
    """Cross-check the figures of the given (KPI, period)s that have more than one source: two
    sources whose relative difference exceeds the policy tolerance open one data-check finding on
    the unit (a person's: the unit of their role), naming both figures and sources; a pair already
    checked opens none again."""
    if not groups:
        return []
    now = now or timezone.now()
    organization_id = actor.organization_id
    codes, periods = {g[0] for g in groups}, {g[1] for g in groups}
    base = KpiValue.objects.filter(organization_id=organization_id, kpi_code__in=codes, period__in=periods)
    multi = list(base.values("person_id", "unit_id", "kpi_code", "period").annotate(n=Count("id")).filter(n__gt=1))
    if not multi:
        return []
    wanted_groups = {(f"p{g['person_id']}" if g["person_id"] else f"u{g['unit_id']}", g["kpi_code"], g["period"])
                     for g in multi if (g["kpi_code"], g["period"]) in groups}
    # Plain tuples, not model instances: a second source of a 100,000-figure file compares 200,000.
    by_group: dict[tuple, list[tuple]] = {}
    rows = base.order_by("source", "id").values_list("id", "person_id", "unit_id", "kpi_code", "period", "source",
                                                     "value")
    for row in rows.iterator(chunk_size=CHUNK):
        key = (f"p{row[1]}" if row[1] else f"u{row[2]}", row[3], row[4])
        if key in wanted_groups:
            by_group.setdefault(key, []).append(row)
    limit = selectors.tolerance(organization_id, on=timezone.localdate(now))
    pairs: dict[str, tuple[int, int, Decimal]] = {}
    for group, members in by_group.items():
        for index, first in enumerate(members):
            for second in members[index + 1:]:
                difference = selectors.relative_difference(first[6], second[6])
                if difference > limit:
                    pairs[selectors.data_check_key(group, first[5], second[5])] = (first[0], second[0], difference)
    if not pairs:
        return []
    found = KpiValue.objects.select_related("person", "unit", "scope_unit").in_bulk(
        {pk for first, second, _d in pairs.values() for pk in (first, second)})
    wanted = {key: (found[first], found[second], difference) for key, (first, second, difference) in pairs.items()}
    done = set(KpiDataCheck.objects.filter(organization_id=organization_id, key__in=list(wanted))
               .values_list("key", flat=True))
    names = selectors.kpi_codes(organization_id)
    policy = policy_for(organization_id, on=timezone.localdate(now))
    category = policy.findings.categories[0].code
    checks = []
    for key, (first, second, difference) in wanted.items():
        unit = first.unit if first.unit_id else first.scope_unit
        if key in done or unit is None:
            continue  # a person without a role unit has no unit to open the finding on
        words = {
            "subject": first.subject_label(), "kpi": names.get(first.kpi_code, first.kpi_code), "period": first.period,
            "a_source": first.source, "a_value": f"{first.value.normalize():f}",
            "b_source": second.source, "b_value": f"{second.value.normalize():f}",
            "difference": f"{(difference * 100).quantize(Decimal('0.1'))}",
            "tolerance": f"{(limit * 100).normalize():f}",
        }
        finding = finding_create(
            actor=actor, unit=unit, source=FindingSource.DATA_CHECK, severity=Severity.MEDIUM, category=category,
            title=(_("数据核查：%(subject)s %(kpi)s %(period)s 两个来源不一致") % words)[:300],
            description=_("%(a_source)s 报 %(a_value)s，%(b_source)s 报 %(b_value)s，相差 %(difference)s%%，"
                          "超过允许误差 %(tolerance)s%%。请核实数据。") % words,
            now=now,
        )
        check = KpiDataCheck(organization_id=organization_id, key=key, unit=unit, finding=finding, created_at=now)
        full_clean_or_refuse(check)
        check.save()
        record_event(actor=actor, action="kpi_value.data_check", obj=check, at=now,
                     after={"key": key, "finding_id": finding.pk, "values": [words["a_value"], words["b_value"]]})
        checks.append(check)
    return checks


# --- attendance and bonus bases ----------------------------------------------------------------------
@transaction.atomic
def attendance_import(*, actor, rows: list[dict], import_run=None, now: dt.datetime | None = None) -> tuple[int, int]:
    """Write planned monthly attendance: one record per person and month, replaced by a new import."""
    now = now or timezone.now()
    fields = ["days_worked", "personal_leave_days", "late", "early_leave", "absence"]
    create, update, before = [], [], []
    for row in rows:
        existing = row.get("existing")
        if existing is None:
            create.append({"organization_id": actor.organization_id, "person_id": row["person"].pk,
                           "scope_unit_id": _pk(row.get("scope_unit")), "month": row["month"],
                           "import_run_id": _pk(import_run), **{f: row[f] for f in fields}})
        elif any(getattr(existing, f) != row[f] for f in fields):
            before.append(snapshot(existing, ATTENDANCE_AUDIT_FIELDS))
            for f in fields:
                setattr(existing, f, row[f])
            existing.import_run = import_run
            update.append(existing)
    _bulk_write(Attendance, actor=actor, create=create, update=update, fields=[*fields, "import_run"],
                audit_fields=ATTENDANCE_AUDIT_FIELDS, action="attendance", before=before, now=now)
    return len(create), len(update)


@transaction.atomic
def bonus_bases_import(*, actor, rows: list[dict], import_run=None, now: dt.datetime | None = None) -> tuple[int, int]:
    """Write planned bonus bases: one per person and period, replaced by a new import."""
    now = now or timezone.now()
    create, update, before = [], [], []
    for row in rows:
        existing = row.get("existing")
        if existing is None:
            create.append({"organization_id": actor.organization_id, "person_id": row["person"].pk,
                           "scope_unit_id": _pk(row.get("scope_unit")), "period": row["period"], "base": row["base"],
                           "import_run_id": _pk(import_run)})
        elif existing.base != row["base"]:
            before.append(snapshot(existing, BONUS_BASE_AUDIT_FIELDS))
            existing.base, existing.import_run = row["base"], import_run
            update.append(existing)
    _bulk_write(BonusBase, actor=actor, create=create, update=update, fields=["base", "import_run"],
                audit_fields=BONUS_BASE_AUDIT_FIELDS, action="bonus_base", before=before, now=now)
    return len(create), len(update)


# --- targets -------------------------------------------------------------------------------------------
def period_started(period: str, today: dt.date) -> bool:
    return parse_period(period).start <= today


@transaction.atomic
def target_set(*, actor, kpi_code: str, period: str, value, person=None, unit=None, scope_unit=None,
               reason: str = "", import_run=None, now: dt.datetime | None = None) -> Target:
    """Set a person's or a unit's target. Before the period starts it is active at once (replacing
    the earlier one, audited); after the start it is a revision: a pending target and a
    `target_revision` request to the approval engine (the executive), applied when approved."""
    if (person is None) == (unit is None):
        raise validation_error("username", _("请填写用户名或机构（二选一）"))
    if person is not None:
        scope_unit = scope_unit if scope_unit is not None else selectors.person_units([person.pk]).get(person.pk)
        subject_org = person.organization_id
    else:
        scope_unit, subject_org = unit, unit.organization_id
    if subject_org != actor.organization_id or not can_set_target_for(actor, scope_unit):
        deny_permission()
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = normalise_period(period)
    names = selectors.kpi_codes(actor.organization_id, on=today)
    if kpi_code not in names:
        raise validation_error("kpi_code", _("未知的指标代码“%(code)s”：考核方案中没有此指标") % {"code": kpi_code})
    value = parse_number(value, "value", places=4)
    subject = Q(person=person) if person is not None else Q(unit=unit)
    existing = Target.objects.select_for_update().filter(subject, kpi_code=kpi_code, period=period)
    active = next((t for t in existing if t.status == TargetStatus.ACTIVE), None)
    if not period_started(period, today):
        if active is not None:
            before = snapshot(active, TARGET_AUDIT_FIELDS)
            active.value, active.import_run = value, import_run
            full_clean_or_refuse(active)
            active.save(update_fields=["value", "import_run"])
            record_event(actor=actor, action="target.update", obj=active, before=before,
                         after=snapshot(active, TARGET_AUDIT_FIELDS), at=now)
            return active
        target = Target(organization_id=actor.organization_id, person=person, unit=unit, scope_unit=scope_unit,
                        kpi_code=kpi_code, period=period, value=value, status=TargetStatus.ACTIVE,
                        import_run=import_run, created_by=actor, created_at=now)
        full_clean_or_refuse(target)
        target.save()
        record_event(actor=actor, action="target.create", obj=target, after=snapshot(target, TARGET_AUDIT_FIELDS), at=now)
        return target
    if any(t.status == TargetStatus.PENDING for t in existing):
        raise ApplicationError(ErrorCode.CONFLICT, _("此指标本期已有待审批的修正"),
                               {"fields": {"value": [_("此指标本期已有待审批的修正")]}})
    target = Target(organization_id=actor.organization_id, person=person, unit=unit, scope_unit=scope_unit,
                    kpi_code=kpi_code, period=period, value=value, status=TargetStatus.PENDING,
                    import_run=import_run, created_by=actor, created_at=now)
    full_clean_or_refuse(target)
    target.save()
    approval_unit = scope_unit or Unit.objects.get(organization_id=actor.organization_id, parent__isnull=True)
    subject_name = person.display_name if person is not None else unit.name
    approval = approval_request_create(
        actor=actor, kind=ApprovalKind.TARGET_REVISION, unit=approval_unit, subject=target, now=now,
        title=(_("指标修正：%(subject)s %(kpi)s %(period)s") % {
            "subject": subject_name, "kpi": names[kpi_code], "period": period})[:200],
        detail={"target_id": target.pk, "target_of": subject_name, "kpi": names[kpi_code], "kpi_code": kpi_code,
                "target_period": period,
                "current_value": f"{active.value.normalize():f}" if active is not None else "",
                "requested_value": f"{value.normalize():f}", "reason": reason or _("期间开始后修改目标")},
    )
    target.approval = approval
    target.save(update_fields=["approval"])
    record_event(actor=actor, action="target.request_revision", obj=target, at=now,
                 after=snapshot(target, TARGET_AUDIT_FIELDS))
    return target


def target_revision_outcome(request, outcome: str) -> None:
    """The approval engine's final decision on a target revision, in its transaction: approved, the
    pending target becomes active and the earlier one is superseded; rejected, it is kept as
    rejected and the earlier one stays."""
    target = Target.objects.select_for_update().filter(approval_id=request.pk).first()
    if target is None or target.status != TargetStatus.PENDING:
        return
    step = request.steps.filter(decided_by__isnull=False).select_related("decided_by").order_by("-position").first()
    actor = step.decided_by if step is not None else None
    at = step.decided_at if step is not None else timezone.now()
    if outcome == "approved":
        subject = Q(person_id=target.person_id) if target.person_id else Q(unit_id=target.unit_id)
        for old in Target.objects.select_for_update().filter(subject, kpi_code=target.kpi_code, period=target.period,
                                                             status=TargetStatus.ACTIVE):
            TARGET.apply(old, "supersede", actor=actor, audit_fields=TARGET_AUDIT_FIELDS, at=at,
                         extra={"approval_id": request.pk})
        TARGET.apply(target, "approve", actor=actor, audit_fields=TARGET_AUDIT_FIELDS, at=at)
    else:
        TARGET.apply(target, "reject", actor=actor, audit_fields=TARGET_AUDIT_FIELDS, at=at)


# --- appraisal cycles (DESIGN.md 2.11) ------------------------------------------------------------
APPRAISAL_AUDIT_FIELDS = ["cycle", "person", "status", "kpi_score", "adjustment", "score", "rank", "bonus_base",
                          "bonus_factor", "bonus_proration", "bonus_forfeited", "bonus_amount"]
CYCLE_AUDIT_FIELDS = ["role", "period", "kind", "scope_unit", "status", "approval", "due_on"]
COMPUTED_FIELDS = ["kpis", "kpi_score", "adjustment", "score", "bonus_base", "bonus_factor", "bonus_proration",
                   "bonus_forfeited", "bonus_amount", "bonus_reasons", "details", "computed_at"]


def results_due_on(period: str, due_day: int) -> dt.date:
    """The policy day of the month after the period (results due by the 10th of the next month)."""
    end = parse_period(period).end
    return add_months(month_start(end), 1).replace(day=due_day)


def _scheme_snapshot(scheme) -> dict:
    return {"role": str(scheme.role), "period": str(scheme.period), "kind": str(scheme.kind),
            "kpis": [{"code": k.code, "name": k.name, "weight": f"{k.weight.normalize():f}", "source": str(k.source),
                      "scoring": str(k.scoring)} for k in scheme.kpis]}


@transaction.atomic
def cycle_create(*, actor, role: str, period: str, scope_unit: Unit, kind: str = SchemeKind.REGULAR,
                 person_ids: list[int] | None = None, now: dt.datetime | None = None) -> AppraisalCycle:
    """Open an appraisal cycle: one appraisal per person holding `role` in `scope_unit`'s subtree
    (for a probation cycle, the `person_ids` named), scored at once with the scheme in force on the
    period's first day. A person who left before the period started is not appraised."""
    require_permission(can_run_cycle_over(actor, scope_unit))
    now = now or timezone.now()
    if role not in Role.values:
        raise validation_error("role", _("未知的角色“%(role)s”") % {"role": role})
    if kind not in SchemeKind.values:
        raise validation_error("kind", _("未知的考核类型“%(kind)s”") % {"kind": kind})
    period = normalise_period(period)
    window = parse_period(period)
    policy = policy_for(actor.organization_id, on=window.start)
    scheme = policy.appraisal.scheme_for(role, scoring.period_kind(period), kind)
    if scheme is None:
        raise validation_error("role", _("制度中没有“%(role)s”按%(period)s考核的%(kind)s方案") % {
            "role": Role(role).label, "period": Period(scoring.period_kind(period)).label,
            "kind": SchemeKind(kind).label})
    if AppraisalCycle.objects.filter(organization_id=actor.organization_id, role=role, period=period, kind=kind,
                                     scope_unit=scope_unit).exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("该范围本期的考核已发起"),
                               {"fields": {"period": [_("该范围本期的考核已发起")]}})
    holders = scoring.role_paths(actor.organization_id, role, scope_unit)
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(holders), organization_id=actor.organization_id)
              if (p.is_active and (p.left_on is None or p.left_on >= window.start))
              or (p.left_on is not None and p.left_on >= window.start)}
    if kind == SchemeKind.PROBATION:
        if not person_ids:
            raise validation_error("person_ids", _("试用期考核须选择被考核人"))
        missing = [pid for pid in person_ids if pid not in people]
        if missing:
            raise validation_error("person_ids", _("以下人员不在范围内或不担任该角色：%(ids)s") % {
                "ids": ", ".join(str(pid) for pid in missing)})
        people = {pid: people[pid] for pid in person_ids}
    if not people:
        raise validation_error("scope_unit_id", _("范围内没有担任“%(role)s”的人员") % {"role": Role(role).label})
    unit_paths = {path: None for paths in holders.values() for path in paths}
    units = {u.path: u for u in Unit.objects.filter(organization_id=actor.organization_id, path__in=list(unit_paths))}
    cycle = AppraisalCycle(
        organization_id=actor.organization_id, role=role, period=period, kind=kind, scope_unit=scope_unit,
        scheme=_scheme_snapshot(scheme), status=CycleStatus.OPEN,
        due_on=results_due_on(period, policy.appraisal.results_due_day), created_by=actor, created_at=now,
    )
    full_clean_or_refuse(cycle)
    cycle.save()
    record_event(actor=actor, action="appraisal_cycle.create", obj=cycle, at=now,
                 after=snapshot(cycle, CYCLE_AUDIT_FIELDS))
    appraisals = [
        Appraisal(organization_id=actor.organization_id, cycle=cycle, person=person,
                  scope_unit=units[holders[person.pk][0]], status=AppraisalStatus.OPEN)
        for person in sorted(people.values(), key=lambda p: p.username)
    ]
    created = Appraisal.objects.bulk_create(appraisals)
    record_events(actor=actor, action="appraisal.create", objects=created, at=now,
                  after=[snapshot(a, APPRAISAL_AUDIT_FIELDS) for a in created])
    cycle_compute(actor=actor, cycle=cycle, now=now)
    return cycle


@transaction.atomic
def cycle_compute(*, actor, cycle: AppraisalCycle, appraisal_ids: list[int] | None = None,
                  now: dt.datetime | None = None) -> list[Appraisal]:
    """(Re)score the cycle's open appraisals (or those of `appraisal_ids`) from today's figures, then
    rank the whole cycle. A fixed number of queries whatever the number of people; every change
    is audited with its before and after."""
    require_permission(can_run_cycle_over(actor, cycle.scope_unit))
    now = now or timezone.now()
    window = parse_period(cycle.period)
    policy = policy_for(cycle.organization_id, on=window.start)
    everyone = list(Appraisal.objects.filter(cycle=cycle).select_related("person").select_for_update(of=("self",)))
    wanted = [a for a in everyone if a.status == AppraisalStatus.OPEN
              and (appraisal_ids is None or a.pk in set(appraisal_ids))]
    if not wanted:
        return []
    for appraisal in wanted:
        appraisal.cycle = cycle
    facts = scoring.gather(cycle, wanted, today=timezone.localdate(now), policy=policy)
    before = [snapshot(a, APPRAISAL_AUDIT_FIELDS) for a in wanted]
    for appraisal in wanted:
        scoring.score_appraisal(facts, appraisal, policy, window)
        appraisal.computed_at = now
    ranks = competition_ranks({a.pk: a.score for a in everyone})
    for appraisal in everyone:
        appraisal.rank = ranks.get(appraisal.pk)
    Appraisal.objects.bulk_update(wanted, COMPUTED_FIELDS, batch_size=CHUNK)
    Appraisal.objects.bulk_update(everyone, ["rank"], batch_size=CHUNK)
    record_events(actor=actor, action="appraisal.compute", objects=wanted, at=now, before=before,
                  after=[snapshot(a, APPRAISAL_AUDIT_FIELDS) for a in wanted])
    cycle.computed_at = now
    cycle.save(update_fields=["computed_at"])
    return wanted


@transaction.atomic
def manual_scores_set(*, actor, appraisal: Appraisal, scores: list[dict], now: dt.datetime | None = None) -> Appraisal:
    """Score the appraisal's manual KPIs (`[{kpi_code, score, note}]`, 0..100, one decimal) and
    recompute it. Only manual KPIs of the cycle's scheme, only while the appraisal is open."""
    cycle = appraisal.cycle
    require_permission(can_run_cycle_over(actor, cycle.scope_unit))
    if appraisal.person_id == actor.pk:
        deny_permission()
    now = now or timezone.now()
    if appraisal.status != AppraisalStatus.OPEN:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("考核当前状态为“%(status)s”，不能评分") % {
            "status": appraisal.get_status_display()})
    manual = {k["code"]: k for k in cycle.scheme.get("kpis", []) if k["source"] == KpiSource.MANUAL}
    if not isinstance(scores, list) or not scores:
        raise validation_error("scores", _("请至少填写一项评分"))
    cleaned = {}
    for index, entry in enumerate(scores):
        code = str((entry or {}).get("kpi_code") or "")
        if code not in manual:
            raise validation_error(f"{index}.kpi_code", _("“%(code)s”不是本考核的人工评分指标") % {"code": code})
        value = parse_number(entry.get("score"), f"{index}.score", places=1)
        if value < 0 or value > 100:
            raise validation_error(f"{index}.score", _("得分必须在 0 到 100 之间"))
        note = str(entry.get("note") or "").strip()
        if len(note) > 500:
            raise validation_error(f"{index}.note", _("说明最多 500 字"))
        cleaned[code] = (value, note)
    existing = {m.kpi_code: m for m in ManualScore.objects.select_for_update().filter(appraisal=appraisal)}
    for code, (value, note) in cleaned.items():
        current = existing.get(code)
        before = {"score": f"{current.score}", "note": current.note} if current else None
        if current is None:
            current = ManualScore(appraisal=appraisal, kpi_code=code, score=value, note=note, set_by=actor, set_at=now)
        else:
            current.score, current.note, current.set_by, current.set_at = value, note, actor, now
        current.save()
        record_event(actor=actor, action="appraisal.manual_score", obj=appraisal, at=now, before=before,
                     after={"kpi_code": code, "score": f"{value}", "note": note})
    cycle_compute(actor=actor, cycle=cycle, appraisal_ids=[appraisal.pk], now=now)
    appraisal.refresh_from_db()
    return appraisal
