"""Training API (DESIGN.md section 5): surveys, proposals, sessions and attendance."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.core.periods import Period, add_months, month_start
from dudao.org.models import Person, Unit

from . import selectors, services
from .models import Session, Survey
from .permissions import can_view_training
from .schemas import (
    AttendanceIn,
    ProposalOut,
    ReportOut,
    ResponseIn,
    ResponseOut,
    SessionIn,
    SessionOut,
    SurveyIn,
    SurveyOut,
)

router = Router(tags=["training"])


def _people(actor, ids: list[int], field: str) -> list[Person]:
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids, organization_id=actor.organization_id)}
    missing = [pk for pk in dict.fromkeys(ids) if pk not in found]
    if missing:
        raise validation_error(field, _("人员不存在：%(ids)s") % {"ids": ", ".join(map(str, missing))})
    return [found[pk] for pk in dict.fromkeys(ids)]


@router.post("/surveys", response={201: SurveyOut})
def survey_create(request, payload: SurveyIn):
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    questions = [q if isinstance(q, str) else q.dict() for q in payload.questions]
    return Status(201, services.survey_create(actor=actor, title=payload.title, period=payload.period,
                                              scope_unit=unit, questions=questions))


@router.post("/surveys/{survey_id}/responses", response={201: ResponseOut})
def survey_respond(request, survey_id: int, payload: ResponseIn):
    actor = actor_of(request)
    survey = get_for_actor(Survey, actor, survey_id)
    response = services.survey_respond(actor=actor, survey=survey, answers=[a if a is not None else "" for a in payload.answers])
    return Status(201, {"survey_id": survey.pk, "person_id": actor.pk, "answers": response.answers})


@router.get("/surveys/{survey_id}/report", response=ReportOut)
def survey_report(request, survey_id: int):
    """The needs report: every answer per question and the most common ones (organisers only)."""
    actor = actor_of(request)
    survey = get_for_actor(Survey.objects.select_related("scope_unit"), actor, survey_id, action="manage")
    return selectors.survey_report(survey)


@router.get("/proposals", response=list[ProposalOut])
def proposals(request, scope_unit_id: int, date_from: str | None = Query(None, alias="from"),
              date_to: str | None = Query(None, alias="to")):
    """Training proposed from the most failed checklist items in the scope and dates."""
    import datetime as dt

    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, scope_unit_id)
    if not can_view_training(actor):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(date_from) if date_from else add_months(month_start(today), -3)
    except ValueError:
        raise validation_error("from", _("日期格式应为 YYYY-MM-DD")) from None
    try:
        end = dt.date.fromisoformat(date_to) if date_to else today
    except ValueError:
        raise validation_error("to", _("日期格式应为 YYYY-MM-DD")) from None
    if end < start:
        raise validation_error("to", _("结束日期不能早于开始日期"))
    return selectors.proposals(unit, Period(start, end), on=today)


@router.post("/sessions", response={201: SessionOut})
def session_create(request, payload: SessionIn):
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.scope_unit_id)
    trainer = _people(actor, [payload.trainer_id], "trainer_id")[0]
    session = services.session_create(actor=actor, title=payload.title, scope_unit=unit, starts_at=payload.starts_at,
                                      trainer=trainer, invitees=_people(actor, payload.invitee_ids, "invitee_ids"),
                                      item_codes=payload.item_codes)
    return Status(201, session)


@router.get("/sessions", response=list[SessionOut])
@paginate(Pagination)
def session_list(request):
    return Session.objects.visible_to(actor_of(request)).distinct().order_by("-starts_at", "-id")


@router.get("/sessions/{session_id}", response=SessionOut)
def session_detail(request, session_id: int):
    return get_for_actor(Session.objects.distinct(), actor_of(request), session_id)


@router.put("/sessions/{session_id}/attendance", response=SessionOut)
def session_attendance(request, session_id: int, payload: list[AttendanceIn]):
    """`[{person_id, attended, test_score}]`; the pass mark is the policy's."""
    actor = actor_of(request)
    session = get_for_actor(Session.objects.distinct(), actor, session_id, action="manage")
    services.attendance_record(actor=actor, session=session, rows=[row.dict() for row in payload])
    return get_for_actor(Session.objects.distinct(), actor, session_id)


