"""Recurring schedules generate visits: every frequency on exact dates, holidays and make-up working
days, the supervisor's daily capacity, coverage, and never twice for one occurrence."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.management import call_command
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification
from dudao.planning import services
from dudao.planning.choices import PlanStatus
from dudao.planning.generation import schedules_generate
from dudao.planning.models import Holiday, Plan, Visit
from dudao.planning.recurrence import is_working_day, occurrences
from dudao.planning.selectors import week_visits
from dudao.planning.tests.factories import add_visits, make_plan, publish

D = dt.date.fromisoformat


def schedule(world, unit="store1", person="supervisor", actor="supervisor", **fields):
    fields.setdefault("starts_on", D("2026-01-01"))
    made, _created = services.visit_schedule_create(
        actor=world.person(actor), unit=world.units[unit], supervisor=world.person(person), **fields)
    return made


def run(day: str) -> dict:
    return schedules_generate(now=timezone.make_aware(dt.datetime.combine(D(day), dt.time(5, 30))))


def placed(item) -> list[tuple[str, str]]:
    """(occurrence, visit day) of a schedule's visits."""
    return [(o.isoformat(), d.isoformat()) for o, d in
            Visit.objects.filter(schedule=item).order_by("occurrence").values_list("occurrence", "date")]


def holiday(world, day: str, name: str = "测试假日", workday: bool = False):
    return services.holiday_add(actor=world.person("admin"), date=D(day), name=name, workday=workday)


# --- occurrences (pure) ------------------------------------------------------------------------
def rule(**fields):
    base = {"weekday": None, "interval_weeks": None, "anchor_on": None, "day_of_month": None,
            "week_of_month": None, "month_of_quarter": None, "starts_on": D("2026-01-01"), "ends_on": None}
    return SimpleNamespace(**{**base, **fields})


def test_monthly_on_the_31st_takes_the_last_day_of_shorter_months():
    days = occurrences(rule(frequency="monthly", day_of_month=31), D("2026-01-01"), D("2026-12-31"))
    assert [d.isoformat() for d in days] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
        "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"]
    leap = occurrences(rule(frequency="monthly", day_of_month=30), D("2028-02-01"), D("2028-02-29"))
    assert leap == [D("2028-02-29")]


def test_monthly_nth_and_last_weekday():
    second_tuesdays = occurrences(rule(frequency="monthly", weekday=1, week_of_month=2), D("2026-01-01"),
                                  D("2026-04-30"))
    assert [d.isoformat() for d in second_tuesdays] == ["2026-01-13", "2026-02-10", "2026-03-10", "2026-04-14"]
    last_fridays = occurrences(rule(frequency="monthly", weekday=4, week_of_month=-1), D("2026-01-01"),
                               D("2026-03-31"))
    assert [d.isoformat() for d in last_fridays] == ["2026-01-30", "2026-02-27", "2026-03-27"]


def test_quarterly_in_the_second_month_of_each_quarter():
    days = occurrences(rule(frequency="quarterly", month_of_quarter=2, day_of_month=31), D("2026-01-01"),
                       D("2026-12-31"))
    assert [d.isoformat() for d in days] == ["2026-02-28", "2026-05-31", "2026-08-31", "2026-11-30"]


def test_every_n_weeks_counts_from_the_anchor_week_and_respects_start_and_end():
    every3 = rule(frequency="every_n_weeks", weekday=0, interval_weeks=3, anchor_on=D("2026-03-04"),
                  starts_on=D("2026-03-01"), ends_on=D("2026-05-10"))
    assert [d.isoformat() for d in occurrences(every3, D("2026-01-01"), D("2026-12-31"))] == [
        "2026-03-02", "2026-03-23", "2026-04-13", "2026-05-04"]


def test_working_days_follow_the_holiday_calendar():
    holidays = {D("2026-10-01"): False, D("2026-10-10"): True}
    assert not is_working_day(D("2026-10-01"), holidays)  # a Thursday holiday
    assert is_working_day(D("2026-10-10"), holidays)  # a Saturday make-up working day
    assert not is_working_day(D("2026-10-11"), holidays)  # an ordinary Sunday
    assert is_working_day(D("2026-10-12"), holidays)


# --- generation: every frequency ---------------------------------------------------------------
def test_weekly_generates_each_week_in_the_coming_two_weeks(world):
    weekly = schedule(world, frequency="weekly", weekday=1)
    result = run("2026-03-02")
    assert placed(weekly) == [("2026-03-03", "2026-03-03"), ("2026-03-10", "2026-03-10")]
    assert result["created"] == 2 and result["not_placed"] == []


