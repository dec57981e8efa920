"""Demo work plans of the demo restaurant chain, made through the real services.

The supervisors planned last week on its Monday and summarised it on Friday, each item marked done
or not with the reason and next step for the ones not done; supervisor3 has submitted last week's
plan but not summarised it yet (so a new user can try the summary and see an item without a reason
refused). This week's plans are submitted, and the department head's month plan is in.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import services

LAST_WEEK = {
    "supervisor1": [("完成华东区 4 家门店例行巡店", True, ""),
                    ("跟进上海淮海中路店冷藏柜整改复查", True, ""),
                    ("组织南京新街口店新员工岗前培训", False, "门店新员工入职推迟到下周一，培训顺延至下周二完成。"),
                    ("提交月度督导报告初稿", True, "")],
    "supervisor2": [("完成华南区门店例行巡店", True, ""),
                    ("深圳福田店食品安全专项复查", False, "门店冷库维修未完工，复查改在维修验收当天进行。"),
                    ("整理外卖包装投诉案例", True, "")],
    "supervisor3": [("完成华北区门店例行巡店", None, ""),
                    ("天津滨江道店收银差异核查", None, ""),
                    ("青岛台东店开业一周年活动检查", None, "")],
}
THIS_WEEK = {
    "supervisor1": ["南京新街口店新员工岗前培训（上周顺延）", "华东区门店例行巡店", "收银差异专项抽查"],
    "supervisor2": ["深圳福田店冷库维修验收与复查", "华南区门店例行巡店", "外卖包装改进方案跟进"],
    "supervisor3": ["华北区门店例行巡店", "北京国贸店服务流程辅导"],
}
DEPARTMENT_MONTH = ["汇总上月各区域督导报告并提交运营会", "修订门店运营检查表（冷链部分）", "完成季度门店干部评估"]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load_demo(context) -> None:
    people = context.people
    now = timezone.now()
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    last_monday = monday - dt.timedelta(days=7)
    this_week_at = min(_at(monday, 8, 30), now - dt.timedelta(minutes=30))
    for username, items in LAST_WEEK.items():
        person = people.get(username)
        if person is None or not person.is_active:
            continue
        plan = services.work_plan_create(actor=person, period_kind="week", period_start=last_monday,
                                         items=[{"title": title} for title, _done, _reason in items],
                                         now=_at(last_monday, 8, 30))
        plan = services.work_plan_submit(actor=person, plan=plan, now=_at(last_monday, 8, 45))
        if all(done is not None for _title, done, _reason in items):
            services.work_plan_summarise(
                actor=person, plan=plan, now=_at(last_monday + dt.timedelta(days=4), 18),
                items=[{"id": item.pk, "done": done, "reason": reason}
                       for item, (_title, done, reason) in zip(plan.items.order_by("position"), items, strict=True)],
                note="本周巡店计划按期完成，未完成事项已写明原因并顺延。")
        plan = services.work_plan_create(actor=person, period_kind="week", period_start=monday,
                                         items=[{"title": title} for title in THIS_WEEK[username]], now=this_week_at)
        services.work_plan_submit(actor=person, plan=plan, now=this_week_at + dt.timedelta(minutes=10))
    head = people.get("depthead")
    if head is not None:
        first = today.replace(day=1)
        month_at = min(_at(first, 9), now - dt.timedelta(minutes=20))
        plan = services.work_plan_create(actor=head, period_kind="month", period_start=first,
                                         items=[{"title": title} for title in DEPARTMENT_MONTH], now=month_at)
        services.work_plan_submit(actor=head, plan=plan, now=month_at + dt.timedelta(minutes=10))
