"""Early warning: a failed red-line item or a critical finding alerts the region manager, the
operations manager and the executive at once (inbox, mail even for digest readers, chat robot),
once per inspection or finding however often it is asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from dudao.findings import services
from dudao.inspections import services as inspections
from dudao.inspections.tests.factories import make_template
from dudao.notifications.delivery import deliver_now
from dudao.notifications.models import DeliveryPreference, Notification

pytestmark = pytest.mark.django_db

WARNED = {"region_manager", "ops_manager", "executive"}


def warnings_for(world) -> dict[str, list[Notification]]:
    found: dict[str, list[Notification]] = {}
    for notification in Notification.objects.filter(kind="warning.critical").select_related("recipient"):
        found.setdefault(notification.recipient.username, []).append(notification)
    return found


def submit_round(world, values: dict[str, str]):
    template = make_template(world, [
        {"code": "R1", "text": "食品留样", "kind": "check", "points": 10, "critical": True, "severity": "high",
         "category": "risk"},
        {"code": "R2", "text": "冷库温度记录", "kind": "check", "points": 10, "critical": True, "severity": "high",
         "category": "risk"},
        {"code": "N1", "text": "地面清洁", "kind": "check", "points": 10, "category": "process_compliance"},
    ])
    inspection, _created = inspections.inspection_create(
        actor=world.person("supervisor"), unit=world.unit("store1"), template=template,
        performed_at=timezone.now() - dt.timedelta(hours=1), location_reason="测试:未定位")
    inspections.answers_upsert(actor=world.person("supervisor"), inspection=inspection,
                               answers=[{"item_code": code, "value": value} for code, value in values.items()])
    inspections.inspection_submit(actor=world.person("supervisor"), inspection=inspection)
    return inspection


def test_failed_red_line_items_alert_the_three_roles_once_per_inspection(world):
    submit_round(world, {"R1": "fail", "R2": "fail", "N1": "fail"})
    alerts = warnings_for(world)
    assert set(alerts) == WARNED  # the ops manager is the nearest one: they work from the operations center
    assert all(len(found) == 1 for found in alerts.values())
    alert = alerts["executive"][0]
    assert "预警" in alert.title and "2 项" in alert.title and "南京西路店" in alert.title
    assert "食品留样" in alert.body and "冷库温度记录" in alert.body and "地面清洁" not in alert.body
    # Nobody outside: the other region's manager, the store's own staff.
    assert not Notification.objects.filter(kind="warning.critical",
                                           recipient__username__in=["other_region_manager", "staff"]).exists()


def test_ordinary_failures_raise_no_alert(world):
    submit_round(world, {"R1": "pass", "R2": "pass", "N1": "fail"})
    assert not Notification.objects.filter(kind="warning.critical").exists()


def test_a_critical_complaint_alerts_once_and_a_medium_one_does_not(world):
    admin = world.person("admin")
    finding = services.finding_create(actor=admin, unit=world.unit("store1"), source="complaint",
                                      title="顾客食物中毒投诉", severity="critical", category="risk")
    services.finding_create(actor=admin, unit=world.unit("store1"), source="complaint", title="上菜慢",
                            severity="medium", category="process_compliance")
    alerts = warnings_for(world)
    assert set(alerts) == WARNED and all(len(found) == 1 for found in alerts.values())
    assert alerts["region_manager"][0].object_id == str(finding.pk)
    assert "顾客食物中毒投诉" in alerts["region_manager"][0].title


def test_the_alert_is_mailed_at_once_even_to_digest_readers(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DeliveryPreference.objects.create(person=world.people["executive"], daily_digest=True, email_enabled=True)
    DeliveryPreference.objects.create(person=world.people["region_manager"], daily_digest=True, email_enabled=False)
    services.finding_create(actor=world.person("admin"), unit=world.unit("store1"), source="complaint",
                            title="后厨起火", severity="critical", category="risk")
    ids = list(Notification.objects.filter(kind="warning.critical").values_list("id", flat=True))
    deliver_now(ids)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # The executive reads a digest but is mailed now; whoever turned mail off is not mailed.
    assert recipients == sorted([world.people["executive"].email, world.people["ops_manager"].email])
    assert all("后厨起火" in message.subject for message in mail.outbox)