def test_every_two_weeks_generates_every_other_week(world):
    fortnightly = schedule(world, frequency="every_n_weeks", weekday=2, interval_weeks=2,
                           anchor_on=D("2026-03-04"))
    run("2026-03-02")
    run("2026-03-09")
    run("2026-03-23")
    assert placed(fortnightly) == [("2026-03-04", "2026-03-04"), ("2026-03-18", "2026-03-18"),
                                   ("2026-04-01", "2026-04-01")]


def test_every_three_weeks_generates_every_third_week(world):
    every3 = schedule(world, frequency="every_n_weeks", weekday=0, interval_weeks=3, anchor_on=D("2026-03-02"))
    for day in ["2026-03-02", "2026-03-16", "2026-03-30", "2026-04-13", "2026-04-27"]:
        run(day)
    assert [o for o, _d in placed(every3)] == ["2026-03-02", "2026-03-23", "2026-04-13", "2026-05-04"]


def test_monthly_by_day_31_in_a_30_day_month(world):
    monthly = schedule(world, frequency="monthly", day_of_month=31)
    run("2026-04-20")
    run("2026-06-22")
    assert placed(monthly) == [("2026-04-30", "2026-04-30"), ("2026-06-30", "2026-06-30")]


def test_monthly_on_a_weekend_end_of_month_is_not_placed(world):
    monthly = schedule(world, frequency="monthly", day_of_month=31)
    result = run("2026-01-20")  # 31 January 2026 is a Saturday: no working day left in January
    assert placed(monthly) == []
    assert [(n["schedule_id"], n["occurrence"]) for n in result["not_placed"]] == [(monthly.pk, "2026-01-31")]


def test_monthly_nth_weekday(world):
    second_tuesday = schedule(world, frequency="monthly", weekday=1, week_of_month=2)
    last_friday = schedule(world, unit="store2", frequency="monthly", weekday=4, week_of_month=-1)
    run("2026-03-02")
    run("2026-03-23")
    assert placed(second_tuesday) == [("2026-03-10", "2026-03-10")]
    assert placed(last_friday) == [("2026-03-27", "2026-03-27")]


def test_quarterly_moves_a_sunday_to_the_monday_of_the_same_quarter(world):
    quarterly = schedule(world, frequency="quarterly", month_of_quarter=2, day_of_month=15)
    run("2026-05-04")
    run("2026-11-09")
    # 15 May 2026 is a Friday; 15 November 2026 a Sunday, moved to Monday the 16th.
    assert placed(quarterly) == [("2026-05-15", "2026-05-15"), ("2026-11-15", "2026-11-16")]


# --- holidays and capacity ---------------------------------------------------------------------
def test_a_holiday_moves_the_visit_to_the_next_working_day(world):
    weekly = schedule(world, frequency="weekly", weekday=2)
    holiday(world, "2026-05-20")
    run("2026-05-18")
    assert placed(weekly) == [("2026-05-20", "2026-05-21"), ("2026-05-27", "2026-05-27")]


def test_a_make_up_working_day_takes_the_visit(world):
    weekly = schedule(world, frequency="weekly", weekday=4)
    holiday(world, "2026-06-19", "端午节(测试数据)")
    holiday(world, "2026-06-20", "调休上班(测试数据)", workday=True)
    run("2026-06-15")
    assert placed(weekly) == [("2026-06-19", "2026-06-20"), ("2026-06-26", "2026-06-26")]


def test_a_holiday_week_with_no_working_day_left_is_reported_not_placed(world):
    weekly = schedule(world, frequency="weekly", weekday=3)
    for day in ["2026-10-01", "2026-10-02"]:
        holiday(world, day, "国庆节(测试数据)")
    result = run("2026-09-28")
    assert placed(weekly) == [("2026-10-08", "2026-10-08")]
    assert [n["occurrence"] for n in result["not_placed"]] == ["2026-10-01"]


def _capacity(world, value: int):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.person("admin"), organization=world.org, effective_from=timezone.localdate(),
                          overrides={"plans": {"max_visits_per_day": value}})


def test_a_full_day_moves_the_visit_to_the_next_day_with_room(world):
    _capacity(world, 1)
    first = schedule(world, frequency="weekly", weekday=0)
    second = schedule(world, unit="store2", frequency="weekly", weekday=0)
    run("2027-03-01")
    assert placed(first) == [("2027-03-01", "2027-03-01"), ("2027-03-08", "2027-03-08")]
    assert placed(second) == [("2027-03-01", "2027-03-02"), ("2027-03-08", "2027-03-09")]


def test_the_pack_capacity_lets_both_visits_share_a_day(world):
    first = schedule(world, frequency="weekly", weekday=0)
    second = schedule(world, unit="store2", frequency="weekly", weekday=0)
    run("2027-03-01")
    assert [d for _o, d in placed(first)] == [d for _o, d in placed(second)] == ["2027-03-01", "2027-03-08"]


