"""The daily digest: at the organisation's digest hour, one mail per digest-preferring person, once."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from dudao.core.jobs import REGISTRY, hourly_slot
from dudao.core.models import JobRun
from dudao.notifications.delivery import send_daily_digests
from dudao.notifications.models import Notification

from .helpers import local, note_for, prefer, set_notifications_policy

JOB = "notifications_daily_digest"


def tick(moment: dt.datetime) -> None:
    call_command("dudao_tick", "--now", moment.isoformat(), "--job", JOB)


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def digest_world(world, django_capture_on_commit_callbacks):
    """supervisor chose the digest; unit_manager wants single mails; both get three notifications."""
    prefer(world.people["supervisor"], daily_digest=True)
    day = tomorrow()
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("supervisor", "unit_manager"):
            note_for(world, key, unit="store1", title="南京西路店 问题待整改", at=local(day, 6))
            note_for(world, key, unit="store2", title="淮海路店 问题已逾期", at=local(day, 7, 30))
            # older than a day at tomorrow 08:00: not in that digest
            note_for(world, key, unit="east", title="上周的通知", at=local(day, 7) - dt.timedelta(days=2))
    return day


def test_the_job_is_registered_hourly(db):
    job = REGISTRY[JOB]
    assert job.slot is hourly_slot


def test_the_digest_goes_out_at_the_digest_hour_only(world, django_capture_on_commit_callbacks, mailoutbox):
    day = digest_world(world, django_capture_on_commit_callbacks)
    single_mails = len(mailoutbox)
    assert sorted({m.to[0] for m in mailoutbox}) == ["unit_manager@example.com"]  # single mails, none for supervisor
    tick(local(day, 7))
    assert len(mailoutbox) == single_mails
    tick(local(day, 8))
    digests = mailoutbox[single_mails:]
    assert len(digests) == 1
    mail = digests[0]
    assert mail.to == ["supervisor@example.com"]
    assert mail.subject == "督导每日汇总:2 条通知"
    assert "南京西路店 问题待整改" in mail.body and "淮海路店 问题已逾期" in mail.body
    assert "上周的通知" not in mail.body
    assert mail.body.index("淮海路店") < mail.body.index("南京西路店")  # newest first, as in the inbox
    supervisor_rows = Notification.objects.filter(recipient=world.people["supervisor"])
    assert supervisor_rows.filter(digested_at=local(day, 8)).count() == 2
    assert supervisor_rows.filter(title="上周的通知", digested_at__isnull=True).count() == 1
    assert not Notification.objects.filter(recipient=world.people["unit_manager"], digested_at__isnull=False).exists()


def test_running_twice_sends_once(world, django_capture_on_commit_callbacks, mailoutbox):
    day = digest_world(world, django_capture_on_commit_callbacks)
    before = len(mailoutbox)
    tick(local(day, 8))
    tick(local(day, 8, 40))  # the same slot: skipped
    assert JobRun.objects.filter(job=JOB).count() == 1
    assert len(mailoutbox) == before + 1
    # called again directly (another process, a replayed hour): everything is digested already
    assert send_daily_digests(local(day, 8, 50)) == {"people": 0, "notifications": 0}
    assert len(mailoutbox) == before + 1


def test_the_next_day_lists_only_what_came_since(world, django_capture_on_commit_callbacks, mailoutbox):
    day = digest_world(world, django_capture_on_commit_callbacks)
    tick(local(day, 8))
    before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        note_for(world, "supervisor", unit="store3", title="春熙路店 问题待验收", at=local(day, 15))
    tick(local(day + dt.timedelta(days=1), 8))
    assert len(mailoutbox) == before + 1
    mail = mailoutbox[-1]
    assert mail.subject == "督导每日汇总:1 条通知"
    assert "春熙路店 问题待验收" in mail.body and "南京西路店" not in mail.body


def test_nobody_gets_an_empty_digest(world, mailoutbox):
    prefer(world.people["supervisor"], daily_digest=True)
    tick(local(tomorrow(), 8))
    assert mailoutbox == []


def test_digest_people_with_mail_off_get_nothing(world, django_capture_on_commit_callbacks, mailoutbox):
    day = digest_world(world, django_capture_on_commit_callbacks)
    prefer(world.people["supervisor"], daily_digest=True, email_enabled=False)
    before = len(mailoutbox)
    tick(local(day, 8))
    assert len(mailoutbox) == before


def test_the_organisations_digest_hour_is_its_policy(world, django_capture_on_commit_callbacks, mailoutbox):
    set_notifications_policy(world, digest_hour=18)
    day = digest_world(world, django_capture_on_commit_callbacks)
    before = len(mailoutbox)
    tick(local(day, 8))
    assert len(mailoutbox) == before
    with django_capture_on_commit_callbacks(execute=True):
        note_for(world, "supervisor", unit="store3", title="春熙路店 问题待验收", at=local(day, 12))
    tick(local(day, 18))
    assert len(mailoutbox) == before + 1
    assert mailoutbox[-1].subject == "督导每日汇总:3 条通知"


def test_no_digest_when_the_organisation_turned_mail_off(world, django_capture_on_commit_callbacks, mailoutbox):
    set_notifications_policy(world, email_enabled=False)
    day = digest_world(world, django_capture_on_commit_callbacks)
    tick(local(day, 8))
    assert mailoutbox == []


def test_the_digest_groups_as_the_inbox_does_and_replaces_single_mails(
        world, django_capture_on_commit_callbacks, mailoutbox):
    from dudao.notifications.services import notify

    person = world.people["supervisor"]
    prefer(person, daily_digest=True)
    day = tomorrow()
    with django_capture_on_commit_callbacks(execute=True):
        for minute, code in enumerate(("store1", "store2", "store1")):
            notify(recipients=[person], kind="inspection.acknowledged", obj=world.units[code],
                   title=f"{world.units[code].name} 已签收检查", at=local(day, 6, minute))
        notify(recipients=[person], kind="finding.submitted", obj=world.units["store1"], title="整改待验收",
               at=local(day, 7))
    assert not mailoutbox  # no single mails for a digest reader
    tick(local(day, 8))
    [mail] = mailoutbox
    assert mail.subject == "督导每日汇总:4 条通知"
    assert "2 次巡店已签收" in mail.body
    assert f"{world.units['store1'].name} 已签收检查 ×2" in mail.body
    assert "整改待验收" in mail.body
