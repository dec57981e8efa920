"""The quarterly cadre report: a row per store manager with the quarter's figures as their owners
compute them, suggestions by the stated rules with reasons, editing, publishing; refusals change
nothing; the build does not grow in queries with the people; API permission matrices."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from dudao.analytics import services as analytics
from dudao.analytics.tests.factories import Data
from dudao.appraisal.models import Attendance
from dudao.cadres import rules, selectors, services
from dudao.cadres.models import CadreReport, CadreRow
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import API_PREFIX, ApiListMatrix, ApiObjectMatrix
from dudao.notifications.models import Notification
from dudao.org import services as org
from dudao.org.choices import Role
from dudao.org.testing import make_person
from dudao.training import services as training

APRIL = timezone.make_aware(dt.datetime(2025, 4, 2, 9))
QUARTER = "2025-Q1"


def quarter_data(world) -> None:
    """store1 (unit_manager) passes every month at 95; store3 (other_unit_manager) fails January
    and February at 50, the policy's two months that open a review."""
    data = Data(world)
    for month in (1, 2, 3):
        data.inspection("store1", f"2025-{month:02d}-10", "95.0")
    for month in (1, 2):
        data.inspection("store3", f"2025-{month:02d}-12", "50.0")
    for month in (1, 2, 3):
        analytics.evaluation_run(actor=world.person("admin"), organization=world.org, month=dt.date(2025, month, 1),
                                 now=APRIL)


def report_of(world, *, actor="hr", scope="root") -> CadreReport:
    found = CadreReport.objects.filter(organization_id=world.person(actor).organization_id).first()
    if found:
        return found
    if actor != "b_admin":
        quarter_data(world)
    return services.cadre_report_create(actor=world.person(actor), quarter=QUARTER, scope_unit=world.unit(scope),
                                        now=APRIL)


def other_org_report(world) -> CadreReport:
    return report_of(world, actor="b_admin", scope="b_root")


def row_of(report, world, key) -> CadreRow:
    return report.rows.get(person=world.people[key])


def state():
    return (list(CadreRow.objects.order_by("pk").values_list("ability", "post", "pay", "comment")),
            list(CadreReport.objects.order_by("pk").values_list("status", flat=True)), AuditEvent.objects.count())


@pytest.mark.django_db
def test_the_draft_has_every_store_manager_with_the_quarters_figures_and_reasoned_suggestions(world):
    report = report_of(world)
    assert report.status == "draft" and report.quarter == QUARTER
    assert {r.person.username for r in report.rows.select_related("person")} == {"unit_manager", "other_unit_manager"}
    good = row_of(report, world, "unit_manager")
    assert good.figures["inspection_average"] == "95.0" and good.figures["inspections"] == 3
    assert [e["month"] for e in good.figures["evaluations"]] == ["2025-01", "2025-02", "2025-03"]
    assert good.figures["failed_months"] == 0
    assert (good.suggested_ability, good.suggested_post, good.suggested_pay) == ("A", "promote", "raise")
    assert (good.ability, good.post, good.pay) == ("A", "promote", "raise")
    assert any("95.0" in r for r in good.reasons["ability"])
    weak = row_of(report, world, "other_unit_manager")
    assert weak.figures["failed_months"] == 2
    assert (weak.ability, weak.post, weak.pay) == ("D", "demotion_review", "hold")
    assert any("达到制度规定的 2 个月" in r for r in weak.reasons["post"])
    assert report.rules["review_after"] == 2 and report.rules["pass_mark"] == "80"
    event = AuditEvent.objects.get(action="cadre_report.create")
    assert len(event.after["rows"]) == 2


@pytest.mark.django_db
def test_absences_and_missed_training_temper_the_suggestions(world):
    quarter_data(world)
    Attendance.objects.create(organization=world.org, person=world.people["unit_manager"],
                              scope_unit=world.units["store1"], month=dt.date(2025, 2, 1), days_worked=20, absence=1)
    session = training.session_create(actor=world.person("hr"), title="店长轮训", scope_unit=world.unit("root"),
                                      starts_at=timezone.make_aware(dt.datetime(2025, 3, 3, 14)),
                                      trainer=world.person("hr"), invitees=[world.person("unit_manager")])
    training.attendance_record(actor=world.person("hr"), session=session,
                               rows=[{"person_id": world.people["unit_manager"].pk, "attended": False}])
    row = row_of(report_of(world), world, "unit_manager")
    assert row.figures["discipline"]["quarter_absences"] == 1
    assert row.figures["training"] == {"rate": "0.0", "invited": 1, "attended": 0}
    assert (row.ability, row.post, row.pay) == ("A", "coach", "keep")
    assert any("培训出勤率 0.0%" in r for r in row.reasons["post"])


