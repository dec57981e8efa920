"""Recurring schedules and the holiday calendar: services (validation naming fields, scope,
idempotent create), the API and the pages, each with its permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix, PageListMatrix, PageObjectMatrix
from dudao.core.testing.matrix import PageFormMatrix
from dudao.planning import services
from dudao.planning.generation import schedules_generate
from dudao.planning.models import Holiday, Visit, VisitSchedule

D = dt.date.fromisoformat
WEEKLY = {"frequency": "weekly", "weekday": 1, "starts_on": D("2026-01-01")}


def make_schedule(world, unit="store1", person="supervisor", actor="supervisor", **fields):
    values = {**WEEKLY, **fields}
    schedule, _created = services.visit_schedule_create(
        actor=world.person(actor), unit=world.units[unit], supervisor=world.person(person), **values)
    return schedule


def east_schedule(world):
    return VisitSchedule.objects.filter(organization=world.org, unit=world.units["store1"]).first() or make_schedule(world)


def other_schedule(world):
    return VisitSchedule.objects.filter(organization=world.other_org).first() or make_schedule(
        world, unit="b_branch", person="b_admin", actor="b_admin")


def state():
    return (list(VisitSchedule.objects.order_by("pk").values_list(
        "pk", "unit_id", "supervisor_id", "frequency", "weekday", "interval_weeks", "day_of_month", "starts_on",
        "ends_on", "active")), AuditEvent.objects.count())


# --- services: validation and scope -------------------------------------------------------------
@pytest.mark.parametrize(("fields", "field"), [
    ({"frequency": "daily"}, "frequency"),
    ({"weekday": None}, "weekday"),
    ({"weekday": 7}, "weekday"),
    ({"frequency": "every_n_weeks", "interval_weeks": 1}, "interval_weeks"),
    ({"frequency": "every_n_weeks", "interval_weeks": None}, "interval_weeks"),
    ({"frequency": "monthly", "weekday": None}, "day_of_month"),
    ({"frequency": "monthly", "day_of_month": 32}, "day_of_month"),
    ({"frequency": "monthly", "day_of_month": 5, "week_of_month": 2}, "day_of_month"),
    ({"frequency": "monthly", "week_of_month": 5}, "week_of_month"),
    ({"frequency": "quarterly", "month_of_quarter": 4, "day_of_month": 1}, "month_of_quarter"),
    ({"frequency": "quarterly", "month_of_quarter": 1}, "day_of_month"),
    ({"ends_on": D("2025-12-31")}, "ends_on"),
    ({"mode": "teleport"}, "mode"),
])
def test_invalid_schedules_are_refused_naming_the_field_and_nothing_changes(world, fields, field):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        make_schedule(world, **fields)
    assert refused.value.code == "validation_error"
    assert list(refused.value.detail["fields"]) == [field]
    assert state() == before
    make_schedule(world)  # the same call with valid fields succeeds
    assert VisitSchedule.objects.count() == len(before[0]) + 1


def test_the_visitor_must_hold_an_inspecting_role_over_the_unit(world):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        make_schedule(world, person="region_manager")
    assert list(refused.value.detail["fields"]) == ["supervisor_id"]
    with pytest.raises(ApplicationError) as region:
        make_schedule(world, unit="east")
    assert list(region.value.detail["fields"]) == ["unit_id"]
    assert state() == before


def test_a_unit_outside_the_actors_subtree_is_not_found(world):
    before = state()
    with pytest.raises(ApplicationError) as refused:
        make_schedule(world, unit="store3")
    assert refused.value.code == "not_found"
    with pytest.raises(ApplicationError) as other_org:
        make_schedule(world, unit="b_branch", person="b_admin")
    assert other_org.value.code == "not_found"
    assert state() == before


def test_only_planners_create_schedules(world):
    before = state()
    for actor in ["region_manager", "unit_manager", "executive"]:
        with pytest.raises(ApplicationError):
            make_schedule(world, actor=actor)
    assert state() == before


def test_create_is_idempotent_by_client_id(world):
    first = make_schedule(world, client_id="phone-1")
    again, created = services.visit_schedule_create(
        actor=world.person("supervisor"), unit=world.units["store1"], supervisor=world.person("supervisor"),
        client_id="phone-1", **WEEKLY)
    assert (again.pk, created) == (first.pk, False)
    assert VisitSchedule.objects.count() == 1
    assert AuditEvent.objects.filter(action="visit_schedule.create").count() == 1
    with pytest.raises(ApplicationError) as conflict:
        make_schedule(world, client_id="phone-1", weekday=3)
    assert conflict.value.code == "conflict"
    assert VisitSchedule.objects.count() == 1


def test_update_clears_fields_the_frequency_does_not_read_and_is_audited(world):
    schedule = make_schedule(world)
    services.visit_schedule_update(actor=world.person("supervisor"), schedule=schedule, frequency="monthly",
                                   day_of_month=31)
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.day_of_month, schedule.weekday) == ("monthly", 31, None)
    event = AuditEvent.objects.filter(action="visit_schedule.update").get()
    assert event.before["frequency"] == "weekly" and event.after["day_of_month"] == 31


def test_deactivate_is_audited_and_keeps_generated_visits(world):
    schedule = make_schedule(world, weekday=0)
    schedules_generate(now=timezone.make_aware(dt.datetime(2026, 3, 2, 5)))
    assert Visit.objects.filter(schedule=schedule).count() == 2
    services.visit_schedule_deactivate(actor=world.person("supervisor"), schedule=schedule)
    schedule.refresh_from_db()
    assert schedule.active is False
    assert AuditEvent.objects.filter(action="visit_schedule.deactivate").count() == 1
    assert Visit.objects.filter(schedule=schedule).count() == 2


def test_holidays_are_kept_by_admin_and_operations_only(world):
    holiday = services.holiday_add(actor=world.person("ops_manager"), date=D("2027-01-01"), name="元旦")
    with pytest.raises(ApplicationError) as twice:
        services.holiday_add(actor=world.person("admin"), date=D("2027-01-01"), name="元旦")
    assert list(twice.value.detail["fields"]) == ["date"]
    with pytest.raises(ApplicationError) as unnamed:
        services.holiday_add(actor=world.person("admin"), date=D("2027-01-02"), name=" ")
    assert list(unnamed.value.detail["fields"]) == ["name"]
    with pytest.raises(ApplicationError):
        services.holiday_add(actor=world.person("supervisor"), date=D("2027-01-03"), name="假")
    assert list(Holiday.objects.values_list("name", flat=True)) == ["元旦"]
    services.holiday_remove(actor=world.person("admin"), holiday=holiday)
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action__in=["holiday.create", "holiday.delete"]).count() == 2


def test_generation_queries_do_not_grow_with_schedules(world, django_capture_on_commit_callbacks):
    counts = []
    for day, units in [("2026-03-02", ["store1"]), ("2026-04-06", ["store2"])]:
        Visit.objects.all().delete()
        VisitSchedule.objects.all().delete()
        for unit in units:
            for weekday in range(5):
                make_schedule(world, unit=unit, weekday=weekday)
        if day == "2026-04-06":
            make_schedule(world, unit="store1", frequency="monthly", day_of_month=9)
        with CaptureQueriesContext(connection) as ctx:
            created = schedules_generate(now=timezone.make_aware(dt.datetime.combine(D(day), dt.time(5))))
        assert created["created"] >= 1
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_schedule_page_queries_do_not_grow_with_rows(world, client):
    client.force_login(world.person("supervisor"))
    url = reverse("planning:schedule-list")
    client.get(url)  # the first request of a session reads more (session, roles)
    counts = []
    for extra in [1, 4]:  # store2 is never scheduled: the rule's missing units are named both times
        for weekday in range(extra):
            make_schedule(world, unit="store1", weekday=weekday)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- API ----------------------------------------------------------------------------------------
def _payload(world, unit="store1", **fields):
    return {"unit_id": world.units[unit].pk, "supervisor_id": world.person("supervisor").pk, "frequency": "weekly",
            "weekday": 1, "starts_on": "2026-01-01", **fields}


class TestScheduleCreateMatrix(ApiObjectMatrix):
    route = "POST /api/v1/plans/schedules"
    success_status = 201
    in_scope = "supervisor"
    refused = ("region_manager", "executive", "unit_manager")

    def path(self, world, target):
        return "/plans/schedules"

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def payload(self, world, target):
        return {**_payload(world), "unit_id": target.pk}

    def snapshot(self, world):
        return state()

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["unit_id"], body["frequency"], body["description"]) == (target.pk, "weekly", "每周二")


class TestScheduleListMatrix(ApiListMatrix):
    route = "GET /api/v1/plans/schedules"
    in_scope = "supervisor"

    def target(self, world):
        return east_schedule(world)

    def other_org_target(self, world):
        return other_schedule(world)


class _ScheduleObjectMatrix(ApiObjectMatrix):
    in_scope = "supervisor"
    refused = ("region_manager", "executive", "unit_manager")

    def path(self, world, target):
        return f"/plans/schedules/{target.pk}"

    def target(self, world):
        return east_schedule(world)

    def other_org_target(self, world):
        return other_schedule(world)

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestScheduleUpdateMatrix(_ScheduleObjectMatrix):
    route = "PATCH /api/v1/plans/schedules/{schedule_id}"

    def payload(self, world, target):
        return {"weekday": 3}

    def check_success(self, world, target, response):
        assert response.json()["weekday"] == 3
        assert VisitSchedule.objects.get(pk=target.pk).weekday == 3


class TestScheduleDeactivateMatrix(_ScheduleObjectMatrix):
    route = "DELETE /api/v1/plans/schedules/{schedule_id}"

    def check_success(self, world, target, response):
        assert response.json()["active"] is False
        assert VisitSchedule.objects.get(pk=target.pk).active is False


def test_api_refusals_name_the_field_and_retries_return_the_first(live_world, api_for):
    client = api_for(live_world.person("supervisor"))
    before = state()
    bad = client.request("POST", "/api/v1/plans/schedules",
                         json=_payload(live_world, frequency="every_n_weeks", interval_weeks=1))
    assert bad.status_code == 422, bad.text
    assert list(bad.json()["detail"]["fields"]) == ["interval_weeks"]
    assert state() == before
    first = client.request("POST", "/api/v1/plans/schedules", json=_payload(live_world, client_id="c-1"))
    again = client.request("POST", "/api/v1/plans/schedules", json=_payload(live_world, client_id="c-1"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = client.request("POST", "/api/v1/plans/schedules", json=_payload(live_world, client_id="c-1", weekday=4))
    assert other.status_code == 409
    patched = client.request("PATCH", f"/api/v1/plans/schedules/{first.json()['id']}",
                             json={"frequency": "quarterly", "month_of_quarter": 2})
    assert patched.status_code == 422 and list(patched.json()["detail"]["fields"]) == ["day_of_month"]
    assert VisitSchedule.objects.get(pk=first.json()["id"]).frequency == "weekly"


# --- pages --------------------------------------------------------------------------------------
class TestScheduleListPageMatrix(PageListMatrix):
    url_name = "planning:schedule-list"
    in_scope = "supervisor"

    def target(self, world):
        return east_schedule(world)

    def other_org_target(self, world):
        return other_schedule(world)

    def marker(self, target):
        return reverse("planning:schedule-edit", args=[target.pk])


class TestScheduleCreatePageMatrix(PageFormMatrix):
    url_name = "planning:schedule-create"
    in_scope = "supervisor"


class TestScheduleEditPageMatrix(PageObjectMatrix):
    url_name = "planning:schedule-edit"
    in_scope = "supervisor"
    refused = ("region_manager", "executive")

    def target(self, world):
        return east_schedule(world)

    def other_org_target(self, world):
        return other_schedule(world)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestScheduleDeactivatePageMatrix(TestScheduleEditPageMatrix):
    url_name = "planning:schedule-deactivate"
    method = "post"
    success_status = 302

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        assert VisitSchedule.objects.get(pk=target.pk).active is False


def _generated(world, org_key=""):
    """A visit generated in the coming two weeks (a Monday schedule always has one)."""
    unit, person = ("b_branch", "b_admin") if org_key else ("store1", "supervisor")
    schedule = (VisitSchedule.objects.filter(unit=world.units[unit]).first()
                or make_schedule(world, unit=unit, person=person, actor=person, weekday=0))
    if not Visit.objects.filter(schedule=schedule).exists():
        schedules_generate(now=timezone.now())
    return Visit.objects.filter(schedule=schedule).order_by("date").first()


class TestScheduleUpcomingPageMatrix(PageListMatrix):
    url_name = "planning:schedule-upcoming"
    in_scope = "supervisor"

    def target(self, world):
        return _generated(world)

    def other_org_target(self, world):
        return _generated(world, "b")

    def marker(self, target):
        return f'id="visit-{target.pk}"'


def test_the_form_page_creates_a_schedule_and_shows_refusals_on_fields(world, client):
    client.force_login(world.person("supervisor"))
    url = reverse("planning:schedule-create")
    data = {"unit_id": world.units["store1"].pk, "supervisor_id": world.person("supervisor").pk,
            "frequency": "every_n_weeks", "weekday": 2, "mode": "on_site", "starts_on": "2026-01-01"}
    response = client.post(url, data)
    assert response.status_code == 422
    assert "间隔周数必须在 2 到" in response.content.decode()
    assert not VisitSchedule.objects.exists()
    response = client.post(url, {**data, "interval_weeks": 2})
    assert response.status_code == 302
    assert VisitSchedule.objects.get().describe() == "每 2 周周三"


def _holiday(world, other=False):
    if other:
        return Holiday.objects.filter(organization=world.other_org).first() or Holiday.objects.create(
            organization=world.other_org, date=timezone.localdate(), name="乙行假日", created_by=world.person("b_admin"))
    return Holiday.objects.filter(organization=world.org).first() or services.holiday_add(
        actor=world.person("admin"), date=timezone.localdate(), name="甲公司假日")


def holiday_state():
    return list(Holiday.objects.order_by("pk").values_list("pk", "date", "name", "workday")), AuditEvent.objects.count()


class TestHolidayListPageMatrix(PageListMatrix):
    url_name = "planning:holiday-list"
    in_scope = "supervisor"
    out_of_scope = "unit_manager"

    def target(self, world):
        return _holiday(world)

    def other_org_target(self, world):
        return _holiday(world, other=True)

    def marker(self, target):
        return target.name


class TestHolidayAddPageMatrix(PageFormMatrix):
    url_name = "planning:holiday-add"
    method = "post"
    success_status = 302
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = ("executive", "region_manager")

    def data(self, world, target):
        return {"date": "2027-10-01", "name": "国庆节"}

    def snapshot(self, world):
        return holiday_state()

    def check_success(self, world, target, response):
        assert list(Holiday.objects.values_list("name", "workday")) == [("国庆节", False)]


class TestHolidayDeletePageMatrix(PageObjectMatrix):
    url_name = "planning:holiday-delete"
    method = "post"
    success_status = 302
    in_scope = "ops_manager"
    out_of_scope = "supervisor"
    refused = ("executive",)

    def target(self, world):
        return _holiday(world)

    def other_org_target(self, world):
        return _holiday(world, other=True)

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return holiday_state()

    def check_success(self, world, target, response):
        assert not Holiday.objects.filter(pk=target.pk).exists()


def test_the_schedule_page_shows_what_the_schedules_cover_of_each_rule(world, client):
    make_schedule(world)
    client.force_login(world.person("supervisor"))
    text = client.get(reverse("planning:schedule-list")).content.decode()
    assert "每家门店每周至少由其督导巡店一次" in text
    assert "排程覆盖 1 / 要求 2" in text  # store1 is scheduled, store2 is not
    assert "淮海路店" in text.split("排程未覆盖")[1]
