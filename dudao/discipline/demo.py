"""Demo discipline ledger of the demo restaurant chain, made through the real services.

At 上海南京西路店 (S01), whose manager store01 handles its staff's violations: 陈员工 (staff01) was
late three times in one month, each signed by the party, the witness (a colleague, 刘员工, staff02)
and the handler, so their record shows one absence counted from lates; 刘员工 was fined with a yellow
card for an operating violation, and has an off-post record the witness has signed that waits for
their own signature. The supervisor recorded an operating violation of the store manager, who
appealed; the operations manager and HR upheld the appeal through the approval engine, so it is
overturned and counts for nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.approvals.services import approval_decide
from dudao.core.periods import add_months
from dudao.org.choices import Role
from dudao.org.services import person_create, role_grant

from . import services


def _month_start(today: dt.date) -> dt.date:
    """The month the lates fall in: this month once it has enough past days, else the last one."""
    first = today.replace(day=1)
    return first if today.day >= 10 else add_months(first, -1)


def load_demo(context) -> None:
    people, units = context.people, context.units
    if not all(name in people for name in ("store01", "staff01", "supervisor1", "ops", "hr")) or "S01" not in units:
        return
    store, handler, party, supervisor = units["S01"], people["store01"], people["staff01"], people["supervisor1"]
    colleague = person_create(actor=people["admin"], organization=context.organization, username="staff02",
                              display_name="刘员工", password=context.password,
                              email="staff02@demo.dudao.local")
    role_grant(actor=people["admin"], person=colleague, role=Role.STAFF, unit=store)
    people["staff02"] = colleague
    now = timezone.now()
    first = _month_start(timezone.localdate())

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(first.replace(day=day), dt.time(hour, minute)))

    def record(recorder, person, witness, kind, occurred_at, description, *, signed_by=(), **kwargs):
        violation, _created = services.violation_create(
            actor=recorder, person=person, unit=store, kind=kind, occurred_at=occurred_at, witness=witness,
            description=description, now=occurred_at + dt.timedelta(minutes=20), **kwargs)
        for offset, signer in enumerate(signed_by, start=1):
            violation = services.violation_confirm(actor=signer, violation=violation,
                                                   now=occurred_at + dt.timedelta(hours=offset))
        return violation

    # Three lates in one month, each signed by all three: one absence counted from lates.
    for day, (hour, minute), minutes_late in ((3, (9, 12), 12), (5, (9, 25), 25), (8, (9, 8), 8)):
        record(handler, party, colleague, "late", at(day, hour, minute),
               f"早班 9:00 上岗，实际到岗 {hour}:{minute:02d}，迟到 {minutes_late} 分钟。",
               signed_by=(party, colleague), card="blue")

    # A fine and a yellow card for an operating violation, signed by all three.
    record(handler, colleague, party, "operating", at(6, 11, 40),
           "切配生食后未更换砧板直接切熟食，违反生熟分开操作规范。", signed_by=(colleague, party),
           card="yellow", fine="50")

    # The supervisor's record of the store manager, appealed and overturned by ops and HR.
    manager_violation = record(supervisor, handler, party, "operating", at(4, 15, 0),
                               "巡店时发现冷藏柜温度记录未签字。", signed_by=(handler, party), fine="100")
    appeal = services.violation_appeal(actor=handler, violation=manager_violation,
                                       reason="当天温度记录已由值班主管签字，见附页记录本第 12 页；巡店时记录本不在柜台。",
                                       now=at(5, 10, 0))
    appeal = approval_decide(actor=people["ops"], approval=appeal, decision="approve",
                             comment="核对记录本，签字齐全，复议成立。", now=at(5, 16, 0))
    approval_decide(actor=people["hr"], approval=appeal, decision="approve", comment="同意撤销。", now=at(6, 10, 0))

    # Off post yesterday: the witness has signed, the party has not yet.
    off_post = now - dt.timedelta(days=1, hours=2)
    violation, _created = services.violation_create(
        actor=handler, person=colleague, unit=store, kind="off_post", occurred_at=off_post, witness=party,
        description="午市高峰离岗 25 分钟，未向当班主管报备。", now=off_post + dt.timedelta(minutes=30))
    services.violation_confirm(actor=party, violation=violation, now=off_post + dt.timedelta(hours=1))
