"""Demo training of the demo restaurant chain, made through the real services.

Near the end of last month the operations manager planned a session from the most failed checklist
items of the demo's inspections (the proposals, one definition in `dudao.facts`), inviting the
supervisors and the managers of the stores where those items failed; attendance and test scores
were recorded against the policy's pass mark, so last month's supervisors' appraisal has its
training KPI (`training_attendance`). This quarter's needs survey has a few answers.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.core.periods import Period, add_months, month_end
from dudao.org.choices import Role
from dudao.org.models import Person, RoleAssignment

from . import selectors, services

# username -> (attended, test score); everyone else invited attended and scored 80.
ATTENDANCE = {"supervisor1": (True, 92), "supervisor2": (True, 76), "supervisor3": (False, None),
              "store02": (True, 55), "store06": (True, 68)}
SURVEY_QUESTIONS = ["本季度门店最需要加强的培训内容是什么？", "希望采用哪种培训方式（集中授课、到店带教、线上课程）？",
                    "对上季度培训有什么意见或建议？"]
SURVEY_ANSWERS = {
    "store01": ["收银差异处理与交接班点钞", "到店带教", "希望多一些实操演练"],
    "store02": ["冷藏设备温度记录与食品留样", "到店带教", ""],
    "store06": ["冷藏设备温度记录与食品留样", "集中授课", "课程时间尽量避开午市"],
    "supervisor1": ["外卖包装与出餐检查", "线上课程", "考试题目可以更贴近门店实际"],
}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load_demo(context) -> None:
    people = context.people
    root = next((u for u in context.units.values() if u.parent_id is None), None)
    ops = people.get("ops")
    if root is None or ops is None:
        return
    today = timezone.localdate()
    last_day = month_end(add_months(today.replace(day=1), -1))
    planned_on = last_day - dt.timedelta(days=3)
    rows = selectors.proposals(root, Period(today - dt.timedelta(days=60), planned_on), on=planned_on)
    if not rows:  # too early in the demo's history: plan from what the inspections found so far
        rows = selectors.proposals(root, Period(today - dt.timedelta(days=60), today), on=today)
    top = rows[:3]
    failing_units = {unit_id for row in top for unit_id in row["unit_ids"]}
    invited = {p.pk: p for p in Person.objects.filter(
        organization=context.organization, is_active=True, role_assignments__role=Role.SUPERVISOR).distinct()}
    for assignment in RoleAssignment.objects.filter(role=Role.UNIT_MANAGER, unit_id__in=failing_units,
                                                    person__is_active=True).select_related("person"):
        invited[assignment.person_id] = assignment.person
    starts_at = _at(last_day - dt.timedelta(days=1), 14)
    title = f"高频失分项专项培训（{len(top)} 项）" if top else "门店运营标准培训"
    session = services.session_create(
        actor=ops, title=title, scope_unit=root, starts_at=starts_at, trainer=people.get("depthead") or ops,
        invitees=sorted(invited.values(), key=lambda p: p.username), item_codes=[row["item_code"] for row in top],
        now=_at(planned_on, 10))
    services.attendance_record(actor=ops, session=session, now=starts_at + dt.timedelta(hours=3), rows=[
        {"person_id": person.pk, "attended": ATTENDANCE.get(person.username, (True, 80))[0],
         "test_score": ATTENDANCE.get(person.username, (True, 80))[1]} for person in invited.values()])

    # This quarter's needs survey, answered by a few managers and a supervisor.
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    opened = timezone.now() - dt.timedelta(days=5)
    survey = services.survey_create(actor=ops, title=f"{quarter} 培训需求调查", period=quarter, scope_unit=root,
                                    questions=SURVEY_QUESTIONS, now=opened)
    for offset, (username, answers) in enumerate(SURVEY_ANSWERS.items(), start=1):
        if username in people:
            services.survey_respond(actor=people[username], survey=survey, answers=answers,
                                    now=opened + dt.timedelta(hours=5 * offset))
