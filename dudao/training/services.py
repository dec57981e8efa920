"""Writing training: needs surveys and their responses, sessions with invitees, attendance and test
scores (the pass mark from the policy). Atomic and audited; invitees are told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import clean_text, deny_permission, validation_error
from dudao.core.numbers import parse_number
from dudao.core.periods import normalise_period
from dudao.notifications.services import notify
from dudao.org.models import Organization, Person, RoleAssignment
from dudao.org.selectors import RoleHolders
from dudao.policies.choices import Period as PolicyPeriod
from dudao.policies.registry import policy_for

from .models import Invitee, Session, Survey, SurveyResponse
from .permissions import can_organise
from .selectors import (
    QUESTION_KINDS,
    current_survey_period,
    period_kind,
    survey_period_kind,
    survey_questions,
)

SESSION_FIELDS = ["title", "scope_unit", "starts_at", "trainer", "item_codes", "attendance_recorded_at"]


MAX_QUESTIONS = 30
MAX_OPTIONS = 20


def _questions(questions) -> list[dict]:
    """Each question as {text, kind, options}: a plain string is a text question; a choice question
    (single or multiple) needs at least two distinct options. Each refusal names the question."""
    if not isinstance(questions, list) or not questions:
        raise validation_error("questions", _("请至少填写一个问题"))
    if len(questions) > MAX_QUESTIONS:
        raise validation_error("questions", _("最多 %(n)s 个问题") % {"n": MAX_QUESTIONS})
    cleaned = []
    for index, question in enumerate(questions):
        if isinstance(question, str):
            question = {"text": question, "kind": "text"}
        if not isinstance(question, dict):
            raise validation_error(f"questions.{index}", _("第 %(n)s 题：格式不正确") % {"n": index + 1})
        text = clean_text(question.get("text"), f"questions.{index}.text", limit=300,
                     required=_("第 %(n)s 题：问题不能为空") % {"n": index + 1})
        kind = str(question.get("kind") or "text")
        if kind not in QUESTION_KINDS:
            raise validation_error(f"questions.{index}.kind", _("第 %(n)s 题：题型应为单选、多选或填空") % {"n": index + 1})
        options: list[str] = []
        if kind != "text":
            for option in question.get("options") or []:
                option = clean_text(option, f"questions.{index}.options", limit=100)
                if option and option not in options:
                    options.append(option)
            if len(options) < 2:
                raise validation_error(f"questions.{index}.options",
                                       _("第 %(n)s 题：选择题至少需要两个不同的选项") % {"n": index + 1})
            if len(options) > MAX_OPTIONS:
                raise validation_error(f"questions.{index}.options",
                                       _("第 %(n)s 题：最多 %(max)s 个选项") % {"n": index + 1, "max": MAX_OPTIONS})
        cleaned.append({"text": text, "kind": kind, "options": options})
    return cleaned


def _survey_period(organization_id: int, period: str, today) -> str:
    """The survey's period, of the kind the policy names (`training.needs_survey_period`)."""
    period = normalise_period(period)
    kind = survey_period_kind(organization_id, today)
    if period_kind(period) != kind:
        example = current_survey_period(organization_id, today)
        raise validation_error("period", _("制度规定培训需求调查按%(kind)s进行，期间应写作 %(example)s 的形式") % {
            "kind": PolicyPeriod(kind).label, "example": example or "—"})
    return period


@transaction.atomic
def survey_create(*, actor, title: str, period: str, scope_unit, questions: list, now=None) -> Survey:
    """A needs survey of a period of the policy's kind for the people of `scope_unit`, with single
    choice, multiple choice and text questions (a plain string is a text question)."""
    if not can_organise(actor, scope_unit):
        deny_permission()
    now = now or timezone.now()
    title = clean_text(title, "title", limit=200, required=_("请填写标题"))
    period = _survey_period(actor.organization_id, period, timezone.localdate(now))
    cleaned = _questions(questions)
    survey = Survey.objects.create(organization_id=actor.organization_id, title=title, period=period,
                                   scope_unit=scope_unit, questions=cleaned, created_by=actor, created_at=now)
    record_event(actor=actor, action="survey.create", obj=survey, at=now,
                 after={"title": title, "period": period, "scope_unit": scope_unit.pk, "questions": cleaned})
    # Everyone working in the scope is asked to answer (the people the survey's scope admits).
    people = [a.person for a in RoleAssignment.objects.filter(
        organization_id=actor.organization_id, unit__path__startswith=scope_unit.path, person__is_active=True)
        .exclude(person_id=actor.pk).select_related("person").order_by("person_id")]
    notify(recipients=people, kind="training.survey", obj=survey, at=now, url=f"/training/surveys/{survey.pk}/",
           title=_("请填写培训需求调查：%(title)s（%(period)s）") % {"title": title, "period": period},
           dedupe_key=f"training:survey:{survey.pk}")
    return survey