def test_no_day_with_room_left_in_the_week_is_not_placed(world):
    _capacity(world, 1)
    schedule(world, frequency="weekly", weekday=4)
    second = schedule(world, unit="store2", frequency="weekly", weekday=4)
    result = run("2027-03-01")
    assert placed(second) == []
    assert sorted(n["occurrence"] for n in result["not_placed"]) == ["2027-03-05", "2027-03-12"]
    assert all(n["schedule_id"] == second.pk for n in result["not_placed"])


# --- idempotency, stopping, coverage -----------------------------------------------------------
def test_running_twice_never_makes_a_second_visit_or_notification(world):
    weekly = schedule(world, frequency="weekly", weekday=1)
    run("2026-03-02")
    visits, events = placed(weekly), AuditEvent.objects.filter(action="visit.generate").count()
    assert run("2026-03-02")["created"] == 0
    assert run("2026-03-03")["created"] == 0  # the next day: still the same two occurrences
    assert placed(weekly) == visits and AuditEvent.objects.filter(action="visit.generate").count() == events
    assert Notification.objects.filter(kind="schedule.generated").count() == 1
    assert run("2026-03-09")["created"] == 1  # a new occurrence came into the window


def test_the_tick_command_runs_the_generation(world):
    weekly = schedule(world, frequency="weekly", weekday=1)
    call_command("dudao_tick", "--now", "2026-03-02T05:30:00+08:00", "--job", "plans_generate_visits")
    call_command("dudao_tick", "--now", "2026-03-02T09:30:00+08:00", "--job", "plans_generate_visits")
    assert [o for o, _d in placed(weekly)] == ["2026-03-03", "2026-03-10"]


def test_a_deactivated_or_ended_schedule_generates_nothing(world):
    stopped = schedule(world, frequency="weekly", weekday=1)
    services.visit_schedule_deactivate(actor=world.person("supervisor"), schedule=stopped)
    ended = schedule(world, unit="store2", frequency="weekly", weekday=1, ends_on=D("2026-02-28"))
    not_yet = schedule(world, unit="store2", frequency="weekly", weekday=3, starts_on=D("2026-04-01"))
    result = run("2026-03-02")
    assert result["created"] == 0
    assert placed(stopped) == placed(ended) == placed(not_yet) == []
    assert not Notification.objects.filter(kind="schedule.generated").exists()


def test_an_ending_schedule_stops_at_its_end(world):
    weekly = schedule(world, frequency="weekly", weekday=1, ends_on=D("2026-03-05"))
    run("2026-03-02")
    assert placed(weekly) == [("2026-03-03", "2026-03-03")]


def test_a_unit_already_visited_that_week_is_not_booked_again(world):
    """The restaurant pack asks one visit a week per store: a published visit on Monday covers the week."""
    from dudao.planning.tests.factories import monday

    start = monday(1)
    plan = make_plan(world, start=start)
    add_visits(world, plan, [("store1", "supervisor", start)])
    publish(world, plan)
    weekly = schedule(world, frequency="weekly", weekday=2)
    result = run(start.isoformat())
    assert [d for _o, d in placed(weekly)] == [(start + dt.timedelta(days=9)).isoformat()]
    assert result["covered"] == 1


def test_generated_visits_live_in_a_published_automatic_week_plan_and_in_my_week(world):
    weekly = schedule(world, frequency="weekly", weekday=1)
    run("2026-03-02")
    visit = Visit.objects.filter(schedule=weekly).order_by("date").first()
    plan = visit.plan
    assert (plan.automatic, plan.status, plan.kind) == (True, PlanStatus.PUBLISHED, "week")
    assert (plan.scope_unit_id, plan.period_start, plan.period_end) == (
        world.units["east"].pk, D("2026-03-02"), D("2026-03-08"))
    assert Plan.objects.filter(automatic=True).count() == 2  # one per week
    assert visit.template is None or visit.template.status == "published"
    assert visit in list(week_visits(world.person("supervisor"), D("2026-03-02")))
    note = Notification.objects.get(kind="schedule.generated")
    assert note.recipient_id == world.person("supervisor").pk
    assert "03-03" in note.body and "南京西路店" in note.body


def test_a_hand_made_week_plan_and_the_automatic_one_share_a_week(world):
    """The automatic plan has its own slot: a planner can still make the region's week plan."""
    weekly = schedule(world, frequency="weekly", weekday=1)
    run("2026-03-02")
    assert Visit.objects.filter(schedule=weekly).exists()
    plan = make_plan(world, start=D("2026-03-02"), title="华东区第10周")
    assert plan.automatic is False


def test_holidays_of_another_organisation_do_not_count(world):
    weekly = schedule(world, frequency="weekly", weekday=2)
    Holiday.objects.create(organization=world.other_org, date=D("2026-05-20"), name="乙", created_by=world.person("b_admin"))
    run("2026-05-18")
    assert placed(weekly)[0] == ("2026-05-20", "2026-05-20")
