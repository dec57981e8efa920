"""The data migration that hands extension requests pending before the approval engine took them
over to the engine (migrations/0006), run on rows as the old code left them."""

from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps
from django.utils import timezone

from dudao.findings.choices import ExtensionStatus
from dudao.findings.models import FindingExtension

from .factories import make_finding

migration = importlib.import_module("dudao.findings.migrations.0006_pending_extensions_to_approvals")


def old_style_request(world, unit="store1", manager="unit_manager", status=ExtensionStatus.PENDING):
    finding = make_finding(world, unit=unit, creator="admin")
    return FindingExtension.objects.create(
        finding=finding, requested_by=world.person(manager), requested_at=timezone.now(),
        previous_due_date=finding.due_date, requested_due_date=finding.due_date + dt.timedelta(days=5),
        reason="等配件", status=status)


def test_pending_requests_become_approvals_routed_to_the_supervisor_and_decided_ones_stay(world):
    pending = old_style_request(world)
    decided = old_style_request(world, status=ExtensionStatus.REJECTED)
    stranded = old_style_request(world, unit="store3", manager="other_unit_manager")  # no supervisor in the west
    migration.forwards(apps, None)
    pending.refresh_from_db()
    approval = pending.approval
    assert (approval.kind, approval.status, approval.requester_id) == (
        "rectification_extension", "pending", world.people["unit_manager"].pk)
    assert (approval.subject_type, approval.subject_id) == ("findings.finding", str(pending.finding_id))
    [step] = approval.steps.all()
    assert (step.role, step.status) == ("supervisor", "pending") and step.due_at is not None
    assert [p.username for p in step.approvers.all()] == ["supervisor"]
    decided.refresh_from_db()
    assert decided.approval is None and decided.status == ExtensionStatus.REJECTED
    stranded.refresh_from_db()
    assert stranded.approval is None and stranded.status == ExtensionStatus.CANCELLED and stranded.decision_note
    # Decided through the engine, the outcome reaches the finding.
    from dudao.approvals.services import approval_decide

    approval_decide(actor=world.person("supervisor"), approval=approval, decision="approve")
    pending.refresh_from_db()
    assert pending.status == ExtensionStatus.APPROVED
    assert pending.finding.due_date == pending.requested_due_date
    # And back: the request is unlinked and its approval removed while still pending.
    again = old_style_request(world)
    migration.forwards(apps, None)
    again.refresh_from_db()
    approval_id = again.approval_id
    migration.backwards(apps, None)
    again.refresh_from_db()
    assert again.approval is None
    from dudao.approvals.models import ApprovalRequest

    assert not ApprovalRequest.objects.filter(pk=approval_id).exists()
