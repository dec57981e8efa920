"""Needs surveys: typed questions (single, multiple, text) in a period of the policy's kind, answers
checked against their question, the report's counts per option, the report sent to the training
department, the reminder once per period without a survey; the pages with their matrices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dudao.core.errors import ApplicationError
from dudao.core.jobs import REGISTRY
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, PageFormMatrix, PageListMatrix, PageObjectMatrix
from dudao.notifications.models import Notification
from dudao.training import selectors, services
from dudao.training.models import Survey, SurveyResponse

APRIL = timezone.make_aware(dt.datetime(2025, 4, 2, 10))
QUESTIONS = [
    {"text": "最需要哪方面的培训", "kind": "single", "options": ["食品安全", "服务礼仪", "收银操作"]},
    {"text": "方便的时间", "kind": "multiple", "options": ["周一上午", "周二下午", "周三晚上"]},
    {"text": "其他建议", "kind": "text"},
]


def survey_of(world, actor="hr", scope="east") -> Survey:
    found = Survey.objects.filter(organization_id=world.person(actor).organization_id).first()
    return found or services.survey_create(actor=world.person(actor), title="二季度培训需求调查", period="2025-Q2",
                                           scope_unit=world.unit(scope), questions=QUESTIONS, now=APRIL)


def other_org_survey(world) -> Survey:
    return survey_of(world, actor="b_admin", scope="b_root")


def state():
    return (Survey.objects.count(), list(SurveyResponse.objects.order_by("pk").values_list("answers", flat=True)),
            list(Survey.objects.order_by("pk").values_list("report_sent_at", flat=True)),
            Notification.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_a_survey_has_typed_questions_and_asks_everyone_in_its_scope(world):
    survey = survey_of(world)
    assert selectors.survey_questions(survey)[1] == QUESTIONS[1]
    assert selectors.survey_questions(survey)[2] == {"text": "其他建议", "kind": "text", "options": []}
    asked = {n.recipient.username for n in Notification.objects.filter(kind="training.survey")}
    assert asked == {"supervisor", "region_manager", "unit_manager", "staff"}
    assert Notification.objects.filter(kind="training.survey").first().url == f"/training/surveys/{survey.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize(("period", "questions", "field"), [
    ("2025-04", QUESTIONS, "period"),  # the policy surveys by quarter
    ("2025", QUESTIONS, "period"),
    ("2025-Q2", [{"text": "选一个", "kind": "single", "options": ["只有一个"]}], "questions.0.options"),
    ("2025-Q2", [{"text": "选一个", "kind": "multiple", "options": ["同", "同"]}], "questions.0.options"),
    ("2025-Q2", [{"text": "打分", "kind": "scale"}], "questions.0.kind"),
    ("2025-Q2", [{"text": " ", "kind": "text"}], "questions.0.text"),
    ("2025-Q2", [], "questions"),
])
def test_a_bad_survey_names_the_field_and_changes_nothing(world, period, questions, field):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.survey_create(actor=world.person("hr"), title="调查", period=period, scope_unit=world.unit("east"),
                               questions=questions, now=APRIL)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_the_period_refusal_proposes_the_current_period(world):
    with pytest.raises(ApplicationError) as refused:
        services.survey_create(actor=world.person("hr"), title="调查", period="2025-04", scope_unit=world.unit("east"),
                               questions=QUESTIONS, now=APRIL)
    assert "季度" in refused.value.message and "2025-Q2" in refused.value.message
    assert selectors.current_survey_period(world.org.pk, dt.date(2026, 12, 6)) == "2026-Q4"


@pytest.mark.django_db
def test_answers_are_checked_against_their_question_and_counted_per_option(world):
    survey = survey_of(world)
    services.survey_respond(actor=world.person("staff"), survey=survey,
                            answers=["食品安全", ["周二下午", "周一上午"], "希望有实操"])
    services.survey_respond(actor=world.person("unit_manager"), survey=survey, answers=["食品安全", ["周二下午"], ""])
    services.survey_respond(actor=world.person("supervisor"), survey=survey, answers=["", [], "多讲案例"])
    stored = SurveyResponse.objects.get(person=world.people["staff"]).answers
    assert stored[1] == ["周一上午", "周二下午"]  # in the options' order
    report = selectors.survey_report(survey)
    assert report["responses"] == 3
    single, multiple, text = report["questions"]
    assert single["options"] == [{"option": "食品安全", "count": 2}, {"option": "服务礼仪", "count": 0},
                                 {"option": "收银操作", "count": 0}]
    assert (single["answered"], multiple["answered"]) == (2, 2)
    assert [o["count"] for o in multiple["options"]] == [1, 2, 0]
    assert text["answers"] == ["希望有实操", "多讲案例"]


@pytest.mark.django_db
@pytest.mark.parametrize(("answers", "field"), [
    (["火锅", [], ""], "answers.0"),
    (["食品安全", ["周五"], ""], "answers.1"),
    ([["食品安全"], [], ""], "answers.0"),
    (["", [], ""], "answers"),
    (["食品安全"], "answers"),
])
def test_a_bad_answer_names_the_question_and_changes_nothing(world, answers, field):
    survey = survey_of(world)
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.survey_respond(actor=world.person("staff"), survey=survey, answers=answers)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_the_report_goes_to_the_training_department(world):
    survey = survey_of(world)
    before = state()
    with pytest.raises(ApplicationError):
        services.survey_report_send(actor=world.person("staff"), survey=survey)
    assert state() == before
    assert services.survey_report_send(actor=world.person("supervisor"), survey=survey, now=APRIL) == 1
    survey.refresh_from_db()
    assert survey.report_sent_at == APRIL
    sent = Notification.objects.get(kind="training.survey_report")
    assert (sent.recipient.username, sent.url) == ("hr", f"/training/surveys/{survey.pk}/report/")
    assert AuditEvent.objects.get(action="survey.report_sent").after["recipients"] == [world.people["hr"].pk]


@pytest.mark.django_db
def test_a_period_without_a_survey_is_reminded_once(world):
    assert "training_survey_reminders" in REGISTRY
    assert services.survey_reminders_send(now=APRIL) == 1
    told = Notification.objects.filter(kind="training.survey_missing")
    assert {n.recipient.username for n in told} == {"ops_manager", "department_head"}
    assert "2025-Q2" in told.first().title
    assert services.survey_reminders_send(now=APRIL + dt.timedelta(days=1)) == 0  # once per period
    survey_of(world)  # the next period has its survey in time
    services.survey_create(actor=world.person("hr"), title="三季度", period="2025-Q3", scope_unit=world.unit("root"),
                           questions=["想学什么"], now=APRIL)
    assert services.survey_reminders_send(now=APRIL + dt.timedelta(days=95)) == 0
    assert services.survey_reminders_send(now=APRIL + dt.timedelta(days=190)) == 1  # 2025-Q4 has none


def test_typed_questions_and_list_answers_through_the_api(live_world, api_for):
    world = live_world
    hr, staff = api_for(world.person("hr")), api_for(world.person("staff"))
    created = hr.post(API_PREFIX + "/training/surveys", json={
        "title": "需求", "period": "2026-Q4", "scope_unit_id": world.units["east"].pk, "questions": QUESTIONS})
    assert created.status_code == 201, created.text
    assert created.json()["questions"][0]["options"] == QUESTIONS[0]["options"]
    survey_id = created.json()["id"]
    answered = staff.post(API_PREFIX + f"/training/surveys/{survey_id}/responses",
                          json={"answers": ["服务礼仪", ["周三晚上"], None]})
    assert answered.status_code == 201, answered.text
    report = hr.get(API_PREFIX + f"/training/surveys/{survey_id}/report").json()
    assert report["questions"][1]["options"][2] == {"option": "周三晚上", "count": 1}
    wrong = staff.post(API_PREFIX + f"/training/surveys/{survey_id}/responses", json={"answers": ["火锅", [], ""]})
    assert wrong.status_code == 422 and "answers.0" in wrong.json()["detail"]["fields"]


# --- pages ----------------------------------------------------------------------------------
class _Survey:
    in_scope = "hr"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return survey_of(world)

    def other_org_target(self, world):
        return other_org_survey(world)

    def marker(self, target):
        return reverse("training:survey-answer", args=[target.pk])

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestSurveyListPage(_Survey, PageListMatrix):
    url_name = "training:survey-list"
    in_scope = "staff"  # works in the survey's scope

    def url(self, world, target):
        return reverse(self.url_name)


class TestSurveyCreatePage(PageFormMatrix):
    url_name = "training:survey-create"
    in_scope = "hr"
    out_of_scope = "unit_manager"


class TestSurveyAnswerPage(_Survey, PageObjectMatrix):
    url_name = "training:survey-answer"
    in_scope = "staff"
    method = "post"
    success_status = 302

    def data(self, world, target):
        return {"a-0": "服务礼仪", "a-1": ["周一上午", "周三晚上"], "a-2": "多一些实操"}

    def check_success(self, world, target, response):
        answers = SurveyResponse.objects.get(survey=target, person=world.people["staff"]).answers
        assert answers == ["服务礼仪", ["周一上午", "周三晚上"], "多一些实操"]


class TestSurveyReportPage(_Survey, PageObjectMatrix):
    url_name = "training:survey-report"
    refused = ("staff", "unit_manager", "executive")

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert "食品安全" in text and "发送给培训部" in text


class TestSurveySendPage(_Survey, PageObjectMatrix):
    url_name = "training:survey-send"
    method = "post"
    success_status = 302
    in_scope = "supervisor"
    refused = ("staff", "executive")

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.report_sent_at is not None


def test_the_form_proposes_the_current_period_adds_a_question_and_creates_the_survey(world, client):
    client.force_login(world.person("hr"))
    form = client.get(reverse("training:survey-create")).content.decode()
    assert f'value="{selectors.current_survey_period(world.org.pk, timezone.localdate())}"' in form
    assert form.count('name="q-') == 9  # three blank questions, three fields each
    period = selectors.current_survey_period(world.org.pk, timezone.localdate())
    data = {"count": "3", "title": "门店需求", "period": period, "scope_unit": world.units["east"].pk,
            "q-0-text": "最需要的培训", "q-0-kind": "single", "q-0-options": "食品安全\r\n服务礼仪",
            "q-1-text": "建议", "q-1-kind": "text", "q-1-options": "", "q-2-text": "", "q-2-kind": "single"}
    grown = client.post(reverse("training:survey-create"), {**data, "add": "1"}).content.decode()
    assert grown.count('name="q-') == 12 and 'value="最需要的培训"' in grown and Survey.objects.count() == 0
    bad = client.post(reverse("training:survey-create"), {**data, "q-0-options": "食品安全"})
    assert bad.status_code == 200 and "至少需要两个不同的选项" in bad.content.decode() and Survey.objects.count() == 0
    response = client.post(reverse("training:survey-create"), data)
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:survey-report", args=[survey.pk])
    assert selectors.survey_questions(survey) == [
        {"text": "最需要的培训", "kind": "single", "options": ["食品安全", "服务礼仪"]},
        {"text": "建议", "kind": "text", "options": []}]


def test_the_answer_page_shows_the_previous_answer_and_refuses_a_stranger_option(world, client):
    survey = survey_of(world)
    services.survey_respond(actor=world.person("staff"), survey=survey, answers=["收银操作", ["周二下午"], "无"])
    client.force_login(world.person("staff"))
    page = client.get(reverse("training:survey-answer", args=[survey.pk])).content.decode()
    assert 'value="收银操作" checked' in page and 'value="周二下午" checked' in page and ">无</textarea>" in page
    before = state()
    refused = client.post(reverse("training:survey-answer", args=[survey.pk]), {"a-0": "火锅"})
    assert refused.status_code == 200 and "不是选项" in refused.content.decode()
    assert state() == before


def test_the_survey_list_does_not_grow_in_queries_with_the_surveys(world, client):
    client.force_login(world.person("hr"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("training:survey-list")).status_code == 200
        return len(queries)

    survey_of(world)
    count()
    small = count()
    for quarter in ("2025-Q3", "2025-Q4", "2026-Q1"):
        services.survey_create(actor=world.person("hr"), title=quarter, period=quarter, scope_unit=world.unit("root"),
                               questions=["想学什么"], now=APRIL)
    assert count() == small