def test_rules_without_any_score_draft_a_c_and_say_so():
    drafted = rules.suggest({}, pass_mark=Decimal(80), review_after=2)
    assert (drafted["ability"], drafted["post"], drafted["pay"]) == ("C", "keep", "keep")
    assert "人工确认" in drafted["reasons"]["ability"][0]


def test_a_promotion_without_training_records_does_not_claim_attendance():
    figures = {"evaluations": [{"score": "95.0", "passed": True}], "failed_months": 0}
    drafted = rules.suggest(figures, pass_mark=Decimal(80), review_after=2)
    assert drafted["post"] == "promote"
    assert drafted["reasons"]["post"] == ["能力评级 A，本年没有违规处罚（本季度没有培训记录），可作为晋升候选"]
    trained = rules.suggest({**figures, "training": {"rate": "100.0"}}, pass_mark=Decimal(80), review_after=2)
    assert trained["reasons"]["post"] == ["能力评级 A，本年没有违规处罚，培训出勤达标，可作为晋升候选"]


def test_rules_raise_the_thresholds_to_a_higher_pass_mark():
    figures = {"evaluations": [{"score": "87.0", "passed": False}], "failed_months": 1}
    drafted = rules.suggest(figures, pass_mark=Decimal(88), review_after=3)
    assert drafted["ability"] == "D"


@pytest.mark.django_db
@pytest.mark.parametrize(("quarter", "field"), [("2025-03", "quarter"), ("2025-Q5", "quarter"), ("", "quarter"),
                                                ("2025-Q3", "quarter"), ("2026-Q1", "quarter")])
def test_a_bad_or_future_quarter_names_the_field_and_changes_nothing(world, quarter, field):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_create(actor=world.person("hr"), quarter=quarter, scope_unit=world.unit("root"),
                                     now=APRIL)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_a_store_is_no_scope_and_a_second_report_of_the_same_scope_is_a_conflict(world):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_create(actor=world.person("hr"), quarter=QUARTER, scope_unit=world.unit("store1"),
                                     now=APRIL)
    assert "scope_unit_id" in refused.value.detail["fields"] and state() == before
    report_of(world)
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_create(actor=world.person("ops_manager"), quarter="2025-q1",
                                     scope_unit=world.unit("root"), now=APRIL)
    assert refused.value.code == "conflict" and state() == before


@pytest.mark.django_db
def test_editing_a_row_keeps_the_suggestion_and_publishing_freezes_and_tells_the_cadres(world):
    report = report_of(world)
    row = row_of(report, world, "other_unit_manager")
    services.cadre_row_update(actor=world.person("ops_manager"), report=report, row_id=row.pk, ability="C",
                              post="coach", pay="keep", comment="门店换址影响客流，先辅导一季")
    row.refresh_from_db()
    assert (row.ability, row.post, row.pay, row.suggested_post) == ("C", "coach", "keep", "demotion_review")
    assert row.changed and row.edited_by_id == world.people["ops_manager"].pk
    event = AuditEvent.objects.get(action="cadre_report.row_update")
    assert (event.before["post"], event.after["post"]) == ("demotion_review", "coach")
    services.cadre_report_publish(actor=world.person("hr"), report=report)
    report.refresh_from_db()
    assert report.status == "published" and report.published_by_id == world.people["hr"].pk
    assert AuditEvent.objects.filter(action="cadre_report.publish").count() == 1
    assert {n.recipient.username for n in Notification.objects.filter(kind="cadres.published")} == {
        "unit_manager", "other_unit_manager"}
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_row_update(actor=world.person("hr"), report=report, row_id=row.pk, ability="A", post="keep",
                                  pay="keep")
    assert refused.value.code == "invalid_transition" and state() == before
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_publish(actor=world.person("hr"), report=report)
    assert refused.value.code == "invalid_transition" and state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "field"), [
    ({"ability": "E", "post": "keep", "pay": "keep"}, "ability"),
    ({"ability": "A", "post": "fire", "pay": "keep"}, "post"),
    ({"ability": "A", "post": "keep", "pay": ""}, "pay"),
    ({"ability": "A", "post": "keep", "pay": "keep", "comment": "长" * 2001}, "comment"),
])
def test_a_bad_value_names_the_field_and_changes_nothing(world, values, field):
    report = report_of(world)
    row = row_of(report, world, "unit_manager")
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_row_update(actor=world.person("hr"), report=report, row_id=row.pk, **values)
    assert field in refused.value.detail["fields"]
    assert state() == before


