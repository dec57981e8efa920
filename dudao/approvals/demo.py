"""Demo approval requests for the demo restaurant chain, made through the real services.

A 250-yuan purchase from 上海南京西路店 waits in the department head's inbox (then goes to the
operations manager); beside it, a request already approved, one halfway through its chain and
one rejected, so every state of the engine can be seen.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .services import approval_decide, approval_request_create


def load_demo(context) -> None:
    people, units = context.people, context.units
    now = timezone.now()

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    def request(requester, unit, kind, title, amount, detail, *, days_ago):
        return approval_request_create(
            actor=people[requester], kind=kind, title=title, amount=amount, unit=units[unit], detail=detail,
            now=ago(days_ago),
        )

    # Waiting for the department head: 250 yuan goes on to the operations manager.
    request("store01", "S01", "purchase", "冷柜压缩机继电器更换", 250,
            {"items": "压缩机启动继电器 2 个;温控器 1 个", "reason": "后厨冷柜温度偏高,维修师傅建议更换。",
             "supplier": "制冷设备维修部"}, days_ago=0.2)

    # Approved by the department head alone (200 yuan or less).
    posters = request("store02", "S02", "purchase", "门店宣传海报印制", 150,
                      {"items": "A1 海报 10 张", "reason": "新品上市宣传。"}, days_ago=5)
    approval_decide(actor=people["depthead"], approval=posters, decision="approve", comment="同意。", now=ago(4.5))

    # Half way: the department head agreed, the operations manager has not decided yet.
    chairs = request("store05", "S05", "asset_write_off", "破损餐椅报损", 280,
                     {"asset_name": "实木餐椅 4 把", "asset_code": "GZ-TH-CY-012~015",
                      "reason": "椅腿开裂,已无法修复,存在安全隐患。"}, days_ago=2)
    approval_decide(actor=people["depthead"], approval=chairs, decision="approve", comment="情况属实。",
                    now=ago(1.5))

    # Rejected at the first step, with the reason.
    party = request("store09", "S09", "activity_funds", "周年店庆活动经费", 1200,
                    {"activity": "周年店庆", "activity_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
                     "participants": 40, "purpose": "场地布置、礼品与试吃。"}, days_ago=3)
    approval_decide(actor=people["depthead"], approval=party, decision="reject",
                    comment="预算偏高,请压缩到 800 元以内并附报价单后重新申请。", now=ago(2.5))
