"""Links that work: every notification kind the code sends opens a page its recipient can read.

The demo organisation, moved forward through the periodic jobs, sends almost every kind through the
real services; the kinds it does not reach (an extension decided or withdrawn) are made here too.
"""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dudao.approvals.services import approval_decide
from dudao.findings import services as findings
from dudao.findings.choices import FindingStatus
from dudao.findings.tests.factories import drive, make_finding
from dudao.notifications.models import Notification

# Every kind the code sends (grep "notify(" and records.tell): the demo and its jobs reach these...
DEMO_KINDS = {
    "approval.approved", "approval.overdue", "approval.pending", "approval.progress", "approval.rejected",
    "bulletin.compiled", "bulletin.published", "bulletin.unread", "evaluation.key_target",
    "evaluation.review_case", "finding.accepted", "finding.assigned", "finding.due_soon", "finding.escalated",
    "finding.overdue", "finding.rejected", "finding.submitted", "inspection.acknowledged",
    "inspection.submitted", "plan.published", "report.approved",
}
# ...and these are made below (finding.closed, by a re-inspection, links to the finding like every
# finding.* kind; its page is opened by the finding kinds above).
WORLD_KINDS = {"finding.extension_decided", "approval.withdrawn"}
PER_KIND = 3


def opens(client, notification) -> None:
    client.force_login(notification.recipient)
    response = client.get(reverse("notifications:open", args=[notification.pk]), follow=True)
    assert response.status_code == 200, (notification.kind, notification.url, notification.recipient.username)
    landed = response.redirect_chain[-1][0] if response.redirect_chain else ""
    assert landed == (notification.url or reverse("notifications:inbox")), (notification.kind, landed)


def test_every_kind_the_demo_sends_opens_for_its_recipient(db, client):
    call_command("dudao_demo")
    today = timezone.localdate()
    for days in (1, 4, 12, 40):  # due-soon, overdue, escalations, reminders, bulletins, the monthly evaluation
        moment = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(9)))
        call_command("dudao_tick", "--now", moment.isoformat())
    sent = set(Notification.objects.values_list("kind", flat=True))
    assert sent >= DEMO_KINDS, sorted(DEMO_KINDS - sent)
    for kind in sorted(sent):
        seen: set[int] = set()
        for notification in Notification.objects.filter(kind=kind).select_related("recipient").order_by("id"):
            if notification.recipient_id in seen:
                continue
            seen.add(notification.recipient_id)
            opens(client, notification)
            if len(seen) == PER_KIND:
                break


def test_extension_decided_and_withdrawn_open_for_their_recipients(world, client):
    manager, supervisor = world.person("unit_manager"), world.person("supervisor")
    decided = make_finding(world, title="冷柜温度偏高")
    extension = findings.finding_extension_request(
        actor=manager, finding=decided, due_date=decided.due_date + dt.timedelta(days=7), reason="等配件")
    approval_decide(actor=supervisor, approval=extension.approval, decision="approve", comment="同意")
    withdrawn = make_finding(world, title="灭火器过期")
    findings.finding_extension_request(
        actor=manager, finding=withdrawn, due_date=withdrawn.due_date + dt.timedelta(days=7), reason="等采购")
    drive(world, withdrawn, FindingStatus.CLOSED)
    for kind in sorted(WORLD_KINDS):
        notifications = list(Notification.objects.filter(kind=kind).select_related("recipient"))
        assert notifications, kind
        for notification in notifications:
            opens(client, notification)