@pytest.mark.django_db
def test_a_region_manager_reads_but_neither_drafts_nor_edits(world):
    report = report_of(world)
    before = state()
    with pytest.raises(ApplicationError):
        services.cadre_report_create(actor=world.person("region_manager"), quarter="2024-Q4",
                                     scope_unit=world.unit("east"), now=APRIL)
    with pytest.raises(ApplicationError):
        services.cadre_row_update(actor=world.person("region_manager"), report=report,
                                  row_id=row_of(report, world, "unit_manager").pk, ability="D", post="keep", pay="keep")
    assert state() == before


@pytest.mark.django_db
def test_the_build_does_not_grow_in_queries_with_the_people(world):
    quarter_data(world)

    def build(quarter, now):
        actor, root = world.person("hr"), world.unit("root")
        with CaptureQueriesContext(connection) as queries:
            services.cadre_report_create(actor=actor, quarter=quarter, scope_unit=root, now=now)
        return len(queries)

    build("2024-Q3", APRIL)  # warms the policy cache
    small = build("2024-Q4", APRIL)
    for index in range(4):
        person = make_person(world.org, f"manager{index}")
        org.role_grant(actor=world.person("admin"), person=person, role=Role.UNIT_MANAGER, unit=world.unit("store2"))
    large = build(QUARTER, APRIL)
    assert CadreReport.objects.get(quarter=QUARTER).rows.count() == 6
    assert large == small == 24


@pytest.mark.django_db
def test_the_workbook_has_a_line_per_cadre(world):
    from dudao.cadres.export import report_workbook

    report = report_of(world)
    sheet = load_workbook(io.BytesIO(report_workbook(report, selectors.report_rows(report)))).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:2] == ("季度", QUARTER)
    assert {line[1] for line in lines[2:]} == {"unit_manager", "other_unit_manager"}


def test_the_last_complete_quarter():
    assert selectors.last_complete_quarter(dt.date(2026, 12, 6)) == "2026-Q3"
    assert selectors.last_complete_quarter(dt.date(2026, 1, 1)) == "2025-Q4"


def test_the_current_quarter():
    assert selectors.current_quarter(dt.date(2026, 12, 6)) == "2026-Q4"
    assert selectors.current_quarter(dt.date(2026, 1, 1)) == "2026-Q1"
    assert selectors.current_quarter(dt.date(2026, 3, 31)) == "2026-Q1"


# --- the quarter under way: a provisional draft ----------------------------------------------
MARCH = timezone.make_aware(dt.datetime(2025, 3, 20, 9))


def provisional_report(world) -> CadreReport:
    quarter_data(world)
    return services.cadre_report_create(actor=world.person("hr"), quarter=QUARTER, scope_unit=world.unit("root"),
                                        now=MARCH)


@pytest.mark.django_db
def test_the_quarter_under_way_is_drafted_provisional_with_its_figures_so_far(world):
    report = provisional_report(world)
    assert report.provisional is True and report.status == "draft"
    figures = row_of(report, world, "unit_manager").figures
    assert figures["inspections"] == 3 and figures["inspection_average"] is not None
    assert AuditEvent.objects.get(action="cadre_report.create").after["provisional"] is True
    # It can be edited like any draft.
    row = row_of(report, world, "other_unit_manager")
    services.cadre_row_update(actor=world.person("ops_manager"), report=report, row_id=row.pk, ability="C",
                              post="coach", pay="keep", comment="先辅导")
    row.refresh_from_db()
    assert (row.ability, row.comment) == ("C", "先辅导")