def _answer(question: dict, value, index: int):
    """One answer checked against its question: an option of a single choice, options of a multiple
    choice, text of a text question; empty is allowed (a question may be skipped)."""
    field = f"answers.{index}"
    if question["kind"] == "multiple":
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        chosen = []
        for item in values:
            item = str(item or "").strip()
            if item and item not in question["options"]:
                raise validation_error(field, _("第 %(n)s 题：“%(value)s”不是选项") % {"n": index + 1, "value": item})
            if item and item not in chosen:
                chosen.append(item)
        return [option for option in question["options"] if option in chosen]
    if isinstance(value, list):
        raise validation_error(field, _("第 %(n)s 题只能有一个回答") % {"n": index + 1})
    text = clean_text(value, field, limit=1000)
    if question["kind"] == "single" and text and text not in question["options"]:
        raise validation_error(field, _("第 %(n)s 题：“%(value)s”不是选项") % {"n": index + 1, "value": text})
    return text


@transaction.atomic
def survey_respond(*, actor, survey: Survey, answers: list, now=None) -> SurveyResponse:
    """One response per person (a second replaces the first)."""
    questions = survey_questions(survey)
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise validation_error("answers", _("须回答全部 %(n)s 个问题（可留空）") % {"n": len(questions)})
    cleaned = [_answer(question, answer, i) for i, (question, answer) in enumerate(zip(questions, answers, strict=True))]
    if not any(a not in ("", []) for a in cleaned):
        raise validation_error("answers", _("请至少回答一个问题"))
    now = now or timezone.now()
    response, created = SurveyResponse.objects.update_or_create(
        survey=survey, person=actor, defaults={"answers": cleaned, "answered_at": now})
    record_event(actor=actor, action="survey.respond", obj=survey, at=now,
                 after={"person": actor.pk, "answers": cleaned, "replaced": not created})
    return response


# The training department: HR holds training in the packs' organisations (there is no role of its
# own); the report of a needs survey goes to them.
TRAINING_DEPARTMENT = ("hr",)


@transaction.atomic
def survey_report_send(*, actor, survey: Survey, now=None) -> int:
    """Send the survey's report to the training department (each HR holder gets a link to it);
    sending again after more answers came in tells them again. Returns how many were told."""
    survey = Survey.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=survey.pk)
    if not can_organise(actor, survey.scope_unit):
        deny_permission()
    holders = RoleHolders(survey.organization_id, TRAINING_DEPARTMENT)
    people = [a.person for role in TRAINING_DEPARTMENT for a in holders.holding(role)]
    if not people:
        raise validation_error("recipients", _("本单位还没有人事（培训）人员，无法发送"))
    now = now or timezone.now()
    before = {"report_sent_at": survey.report_sent_at}
    survey.report_sent_at = now
    survey.save(update_fields=["report_sent_at"])
    record_event(actor=actor, action="survey.report_sent", obj=survey, at=now, before=before,
                 after={"report_sent_at": now, "recipients": sorted({p.pk for p in people}),
                        "responses": survey.responses.count()})
    told = notify(recipients=people, kind="training.survey_report", obj=survey, at=now,
                  url=f"/training/surveys/{survey.pk}/report/",
                  title=_("培训需求调查报告：%(title)s（%(period)s）") % {"title": survey.title, "period": survey.period})
    return len(told)


# Who runs the needs survey: the operations manager and the management department (the seeds:
# 管理部每季度针对门店干部及员工展开培训需求调查, and reports the needs to the training department).
SURVEY_OWNERS = ("ops_manager", "department_head")


