"""Demo meeting: last month's company operations meeting, held by the operations manager on the
month's last day over the month's cases (the critical and overdue findings, the lowest-scoring
inspections, a complaint when the incidents demo has one), with its minutes and three actions: one
done, one open and not yet due, one overdue (so the daily reminder has something to chase).
Through the real services, each at its time in the story."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import selectors, services
from .choices import CaseKind

MINUTES = """一、上月巡检情况：各区平均分基本稳定，个别门店得分偏低，问题集中在食品安全与设备维护。
二、严重及逾期问题：逐项说明原因，逾期整改由区域经理督促，一周内闭环。
三、顾客投诉：按时答复，涉及质量的问题转为整改项跟踪。
四、下月重点：低分门店复查，冷链设备专项检查。"""


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def load_demo(context) -> None:
    people = context.people
    ops = people.get("ops")
    root = next((u for u in context.units.values() if u.parent_id is None), None)
    if ops is None or root is None:
        return
    today = timezone.localdate()
    held_on = today.replace(day=1) - dt.timedelta(days=1)
    proposals = selectors.proposed_cases(ops, root, today=today)
    # A critical finding and an overdue one, the lowest inspection, a complaint (else a second inspection).
    findings = proposals.findings[:1] + proposals.findings[1:][-1:]
    picked = findings + proposals.inspections[:1] + proposals.incidents[:1]
    if len(picked) < 4:
        picked += proposals.inspections[1:2]
    ids = {kind: [p.record.pk for p in picked if p.kind == kind] for kind in CaseKind.values}
    notes = {f"{p.kind}:{p.record.pk}": str(p.reason) for p in picked}
    attendees = [people[name].pk for name in ("gm", "depthead", "region1", "region2", "region3", "supervisor1",
                                              "supervisor2") if name in people]
    meeting = services.meeting_create(
        actor=ops, title=f"{held_on:%Y年%m月}运营例会", held_on=held_on, scope_unit_id=root.pk,
        finding_ids=ids[CaseKind.FINDING], inspection_ids=ids[CaseKind.INSPECTION],
        incident_ids=ids[CaseKind.INCIDENT], attendee_ids=attendees, notes=notes, now=_at(held_on, 9))
    services.meeting_record_minutes(actor=ops, meeting=meeting, text=MINUTES, now=_at(held_on, 17))
    # Owners: the region manager and the store manager answerable for the first case's unit.
    first_unit = picked[0].record.unit if picked else None
    store_manager = None
    if first_unit is not None:
        from dudao.org.selectors import unit_managers

        managers = unit_managers([first_unit.pk])
        store_manager = managers[0] if managers else None
    region_manager = people.get("region1", ops)
    done = services.meeting_action_add(
        actor=ops, meeting=meeting, title="逾期整改逐项闭环，区域经理督促并反馈", owner_id=region_manager.pk,
        due_date=today + dt.timedelta(days=3), now=_at(held_on, 17))
    done_at = min(_at(held_on + dt.timedelta(days=1), 16), timezone.now() - dt.timedelta(hours=1))
    services.meeting_action_complete(actor=region_manager, action=done, note="已逐店督促，逾期问题全部关闭",
                                     now=max(done_at, _at(held_on, 18)))
    services.meeting_action_add(
        actor=ops, meeting=meeting, title="冷链设备专项检查方案", owner_id=people.get("supervisor1", ops).pk,
        due_date=today + dt.timedelta(days=10), now=_at(held_on, 17))
    services.meeting_action_add(
        actor=ops, meeting=meeting, title="低分门店整改复查并提交报告", owner_id=(store_manager or ops).pk,
        due_date=max(held_on, today - dt.timedelta(days=3)), now=_at(held_on, 17))
