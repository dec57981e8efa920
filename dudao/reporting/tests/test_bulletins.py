"""Bulletins: ranking, common problems, repeat offenders, overdue rectification, good practice; publishing
with read receipts and reminders; the periodic job by time travel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import AuditEvent
from dudao.core.periods import window_before, window_of
from dudao.notifications.models import Notification
from dudao.reporting import services
from dudao.reporting.models import Bulletin, BulletinRead
from dudao.reporting.selectors import bulletin_reads

from . import scenario
from .factories import inspect, template

NOW = timezone.make_aware(dt.datetime(2026, 3, 20, 12))
D = dt.date


@pytest.fixture
def data(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return scenario.build(world, with_photo=False)


def compile_(world, actor="supervisor", unit="east", start=scenario.START, end=scenario.END, now=NOW):
    return services.bulletin_compile(actor=world.person(actor), scope_unit=world.unit(unit), period_start=start,
                                     period_end=end, now=now)


def published(world, unit="east", now=NOW):
    bulletin, _ = compile_(world, actor="admin", unit=unit, now=now)
    return services.bulletin_publish(actor=world.person("admin"), bulletin=bulletin, now=now)


def state(bulletin):
    bulletin.refresh_from_db()
    return (bulletin.status, bulletin.data, Bulletin.objects.count(), BulletinRead.objects.filter(
        read_at__isnull=False).count(), AuditEvent.objects.count(), Notification.objects.count())


# --- periods -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("day", "kind", "expected"), [
    (D(2026, 3, 15), "semi_monthly", (D(2026, 3, 1), D(2026, 3, 15))),
    (D(2026, 3, 16), "semi_monthly", (D(2026, 3, 16), D(2026, 3, 31))),
    (D(2026, 2, 20), "semi_monthly", (D(2026, 2, 16), D(2026, 2, 28))),
    (D(2026, 3, 18), "weekly", (D(2026, 3, 16), D(2026, 3, 22))),
    (D(2026, 3, 18), "monthly", (D(2026, 3, 1), D(2026, 3, 31))),
])
def test_periods(day, kind, expected):
    assert window_of(kind, day) == expected


@pytest.mark.parametrize(("day", "kind", "expected"), [
    (D(2026, 3, 16), "semi_monthly", (D(2026, 3, 1), D(2026, 3, 15))),
    (D(2026, 3, 1), "semi_monthly", (D(2026, 2, 16), D(2026, 2, 28))),
    (D(2026, 1, 1), "monthly", (D(2025, 12, 1), D(2025, 12, 31))),
    (D(2026, 3, 16), "weekly", (D(2026, 3, 9), D(2026, 3, 15))),
])
def test_the_period_just_ended(day, kind, expected):
    assert window_before(kind, day) == expected


# --- the figures -------------------------------------------------------------------------------
def test_units_are_ranked_by_their_average_inspection_score(world, data):
    bulletin, created = compile_(world)
    assert created and bulletin.status == "draft" and bulletin.origin == "on_demand"
    assert [(r["unit_name"], r["score"], r["rank"], r["inspections"]) for r in bulletin.data["ranking"]] == [
        ("南京西路店", 90.0, 1, 2), ("淮海路店", 70.0, 2, 2)]


def test_equal_scores_share_a_rank_and_the_next_rank_skips(world, data):
    # 淮海路店 gets a perfect third inspection: (60 + 80 + 100) / 3 = 80.0; 春熙路店 80.0 too.
    inspect(world, "store2", data.template, D(2026, 3, 14))
    bulletin, _ = compile_(world, actor="admin", unit="root")
    assert [(r["unit_name"], r["score"], r["rank"]) for r in bulletin.data["ranking"]] == [
        ("南京西路店", 90.0, 1), ("淮海路店", 80.0, 2), ("春熙路店", 80.0, 2)]


def test_common_problems_count_the_units_that_failed_each_item(world, data):
    bulletin, _ = compile_(world, actor="admin", unit="root")
    assert bulletin.data["common_problems"] == [
        {"item_code": "A1", "text": "地面清洁无积水", "count": 2, "failures": 3},
        {"item_code": "A2", "text": "员工仪容仪表规范", "count": 1, "failures": 1},
        {"item_code": "A3", "text": "冷藏温度达标", "count": 1, "failures": 1},
    ]


def test_common_problems_are_cut_at_the_policy_count(world, data):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"bulletins": {"common_problems_count": 1}})
    period = window_of("semi_monthly", timezone.localdate())
    inspect(world, "store1", data.template, period[0], {"A1": "", "A2": ""})
    bulletin, _ = compile_(world, start=period[0], end=period[1], now=timezone.now())
    assert [p["item_code"] for p in bulletin.data["common_problems"]] == ["A1"]


def test_repeat_offenders_and_overdue_rectification_are_listed_per_unit(world, data):
    bulletin, _ = compile_(world)
    assert bulletin.data["repeat"] == [
        {"unit_id": world.units["store2"].pk, "unit_name": "淮海路店", "count": 1, "items": ["地面清洁无积水"]}]
    # As of the end of the period: f6 (store1, due 03-01) and f2 (store2, due 03-12) are past due and open;
    # f3 was closed on 03-11 and f4 is due on 03-19.
    assert bulletin.data["overdue"] == [
        {"unit_id": world.units["store1"].pk, "unit_name": "南京西路店", "count": 1, "oldest_due_date": "2026-03-01",
         "max_days_overdue": 15},
        {"unit_id": world.units["store2"].pk, "unit_name": "淮海路店", "count": 1, "oldest_due_date": "2026-03-12",
         "max_days_overdue": 4},
    ]


def test_a_finding_closed_after_the_period_still_counts_as_overdue_at_its_end(world, data):
    finding = data.findings["f2"]
    finding.status, finding.closed_at = "closed", timezone.make_aware(dt.datetime(2026, 3, 18, 9))
    finding.save()
    bulletin, _ = compile_(world)
    assert [(o["unit_name"], o["count"]) for o in bulletin.data["overdue"]] == [("南京西路店", 1), ("淮海路店", 1)]


def test_good_practice_names_the_top_units_that_passed(world, data):
    bulletin, _ = compile_(world, actor="admin", unit="root")
    assert [(g["unit_name"], g["score"], g["reason"]) for g in bulletin.data["good_practices"]] == [
        ("南京西路店", 90.0, "top"), ("春熙路店", 80.0, "top")]


def test_good_practice_prefers_perfect_scores(world, data):
    inspect(world, "store3", data.template, D(2026, 3, 7))
    inspect(world, "store3", data.template, D(2026, 3, 8))
    bulletin, _ = compile_(world, actor="admin", unit="root", start=D(2026, 3, 7), end=D(2026, 3, 8))
    assert [(g["unit_name"], g["score"], g["reason"]) for g in bulletin.data["good_practices"]] == [
        ("春熙路店", 100.0, "perfect")]


def test_the_summary(world, data):
    bulletin, _ = compile_(world)
    assert bulletin.data["summary"] == {
        "units_in_scope": 2, "units_inspected": 2, "inspections": 4, "average_score": 80.0, "passed": 3,
        "pass_rate": 75.0, "findings": 4, "repeat_findings": 1, "overdue_findings": 2,
        # The figures of dudao.facts, as the dashboard and the evaluation give them: all sites inspected;
        # f1, f2, f3 and f6 are due in the period and decided by 03-20, only f1 on time; 2 of 3 visits done.
        "unit_rate": 100.0, "repeat_rate": 25.0, "findings_due": 4, "findings_on_time": 1,
        "on_time_closure_rate": 25.0, "visits_planned": 3, "visits_done": 2, "visit_rate": 66.7}
    assert bulletin.data["provisional"] is False
    assert bulletin.data["not_inspected"] == []


def test_units_without_an_inspection_are_named(world, data):
    bulletin, _ = compile_(world, actor="admin", unit="root", start=D(2026, 3, 10), end=D(2026, 3, 12))
    assert [u["unit_name"] for u in bulletin.data["not_inspected"]] == ["春熙路店"]


# --- compiling again, refusals ----------------------------------------------------------------------
def test_compiling_a_draft_again_refreshes_it(world, data):
    first, _ = compile_(world)
    inspect(world, "store2", data.template, D(2026, 3, 14))
    again, created = compile_(world)
    assert not created and again.pk == first.pk
    assert again.data["summary"]["inspections"] == 5
    assert AuditEvent.objects.filter(action="bulletin.recompile", object_id=str(first.pk)).count() == 1


def test_a_published_bulletin_is_not_compiled_again(world, data):
    bulletin = published(world)
    before = state(bulletin)
    with pytest.raises(ApplicationError) as exc:
        compile_(world)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert state(bulletin) == before


@pytest.mark.parametrize(("actor", "unit"), [
    ("region_manager", "east"), ("unit_manager", "east"), ("executive", "root"), ("supervisor", "root"),
    ("no_role", "east"),
])
def test_only_the_supervision_department_compiles_for_the_units_it_covers(world, data, actor, unit):
    before = (Bulletin.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        compile_(world, actor=actor, unit=unit)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert (Bulletin.objects.count(), AuditEvent.objects.count()) == before
    assert compile_(world, actor="admin", unit=unit)[1]


# --- publishing, reading, reminders ------------------------------------------------------------------
def test_publishing_sends_it_to_every_site_in_scope(world, data):
    bulletin = published(world)
    assert bulletin.status == "published" and bulletin.published_at == NOW
    assert sorted(BulletinRead.objects.filter(bulletin=bulletin).values_list("unit_id", flat=True)) == sorted(
        [world.units["store1"].pk, world.units["store2"].pk])
    assert list(Notification.objects.filter(kind="bulletin.published").values_list("recipient__username", flat=True)) \
        == ["unit_manager"]
    event = AuditEvent.objects.get(action="bulletin.publish", object_id=str(bulletin.pk))
    assert event.actor_id == world.people["admin"].pk and event.after["status"] == "published"


def test_drafts_are_for_the_department_and_published_bulletins_for_unit_managers_in_scope(world, data):
    bulletin, _ = compile_(world)
    visible = lambda key: Bulletin.objects.visible_to(world.person(key)).filter(pk=bulletin.pk).exists()  # noqa: E731
    assert visible("supervisor") and visible("region_manager") and visible("admin")
    assert not visible("unit_manager") and not visible("staff")
    services.bulletin_publish(actor=world.person("supervisor"), bulletin=bulletin, now=NOW)
    assert visible("unit_manager")
    assert not visible("other_unit_manager") and not visible("staff") and not visible("b_unit_manager")


def test_a_unit_manager_reads_it_once_and_the_department_sees_who_has_not(world, data):
    bulletin = published(world)
    assert bulletin_reads(bulletin) == {"read": [], "unread": [world.units["store1"].pk, world.units["store2"].pk]}
    later = NOW + dt.timedelta(hours=2)
    receipts = services.bulletin_mark_read(actor=world.person("unit_manager"), bulletin=bulletin, now=later)
    assert [(r.unit_id, r.read_at, r.read_by_id) for r in receipts] == [
        (world.units["store1"].pk, later, world.people["unit_manager"].pk)]
    services.bulletin_mark_read(actor=world.person("unit_manager"), bulletin=bulletin, now=later + dt.timedelta(days=1))
    assert BulletinRead.objects.get(bulletin=bulletin, unit=world.units["store1"]).read_at == later
    assert AuditEvent.objects.filter(action="bulletin.read", object_id=str(bulletin.pk)).count() == 1
    assert bulletin_reads(bulletin) == {"read": [world.units["store1"].pk], "unread": [world.units["store2"].pk]}


@pytest.mark.parametrize("actor", ["other_unit_manager", "region_manager", "admin", "staff"])
def test_only_unit_managers_in_scope_mark_a_bulletin_read(world, data, actor):
    bulletin = published(world)
    before = state(bulletin)
    with pytest.raises(ApplicationError) as exc:
        services.bulletin_mark_read(actor=world.person(actor), bulletin=bulletin)
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state(bulletin) == before


def test_a_draft_cannot_be_read_or_published_twice(world, data):
    bulletin, _ = compile_(world)
    with pytest.raises(ApplicationError):
        services.bulletin_mark_read(actor=world.person("unit_manager"), bulletin=bulletin)
    services.bulletin_publish(actor=world.person("supervisor"), bulletin=bulletin)
    before = state(bulletin)
    with pytest.raises(ApplicationError) as exc:
        services.bulletin_publish(actor=world.person("supervisor"), bulletin=bulletin)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert state(bulletin) == before


def test_units_unread_after_the_policy_days_are_reminded_once(world, data):
    bulletin = published(world, unit="root")
    services.bulletin_mark_read(actor=world.person("unit_manager"), bulletin=bulletin, now=NOW)
    assert services.bulletins_remind_unread(now=NOW + dt.timedelta(days=2, hours=23)) == {"reminded_units": 0}
    assert services.bulletins_remind_unread(now=NOW + dt.timedelta(days=3)) == {"reminded_units": 2}
    reminders = Notification.objects.filter(kind="bulletin.unread")
    assert list(reminders.values_list("recipient__username", flat=True)) == ["other_unit_manager"]
    assert "3 天" in reminders.get().body
    assert services.bulletins_remind_unread(now=NOW + dt.timedelta(days=4)) == {"reminded_units": 0}
    assert reminders.count() == 1
    assert set(BulletinRead.objects.filter(reminded_at__isnull=False).values_list("unit__code", flat=True)) == {
        "S2", "S3"}


# --- the periodic job ------------------------------------------------------------------------------------
def tick(when: str, job: str = "bulletins_compile"):
    call_command("dudao_tick", "--now", when, "--job", job)


def test_the_job_compiles_the_period_just_ended_once(world, data, capsys):
    tick("2026-03-16T01:10:00+08:00")
    bulletin = Bulletin.objects.get()
    assert (bulletin.scope_unit_id, bulletin.period_start, bulletin.period_end, bulletin.origin) == (
        world.units["root"].pk, D(2026, 3, 1), D(2026, 3, 15), "schedule")
    assert bulletin.compiled_by is None and bulletin.status == "draft"
    assert bulletin.data["summary"]["inspections"] == 5
    notices = Notification.objects.filter(kind="bulletin.compiled")
    assert list(notices.values_list("recipient__username", flat=True)) == ["ops_manager"]
    tick("2026-03-16T13:00:00+08:00")  # the same day's slot has run
    tick("2026-03-17T01:10:00+08:00")  # a new day: the period's bulletin exists already
    tick("2026-03-31T01:10:00+08:00")
    assert Bulletin.objects.count() == 1 and notices.count() == 1
    out = capsys.readouterr().out
    assert "skipped (slot already ran)" in out and "'skipped': 2" in out
    tick("2026-04-01T01:10:00+08:00")  # 03-16..03-31 has the 03-20 inspection
    assert list(Bulletin.objects.order_by("period_start").values_list("period_start", "period_end")) == [
        (D(2026, 3, 1), D(2026, 3, 15)), (D(2026, 3, 16), D(2026, 3, 31))]
    # The other organisation had no inspections: no bulletin for it.
    assert not Bulletin.objects.filter(organization=world.other_org).exists()


def test_a_published_bulletin_is_left_alone_by_the_job(world, data):
    bulletin = published(world, unit="root")
    before = state(bulletin)
    tick("2026-03-16T01:10:00+08:00")
    assert state(bulletin) == before


def test_the_job_follows_the_policy_period(world, settings, tmp_path):
    from dudao.policies.services import policy_version_create

    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=today,
                          overrides={"bulletins": {"period": "monthly"}})
    start, end = window_of("monthly", today)
    inspect(world, "store1", template(world), start)
    first_of_next = end + dt.timedelta(days=1)
    tick(f"{first_of_next.isoformat()}T01:10:00+08:00")
    assert list(Bulletin.objects.values_list("period_start", "period_end")) == [(start, end)]


def test_the_reminder_job_runs_by_tick(world, data):
    published(world, unit="east", now=timezone.make_aware(dt.datetime(2026, 3, 16, 9)))
    tick("2026-03-19T09:40:00+08:00", job="bulletins_remind_unread")
    assert list(Notification.objects.filter(kind="bulletin.unread").values_list("recipient__username", flat=True)) \
        == ["unit_manager"]


def test_a_failed_run_is_caught_up_the_next_day(world, data, monkeypatch):
    from dudao.reporting import compilation

    real = compilation.compile_bulletin

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(compilation, "compile_bulletin", broken)
    result = services.bulletins_compile_scheduled(now=timezone.make_aware(dt.datetime(2026, 3, 16, 1, 10)))
    assert result == {"compiled": [], "skipped": 1, "failed": [world.org.pk]}
    assert not Bulletin.objects.exists() and not Notification.objects.filter(kind="bulletin.compiled").exists()
    monkeypatch.setattr(compilation, "compile_bulletin", real)
    result = services.bulletins_compile_scheduled(now=timezone.make_aware(dt.datetime(2026, 3, 17, 1, 10)))
    assert len(result["compiled"]) == 1
    assert Bulletin.objects.get().period_start == D(2026, 3, 1)
