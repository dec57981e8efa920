"""Writing training: needs surveys and their responses, sessions with invitees, attendance and test
scores (the pass mark from the policy). Atomic and audited; invitees are told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import deny_permission, validation_error
from dudao.core.periods import normalise_period
from dudao.notifications.services import notify
from dudao.org.models import Person
from dudao.policies.registry import policy_for

from .models import Invitee, Session, Survey, SurveyResponse
from .permissions import can_organise

SESSION_FIELDS = ["title", "scope_unit", "starts_at", "trainer", "item_codes", "attendance_recorded_at"]


def _text(value, field: str, *, limit: int, required: str | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise validation_error(field, required)
    if len(text) > limit:
        raise validation_error(field, _("最多 %(n)s 字") % {"n": limit})
    return text


@transaction.atomic
def survey_create(*, actor, title: str, period: str, scope_unit, questions: list, now=None) -> Survey:
    if not can_organise(actor, scope_unit):
        deny_permission()
    title = _text(title, "title", limit=200, required=_("请填写标题"))
    period = normalise_period(period)
    if not isinstance(questions, list) or not questions:
        raise validation_error("questions", _("请至少填写一个问题"))
    cleaned = [_text(q, f"questions.{i}", limit=300, required=_("问题不能为空")) for i, q in enumerate(questions)]
    survey = Survey.objects.create(organization_id=actor.organization_id, title=title, period=period,
                                   scope_unit=scope_unit, questions=cleaned, created_by=actor,
                                   created_at=now or timezone.now())
    record_event(actor=actor, action="survey.create", obj=survey,
                 after={"title": title, "period": period, "scope_unit": scope_unit.pk, "questions": cleaned})
    return survey


@transaction.atomic
def survey_respond(*, actor, survey: Survey, answers: list, now=None) -> SurveyResponse:
    """One response per person (a second replaces the first)."""
    if not isinstance(answers, list) or len(answers) != len(survey.questions):
        raise validation_error("answers", _("须回答全部 %(n)s 个问题（可留空）") % {"n": len(survey.questions)})
    cleaned = [_text(a, f"answers.{i}", limit=1000) for i, a in enumerate(answers)]
    now = now or timezone.now()
    response, created = SurveyResponse.objects.update_or_create(
        survey=survey, person=actor, defaults={"answers": cleaned, "answered_at": now})
    record_event(actor=actor, action="survey.respond", obj=survey, at=now,
                 after={"person": actor.pk, "answers": cleaned, "replaced": not created})
    return response


@transaction.atomic
def session_create(*, actor, title: str, scope_unit, starts_at: dt.datetime, trainer: Person,
                   invitees: list[Person], item_codes: list[str] | None = None, now=None) -> Session:
    if not can_organise(actor, scope_unit):
        deny_permission()
    title = _text(title, "title", limit=200, required=_("请填写标题"))
    if trainer.organization_id != actor.organization_id or not trainer.is_active:
        raise validation_error("trainer_id", _("讲师必须是本单位在职人员"))
    people = {p.pk: p for p in invitees}
    if not people:
        raise validation_error("invitee_ids", _("请至少邀请一人"))
    strangers = [p.pk for p in people.values() if p.organization_id != actor.organization_id or not p.is_active]
    if strangers:
        raise validation_error("invitee_ids", _("以下人员不存在或已离职：%(ids)s") % {"ids": ", ".join(map(str, strangers))})
    codes = [_text(c, "item_codes", limit=50) for c in (item_codes or []) if str(c or "").strip()]
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
    if value is None or value == "":
        return None
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise validation_error(field, _("成绩必须是数字")) from None
    if not score.is_finite() or score < 0 or score > 100:
        raise validation_error(field, _("成绩必须在 0 到 100 之间"))
    return score.quantize(Decimal("0.1"))


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


