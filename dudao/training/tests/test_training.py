"""Training: proposals from the most failed items, sessions with invitees, attendance and test
scores against the policy's pass mark, the attendance rate as the appraisal's training KPI, needs
surveys with their report; refusals and permission matrices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.analytics.tests.factories import Data
from dudao.appraisal import explain
from dudao.appraisal import services as appraisal
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.periods import Period
from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix
from dudao.inspections.models import Answer
from dudao.notifications.models import Notification
from dudao.training import selectors, services
from dudao.training.models import Invitee, Session, Survey

MARCH = timezone.make_aware(dt.datetime(2025, 3, 10, 14))


def session_of(world, *, organiser="hr", scope="root", invitees=("supervisor", "unit_manager")) -> Session:
    found = Session.objects.filter(organization_id=world.person(organiser).organization_id).first()
    return found or services.session_create(
        actor=world.person(organiser), title="冷链与留样规范", scope_unit=world.unit(scope), starts_at=MARCH,
        trainer=world.person("department_head" if organiser != "b_admin" else "b_admin"),
        invitees=[world.person(k) for k in invitees], item_codes=["C1"])


def other_org_session(world) -> Session:
    return session_of(world, organiser="b_admin", scope="b_root", invitees=("b_unit_manager",))


def survey_of(world, actor="hr", scope="root") -> Survey:
    found = Survey.objects.filter(organization_id=world.person(actor).organization_id).first()
    return found or services.survey_create(actor=world.person(actor), title="2025 年一季度培训需求", period="2025-Q1",
                                           scope_unit=world.unit(scope), questions=["最需要的培训", "希望的时间"])


def state():
    return (list(Invitee.objects.order_by("pk").values_list("attended", "test_score", "passed")),
            Session.objects.count(), Survey.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_proposals_name_the_most_failed_items_with_their_units_and_roles(world):
    data = Data(world)
    for unit in ("store1", "store2"):
        inspection = data.inspection(unit, "2025-03-05", "60.0")
        Answer.objects.create(inspection=inspection, item=data.template.items.get(), value="fail", failed=True,
                              is_current=True, answered_at=timezone.now(),
                              answered_by=world.people["supervisor"])
    found = selectors.proposals(world.unit("root"), Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
                                on=dt.date(2025, 3, 31))
    assert [(p["item_code"], p["count"]) for p in found] == [("C1", 2)]
    assert found[0]["unit_ids"] == sorted([world.units["store1"].pk, world.units["store2"].pk])
    assert found[0]["roles"] == ["unit_manager", "staff"]
    assert found[0]["role_labels"] == ["店长/负责人", "员工"]


@pytest.mark.django_db
def test_a_session_page_names_its_checks_by_their_text(world, client):
    data = Data(world)
    item = data.template.items.get()
    session = session_of(world)
    client.force_login(world.person("hr"))
    page = client.get(reverse("training:session-detail", args=[session.pk])).content.decode()
    assert f"{item.text} (C1)" in page


@pytest.mark.django_db
def test_attendance_and_scores_against_the_pass_mark_feed_the_training_kpi(world):
    session = session_of(world)
    assert {n.recipient.username for n in Notification.objects.filter(kind="training.invited")} == {
        "supervisor", "unit_manager"}
    services.attendance_record(actor=world.person("hr"), session=session, rows=[
        {"person_id": world.people["supervisor"].pk, "attended": True, "test_score": "59.5"},
        {"person_id": world.people["unit_manager"].pk, "attended": False}])
    rows = {i.person_id: i for i in session.invitees.all()}
    assert (rows[world.people["supervisor"].pk].passed, rows[world.people["unit_manager"].pk].attended) == (False, False)
    second = services.session_create(actor=world.person("hr"), title="服务礼仪", scope_unit=world.unit("root"),
                                     starts_at=MARCH + dt.timedelta(days=5), trainer=world.person("hr"),
                                     invitees=[world.person("supervisor")])
    services.attendance_record(actor=world.person("hr"), session=second, rows=[
        {"person_id": world.people["supervisor"].pk, "attended": False}])
    cycle = appraisal.cycle_create(actor=world.person("admin"), role="supervisor", period="2025-03",
                                   scope_unit=world.unit("root"))
    line = next(k for k in cycle.appraisals.get().kpis if k["code"] == "training_participation")
    assert (line["value"], line["score"], line["status"]) == ("50", "50", "ok")
    assert "受邀参加培训 2 次，出勤 1 次" in explain.kpi_explanation(line)


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "field"), [
    ([{"person_id": 10**6, "attended": True}], "0.person_id"),
    ([{"person_id": "SELF", "attended": None}], "0.attended"),
    ([{"person_id": "SELF", "attended": True, "test_score": "101"}], "0.test_score"),
    ([{"person_id": "SELF", "attended": True, "test_score": "八十"}], "0.test_score"),
    ([{"person_id": "SELF", "attended": True, "test_score": "80.25"}], "0.test_score"),
    ([{"person_id": "SELF", "attended": False, "test_score": "80"}], "0.test_score"),
])
def test_bad_attendance_names_the_row_and_changes_nothing(world, rows, field):
    session = session_of(world)
    rows = [{**r, "person_id": world.people["supervisor"].pk if r["person_id"] == "SELF" else r["person_id"]}
            for r in rows]
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.attendance_record(actor=world.person("hr"), session=session, rows=rows)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_a_survey_collects_one_response_per_person_and_reports_them(world):
    survey = survey_of(world)
    services.survey_respond(actor=world.person("unit_manager"), survey=survey, answers=["食品安全", "周二下午"])
    services.survey_respond(actor=world.person("staff"), survey=survey, answers=["食品安全", ""])
    services.survey_respond(actor=world.person("staff"), survey=survey, answers=["收银操作", "周三"])  # replaces
    report = selectors.survey_report(survey)
    assert report["responses"] == 2
    assert report["questions"][0]["most_common"] == [("收银操作", 1), ("食品安全", 1)]
    with pytest.raises(ApplicationError) as refused:
        services.survey_respond(actor=world.person("staff"), survey=survey, answers=["只答一题"])
    assert "answers" in refused.value.detail["fields"]


class TestSurveyCreate(ApiObjectMatrix):
    route = "POST /api/v1/training/surveys"
    success_status = 201
    in_scope = "hr"
    out_of_scope = "other_region_manager"
    refused = ("staff", "finance")

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/training/surveys"

    def payload(self, world, target):
        return {"title": "需求调查", "period": "2025-Q2", "scope_unit_id": target.pk, "questions": ["想学什么"]}

    def snapshot(self, world):
        return state()


class _SurveyObject:
    in_scope = "hr"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return survey_of(world, scope="east")

    def other_org_target(self, world):
        return survey_of(world, actor="b_admin", scope="b_root")

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestSurveyRespond(_SurveyObject, ApiObjectMatrix):
    route = "POST /api/v1/training/surveys/{survey_id}/responses"
    success_status = 201
    in_scope = "staff"  # works in the survey's scope

    def path(self, world, target):
        return f"/training/surveys/{target.pk}/responses"

    def payload(self, world, target):
        return {"answers": ["食品安全", None]}


class TestSurveyReport(_SurveyObject, ApiObjectMatrix):
    route = "GET /api/v1/training/surveys/{survey_id}/report"
    refused = ("staff",)  # answers, but reads no one else's answers

    def path(self, world, target):
        return f"/training/surveys/{target.pk}/report"


class TestProposals(ApiObjectMatrix):
    route = "GET /api/v1/training/proposals"
    in_scope = "hr"
    out_of_scope = "other_region_manager"
    refused = ("staff", "unit_manager")

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def out_of_scope_target(self, world):
        return world.units["store1"]

    def path(self, world, target):
        return f"/training/proposals?scope_unit_id={target.pk}&from=2025-01-01&to=2025-03-31"


class TestSessionCreate(ApiObjectMatrix):
    route = "POST /api/v1/training/sessions"
    success_status = 201
    in_scope = "hr"
    out_of_scope = "other_region_manager"
    refused = ("staff", "finance")

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/training/sessions"

    def payload(self, world, target):
        return {"title": "新店长培训", "scope_unit_id": target.pk, "starts_at": MARCH.isoformat(),
                "trainer_id": self.world.people["hr"].pk, "invitee_ids": [self.world.people["unit_manager"].pk]}

    def snapshot(self, world):
        return state()


class TestSessionList(ApiListMatrix):
    route = "GET /api/v1/training/sessions"
    in_scope = "unit_manager"  # an invitee
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return session_of(world)

    def other_org_target(self, world):
        return other_org_session(world)


class _SessionObject:
    in_scope = "hr"
    out_of_scope = "other_unit_manager"

    def target(self, world):
        return session_of(world)

    def other_org_target(self, world):
        return other_org_session(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestSessionDetail(_SessionObject, ApiObjectMatrix):
    route = "GET /api/v1/training/sessions/{session_id}"
    in_scope = "supervisor"

    def path(self, world, target):
        return f"/training/sessions/{target.pk}"


class TestSessionAttendance(_SessionObject, ApiObjectMatrix):
    route = "PUT /api/v1/training/sessions/{session_id}/attendance"
    refused = ("unit_manager", "executive")

    def path(self, world, target):
        return f"/training/sessions/{target.pk}/attendance"

    def payload(self, world, target):
        return [{"person_id": self.world.people["supervisor"].pk, "attended": True, "test_score": "88"}]

    def check_success(self, world, target, response):
        row = next(i for i in response.json()["invitees"] if i["person_id"] == world.people["supervisor"].pk)
        assert (row["attended"], row["test_score"], row["passed"]) == (True, "88.0", True)


def test_a_session_for_a_stranger_names_the_field(live_world, api_for):
    world = live_world
    api = api_for(world.person("hr"))
    before = state()
    response = api.post(API_PREFIX + "/training/sessions", json={
        "title": "x", "scope_unit_id": world.units["root"].pk, "starts_at": MARCH.isoformat(),
        "trainer_id": world.people["hr"].pk, "invitee_ids": [world.people["b_admin"].pk]})
    assert response.status_code == 422 and "invitee_ids" in response.json()["detail"]["fields"]
    assert state() == before
    assert Decimal("0") == 0