@pytest.mark.django_db
@pytest.mark.parametrize("now", [MARCH, APRIL])
def test_a_provisional_draft_is_not_published_naming_the_quarter_and_nothing_changes(world, now):
    report = provisional_report(world)
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_publish(actor=world.person("hr"), report=report, now=now)
    assert "quarter" in refused.value.detail["fields"]
    report.refresh_from_db()
    assert report.status == "draft" and report.published_at is None
    assert state() == before and not Notification.objects.filter(kind="cadres.published").exists()


@pytest.mark.django_db
def test_a_provisional_draft_is_not_drafted_again_before_the_quarter_has_ended(world):
    provisional_report(world)
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_create(actor=world.person("ops_manager"), quarter=QUARTER,
                                     scope_unit=world.unit("root"), now=MARCH + dt.timedelta(days=5))
    assert refused.value.code == "conflict" and state() == before


@pytest.mark.django_db
def test_once_the_quarter_has_ended_drafting_again_replaces_the_provisional_draft_with_the_final_one(world):
    report = provisional_report(world)
    row = row_of(report, world, "other_unit_manager")
    services.cadre_row_update(actor=world.person("ops_manager"), report=report, row_id=row.pk, ability="B",
                              post="keep", pay="keep", comment="暂定时的意见")
    old_rows = set(report.rows.values_list("pk", flat=True))
    final = services.cadre_report_create(actor=world.person("ops_manager"), quarter="2025-q1",
                                         scope_unit=world.unit("root"), now=APRIL)
    assert final.pk == report.pk and CadreReport.objects.count() == 1
    final.refresh_from_db()
    assert final.provisional is False and final.created_by_id == world.people["ops_manager"].pk
    assert final.created_at == APRIL
    assert not old_rows & set(final.rows.values_list("pk", flat=True))
    row = row_of(final, world, "other_unit_manager")
    assert (row.ability, row.comment, row.edited_by_id) == (row.suggested_ability, "", None)
    event = AuditEvent.objects.get(action="cadre_report.regenerate")
    assert event.before["provisional"] is True and event.after["provisional"] is False
    assert {r["comment"] for r in event.before["rows"]} >= {"暂定时的意见"}
    services.cadre_report_publish(actor=world.person("hr"), report=final, now=APRIL)
    final.refresh_from_db()
    assert final.status == "published"
    # A final or published report is never replaced.
    before = state()
    with pytest.raises(ApplicationError) as refused:
        services.cadre_report_create(actor=world.person("hr"), quarter=QUARTER, scope_unit=world.unit("root"),
                                     now=APRIL)
    assert refused.value.code == "conflict" and state() == before


@pytest.mark.django_db
def test_the_workbook_of_a_provisional_draft_says_so_in_its_title(world):
    from dudao.cadres.export import report_workbook

    report = provisional_report(world)
    book = load_workbook(io.BytesIO(report_workbook(report, selectors.report_rows(report))))
    assert "暂定" in book.active.title
    assert "暂定" in next(book.active.iter_rows(values_only=True))[1]


def test_the_api_drafts_the_current_quarter_provisional_and_refuses_to_publish_it(live_world, api_for):
    api = api_for(live_world.person("hr"))
    quarter = selectors.current_quarter(timezone.localdate())
    response = api.post(API_PREFIX + "/cadre-reports", json={
        "quarter": quarter, "scope_unit_id": live_world.units["root"].pk})
    assert response.status_code == 201 and response.json()["provisional"] is True
    report_id = response.json()["id"]
    listed = api.get(API_PREFIX + "/cadre-reports").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [(r["id"], r["provisional"]) for r in items] == [(report_id, True)]
    before = state()
    refused = api.post(API_PREFIX + f"/cadre-reports/{report_id}/publish")
    assert refused.status_code == 422 and "quarter" in refused.json()["detail"]["fields"]
    assert state() == before


