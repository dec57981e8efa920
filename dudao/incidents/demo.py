"""Demo incidents, complaints and inquiries of the demo restaurant chain, made through the real services.

A major incident at 深圳福田店 (S06) reported six hours after it happened (past the policy's four
hours: flagged late, with the early warning sent to the region manager, the operations manager and
the executive) and then handled; a complaint at 上海淮海中路店 (S02) answered the same day that the
supervisor turned into a finding; and an inquiry at 北京王府井店 (S09) still open, within its deadline.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import services


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load_demo(context) -> None:
    people, units = context.people, context.units
    if not all(code in units for code in ("S02", "S06", "S09")):
        return
    today = timezone.localdate()

    happened = _at(today - dt.timedelta(days=5), 10, 20)
    incident, _created = services.incident_report(
        actor=people["store06"], unit=units["S06"], kind="incident", severity="major", occurred_at=happened,
        description="后厨油锅起火，员工用灭火毯扑灭，一名厨师手臂轻度烫伤，已送医处理。\n门店午市暂停营业两小时。",
        now=happened + dt.timedelta(hours=6, minutes=10))
    services.incident_respond(actor=people["region2"], incident=incident,
                              note="已到店查看，伤员已返岗；排烟罩清洗及灭火器材检查今日完成，全区门店开展消防演练。",
                              now=happened + dt.timedelta(hours=9))

    came_in = _at(today - dt.timedelta(days=3), 12, 40)
    complaint, _created = services.incident_report(
        actor=people["store02"], unit=units["S02"], kind="complaint", severity="minor", occurred_at=came_in,
        description="顾客投诉外卖汤品洒漏，包装袋内全是汤汁。\n顾客要求退款并反映已是第二次。", quality=True,
        now=came_in + dt.timedelta(minutes=15))
    services.incident_respond(actor=people["store02"], incident=complaint,
                              note="已致电顾客致歉并全额退款；当日起外卖汤品加封口贴并套防漏袋。",
                              now=came_in + dt.timedelta(hours=3))
    services.incident_to_finding(actor=people["supervisor1"], incident=complaint, category="service_quality",
                                 severity="medium", now=came_in + dt.timedelta(hours=5))

    asked = timezone.now() - dt.timedelta(hours=2)
    services.incident_report(
        actor=people["store09"], unit=units["S09"], kind="inquiry", severity="minor", occurred_at=asked,
        description="顾客咨询包间能否承办 30 人的公司年会，以及是否提供定制菜单。", now=asked + dt.timedelta(minutes=5))
