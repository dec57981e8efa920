"""notify(): each person once, nothing before the commit, mail only to who wants single mails; the inbox services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.notifications import services
from dudao.notifications.models import DeliveryPreference, Notification
from dudao.notifications.services import notify
from dudao.org.services import person_deactivate

from .helpers import note_for, prefer, set_notifications_policy


def send(world, keys, **kwargs):
    options = {"kind": "finding.assigned", "title": "南京西路店 检查发现 2 个问题待整改", "obj": world.units["store1"]}
    options.update(kwargs)
    return notify(recipients=[world.people[k] if k else None for k in keys], **options)


# --- inbox rows ----------------------------------------------------------------------------------
def test_each_recipient_gets_exactly_one_inbox_row(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = send(world, ["unit_manager", "supervisor", "unit_manager", None], dedupe_key="inspection:1")
    assert sorted(n.recipient_id for n in created) == sorted(
        [world.people["unit_manager"].pk, world.people["supervisor"].pk]
    )
    assert all(n.pk for n in created)
    row = Notification.objects.get(recipient=world.people["unit_manager"])
    assert (row.kind, row.object_type, row.object_id) == ("finding.assigned", "org.unit", str(world.units["store1"].pk))
    assert row.url == world.units["store1"].get_absolute_url()
    assert row.organization_id == world.org.pk and row.read_at is None


def test_the_same_dedupe_key_never_notifies_anyone_twice(world, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        send(world, ["unit_manager"], dedupe_key="finding:7:level:1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = send(world, ["unit_manager", "supervisor"], dedupe_key="finding:7:level:1")
    assert [n.recipient_id for n in again] == [world.people["supervisor"].pk]
    assert Notification.objects.filter(dedupe_key="finding:7:level:1").count() == 2
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["supervisor@example.com", "unit_manager@example.com"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert send(world, ["unit_manager", "supervisor"], dedupe_key="finding:7:level:1") == []
    assert callbacks == [] and len(mailoutbox) == 2


def test_without_a_dedupe_key_each_event_is_its_own_notification(world):
    send(world, ["unit_manager"])
    send(world, ["unit_manager"])
    assert Notification.objects.filter(recipient=world.people["unit_manager"]).count() == 2


def test_inactive_people_are_not_notified(world):
    person_deactivate(actor=world.people["admin"], person=world.person("staff"))
    world.people["staff"] = world.person("staff")
    assert send(world, ["staff"]) == []
    assert not Notification.objects.filter(recipient=world.people["staff"]).exists()


def test_notify_costs_the_same_queries_for_two_or_ten_recipients(world):
    from dudao.org.testing import make_person

    many = [make_person(world.org, f"clerk{i}") for i in range(10)]

    def queries(people, key):
        with CaptureQueriesContext(connection) as captured:
            notify(recipients=people, kind="plan.published", title="计划已发布", dedupe_key=key)
        return len(captured)

    assert queries(many[:2], "a") == queries(many, "b")
    assert Notification.objects.filter(dedupe_key="b").count() == 10


# --- after the commit only -----------------------------------------------------------------------
def test_a_rolled_back_transaction_notifies_nobody_and_sends_no_mail(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        send(world, ["unit_manager", "supervisor"])
        assert Notification.objects.count() == 2
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0
    assert callbacks == []
    assert mailoutbox == []


def test_mail_is_sent_after_the_commit_not_before(world, django_capture_on_commit_callbacks, mailoutbox, settings):
    settings.DUDAO_BASE_URL = "https://dudao.example.com/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = send(world, ["unit_manager"], body="· 地面湿滑")
    assert mailoutbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["unit_manager@example.com"]
    assert mail.subject == "南京西路店 检查发现 2 个问题待整改"
    assert "· 地面湿滑" in mail.body
    assert f"https://dudao.example.com/notifications/{created[0].pk}/open/" in mail.body
    assert "https://dudao.example.com/notifications/preferences/" in mail.body
    assert Notification.objects.get(pk=created[0].pk).emailed_at is not None


def test_the_link_uses_the_local_address_without_a_base_url_setting(world, django_capture_on_commit_callbacks,
                                                                    mailoutbox, settings):
    if hasattr(settings, "DUDAO_BASE_URL"):
        del settings.DUDAO_BASE_URL
    with django_capture_on_commit_callbacks(execute=True):
        created = send(world, ["unit_manager"])
    assert f"http://127.0.0.1:8000/notifications/{created[0].pk}/open/" in mailoutbox[0].body


def test_mail_goes_only_to_people_who_want_single_mails(world, django_capture_on_commit_callbacks, mailoutbox):
    prefer(world.people["supervisor"], daily_digest=True)
    prefer(world.people["region_manager"], email_enabled=False)
    prefer(world.people["ops_manager"], daily_digest=False, email_enabled=True)
    no_email = world.person("staff")
    no_email.email = ""
    no_email.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        created = send(world, ["unit_manager", "supervisor", "region_manager", "ops_manager", "staff"])
    assert sorted(m.to[0] for m in mailoutbox) == ["ops_manager@example.com", "unit_manager@example.com"]
    emailed = {n.recipient.username for n in Notification.objects.filter(emailed_at__isnull=False)}
    assert emailed == {"unit_manager", "ops_manager"}
    assert len(created) == 5  # everyone still has it in the inbox


def test_no_mail_at_all_when_the_organisation_turned_mail_off(world, django_capture_on_commit_callbacks, mailoutbox):
    set_notifications_policy(world, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(world, ["unit_manager"])
    assert mailoutbox == []
    assert Notification.objects.get().emailed_at is None


def test_a_failing_mail_server_never_breaks_the_caller(world, django_capture_on_commit_callbacks, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens on 9
    with django_capture_on_commit_callbacks(execute=True):
        created = send(world, ["unit_manager"])
    assert Notification.objects.get(pk=created[0].pk).emailed_at is None
    assert "mail server unavailable" in caplog.text


# --- reading ---------------------------------------------------------------------------------------
def test_marking_read_keeps_the_first_reading_time(world):
    note = note_for(world, "unit_manager")
    first = services.notification_mark_read(actor=world.people["unit_manager"], notification=note).read_at
    assert first is not None
    again = services.notification_mark_read(
        actor=world.people["unit_manager"], notification=Notification.objects.get(pk=note.pk)
    )
    assert again.read_at == first


def test_nobody_marks_someone_elses_notification(world):
    note = note_for(world, "unit_manager")
    for key in ("admin", "supervisor", "b_admin"):
        with pytest.raises(ApplicationError):
            services.notification_mark_read(actor=world.people[key], notification=note)
    assert Notification.objects.get(pk=note.pk).read_at is None
    services.notification_mark_read(actor=world.people["unit_manager"], notification=note)
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_mark_all_read_touches_only_the_actors_inbox(world):
    mine = [note_for(world, "unit_manager", unit=u) for u in ("store1", "store2")]
    theirs = note_for(world, "supervisor")
    assert services.notifications_mark_all_read(actor=world.people["unit_manager"]) == 2
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert services.notifications_mark_all_read(actor=world.people["unit_manager"]) == 0


# --- preferences ---------------------------------------------------------------------------------
def test_changing_the_delivery_preference_is_audited(world):
    person = world.people["supervisor"]
    services.delivery_preference_update(actor=person, daily_digest=True, email_enabled=True)
    preference = DeliveryPreference.objects.get(person=person)
    assert preference.daily_digest and preference.email_enabled
    event = AuditEvent.objects.get(action="notification_preference.update")
    assert event.actor_id == person.pk and event.before is None
    assert event.after["daily_digest"] is True
    services.delivery_preference_update(actor=person, daily_digest=True, email_enabled=True)
    assert AuditEvent.objects.filter(action="notification_preference.update").count() == 1  # nothing changed
    services.delivery_preference_update(actor=person, daily_digest=False, email_enabled=False)
    latest = AuditEvent.objects.filter(action="notification_preference.update").order_by("-seq").first()
    assert latest.before["daily_digest"] is True and latest.after["email_enabled"] is False
    assert DeliveryPreference.objects.count() == 1


def test_notification_created_at_follows_at(world):
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    assert send(world, ["unit_manager"], at=moment)[0].created_at == moment