# --- API matrices ---------------------------------------------------------------------------
class TestReportCreate(ApiObjectMatrix):
    route = "POST /api/v1/cadre-reports"
    success_status = 201
    in_scope = "hr"
    out_of_scope = "other_region_manager"
    refused = ("region_manager", "unit_manager", "supervisor", "finance")

    def target(self, world):
        return world.units["root"]

    def other_org_target(self, world):
        return world.units["b_root"]

    def path(self, world, target):
        return "/cadre-reports"

    def payload(self, world, target):
        return {"quarter": QUARTER, "scope_unit_id": target.pk}

    def snapshot(self, world):
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert body["status"] == "draft" and body["quarter"] == QUARTER and body["provisional"] is False
        assert {r["username"] for r in body["rows"]} == {"unit_manager", "other_unit_manager"}


def test_a_bad_quarter_is_422_naming_the_field(live_world, api_for):
    api = api_for(live_world.person("hr"))
    before = state()
    response = api.post(API_PREFIX + "/cadre-reports", json={
        "quarter": "2025", "scope_unit_id": live_world.units["root"].pk})
    assert response.status_code == 422 and "quarter" in response.json()["detail"]["fields"]
    assert state() == before


class _Report:
    in_scope = "ops_manager"
    out_of_scope = "other_region_manager"

    def target(self, world):
        return report_of(world, scope="east")

    def other_org_target(self, world):
        return other_org_report(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestReportList(_Report, ApiListMatrix):
    route = "GET /api/v1/cadre-reports"
    in_scope = "region_manager"


class TestReportDetail(_Report, ApiObjectMatrix):
    route = "GET /api/v1/cadre-reports/{report_id}"
    in_scope = "region_manager"

    def path(self, world, target):
        return f"/cadre-reports/{target.pk}"

    def check_success(self, world, target, response):
        rows = response.json()["rows"]
        assert [r["username"] for r in rows] == ["unit_manager"]
        assert rows[0]["suggested"] == {"ability": "A", "post": "promote", "pay": "raise"}
        assert rows[0]["reasons"]["ability"]


class TestRowUpdate(_Report, ApiObjectMatrix):
    route = "PUT /api/v1/cadre-reports/{report_id}/rows/{row_id}"
    refused = ("region_manager", "executive", "unit_manager")

    def path(self, world, target):
        return f"/cadre-reports/{target.pk}/rows/{target.rows.first().pk}"

    def payload(self, world, target):
        return {"ability": "B", "post": "keep", "pay": "keep", "comment": "稳定"}

    def check_success(self, world, target, response):
        assert (response.json()["ability"], response.json()["comment"]) == ("B", "稳定")
        assert target.rows.first().ability == "B"


class TestReportPublish(_Report, ApiObjectMatrix):
    route = "POST /api/v1/cadre-reports/{report_id}/publish"
    refused = ("region_manager", "executive", "unit_manager")

    def path(self, world, target):
        return f"/cadre-reports/{target.pk}/publish"

    def check_success(self, world, target, response):
        assert response.json()["status"] == "published"


class TestReportXlsx(_Report, ApiObjectMatrix):
    route = "GET /api/v1/cadre-reports/{report_id}/xlsx"
    in_scope = "executive"

    def path(self, world, target):
        return f"/cadre-reports/{target.pk}/xlsx"

    def check_success(self, world, target, response):
        assert response.content[:2] == b"PK"


def test_a_region_manager_reads_their_regions_rows_of_the_organisations_report(live_world, api_for):
    world = live_world
    report = report_of(world)  # the whole organisation
    east, west, hr = (api_for(world.person(k)) for k in ("region_manager", "other_region_manager", "hr"))
    listed = east.get(API_PREFIX + "/cadre-reports").json()
    assert [item["id"] for item in listed["items"]] == [report.pk]
    names = {key: [r["username"] for r in api.get(API_PREFIX + f"/cadre-reports/{report.pk}").json()["rows"]]
             for key, api in (("east", east), ("west", west), ("hr", hr))}
    assert names == {"east": ["unit_manager"], "west": ["other_unit_manager"],
                     "hr": sorted(["unit_manager", "other_unit_manager"],
                                  key=lambda u: world.people[u].display_name)}
    workbook = load_workbook(io.BytesIO(east.get(API_PREFIX + f"/cadre-reports/{report.pk}/xlsx").content)).active
    assert [line[1] for line in list(workbook.iter_rows(values_only=True))[2:]] == ["unit_manager"]