def survey_reminders_send(*, now=None) -> int:
    """Once per period: in every organisation whose current survey period (by the policy) has no
    needs survey yet, remind those who run it. Returns how many organisations were reminded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = 0
    for organization in Organization.objects.filter(is_active=True).order_by("pk"):
        period = current_survey_period(organization.pk, today)
        if period is None or Survey.objects.filter(organization_id=organization.pk, period=period).exists():
            continue
        holders = RoleHolders(organization.pk, SURVEY_OWNERS)
        people = [a.person for role in SURVEY_OWNERS for a in holders.holding(role)]
        with transaction.atomic():
            told = notify(recipients=people, kind="training.survey_missing", at=now, url="/training/surveys/new/",
                          title=_("%(period)s 还没有培训需求调查，请发起调查") % {"period": period},
                          dedupe_key=f"training:survey_missing:{organization.pk}:{period}")
        reminded += 1 if told else 0
    return reminded


@transaction.atomic
def session_create(*, actor, title: str, scope_unit, starts_at: dt.datetime, trainer: Person,
                   invitees: list[Person], item_codes: list[str] | None = None, now=None) -> Session:
    if not can_organise(actor, scope_unit):
        deny_permission()
    title = clean_text(title, "title", limit=200, required=_("请填写标题"))
    if trainer.organization_id != actor.organization_id or not trainer.is_active:
        raise validation_error("trainer_id", _("讲师必须是本单位在职人员"))
    people = {p.pk: p for p in invitees}
    if not people:
        raise validation_error("invitee_ids", _("请至少邀请一人"))
    strangers = [p.pk for p in people.values() if p.organization_id != actor.organization_id or not p.is_active]
    if strangers:
        raise validation_error("invitee_ids", _("以下人员不存在或已离职：%(ids)s") % {"ids": ", ".join(map(str, strangers))})
    codes = [clean_text(c, "item_codes", limit=50) for c in (item_codes or []) if str(c or "").strip()]
    now = now or timezone.now()
    session = Session.objects.create(organization_id=actor.organization_id, title=title, scope_unit=scope_unit,
                                     starts_at=starts_at, trainer=trainer, item_codes=codes, created_by=actor,
                                     created_at=now)
    Invitee.objects.bulk_create([Invitee(session=session, person=p) for p in people.values()])
    record_event(actor=actor, action="training_session.create", obj=session, at=now,
                 after={**snapshot(session, SESSION_FIELDS), "invitee_ids": sorted(people)})
    notify(recipients=list(people.values()), kind="training.invited", obj=session, at=now,
           url=f"/training/sessions/{session.pk}/",
           title=_("培训通知：%(title)s（%(when)s）") % {
               "title": title, "when": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")},
           dedupe_key=f"training:{session.pk}:invited")
    return session


def _score(value, field: str) -> Decimal | None:
    """A test score as typed, one decimal at most, within 0..100."""
    if value is None or value == "":
        return None
    score = parse_number(value, field, places=1)
    if score < 0 or score > 100:
        raise validation_error(field, _("成绩必须在 0 到 100 之间"))
    return score


@transaction.atomic
def attendance_record(*, actor, session: Session, rows: list[dict], now=None) -> Session:
    """Attendance and test scores of the invitees (`[{person_id, attended, test_score}]`); a score
    at or above the policy's pass mark passes. Someone not invited is refused, naming the row."""
    session = Session.objects.select_for_update(of=("self",)).select_related("scope_unit").get(pk=session.pk)
    if not can_organise(actor, session.scope_unit):
        deny_permission()
    invited = {i.person_id: i for i in session.invitees.all()}
    pass_mark = Decimal(policy_for(session.organization_id, on=timezone.localdate(session.starts_at))
                        .training.test_pass_score)
    if not isinstance(rows, list) or not rows:
        raise validation_error("rows", _("请至少登记一人"))
    changed = []
    for index, row in enumerate(rows):
        try:
            person_id = int((row or {}).get("person_id"))
        except (TypeError, ValueError):
            person_id = None
        invitee = invited.get(person_id)
        if invitee is None:
            raise validation_error(f"{index}.person_id", _("第 %(n)s 行：此人未受邀参加本次培训") % {"n": index + 1})
        attended = row.get("attended")
        if attended is None:
            raise validation_error(f"{index}.attended", _("第 %(n)s 行：请标明是否出勤") % {"n": index + 1})
        score = _score(row.get("test_score"), f"{index}.test_score")
        if score is not None and not attended:
            raise validation_error(f"{index}.test_score", _("第 %(n)s 行：缺勤不能有考试成绩") % {"n": index + 1})
        invitee.attended, invitee.test_score = bool(attended), score
        invitee.passed = None if score is None else score >= pass_mark
        changed.append(invitee)
    Invitee.objects.bulk_update(changed, ["attended", "test_score", "passed"])
    now = now or timezone.now()
    session.attendance_recorded_at = now
    session.save(update_fields=["attendance_recorded_at"])
    record_event(actor=actor, action="training_session.attendance", obj=session, at=now, after={
        "rows": [{"person_id": i.person_id, "attended": i.attended,
                  "test_score": None if i.test_score is None else f"{i.test_score}", "passed": i.passed}
                 for i in changed], "pass_mark": f"{pass_mark}"})
    return session


