"""Pending extension requests made before the approval engine took them over become approval
requests of kind `rectification_extension`, so they are decided where every approval is.

Each gets the route the organisation's policy gives on the day of the request (pack plus the
version in force), its first step open from now with the policy's deadline, and as approvers the
active holders of the step's role over the finding's unit (service roles fall back to the nearest
holders, as routing does), never the requester. A request nobody could decide is cancelled on the
finding with a note asking for a new one. Requests already decided stay as they are: the finding's
record of a decision taken before.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

ORG_WIDE = {"admin", "executive"}
SERVICE_ROLES = {"department_head", "ops_manager", "hr", "finance"}


def _ids(path):
    return [part for part in path.strip("/").split("/") if part]


def _shared(a, b):
    shared = 0
    for left, right in zip(_ids(a), _ids(b), strict=False):
        if left != right:
            break
        shared += 1
    return shared


def _approvers(assignments, role, unit_path, exclude_id):
    held = [a for a in assignments if a.role == role and a.person_id != exclude_id]
    if role in ORG_WIDE:
        chosen = held
    else:
        chosen = [a for a in held if unit_path.startswith(a.unit.path)]
        if not chosen and role in SERVICE_ROLES and held:
            nearest = max(_shared(a.unit.path, unit_path) for a in held)
            chosen = [a for a in held if _shared(a.unit.path, unit_path) == nearest]
    return sorted({a.person_id for a in chosen})


def forwards(apps, schema_editor):
    from dudao.policies.registry import effective_document

    FindingExtension = apps.get_model("findings", "FindingExtension")
    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    RoleAssignment = apps.get_model("org", "RoleAssignment")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    now = timezone.now()
    pending = (
        FindingExtension.objects.filter(status="pending", approval__isnull=True)
        .select_related("finding__unit", "finding__organization", "requested_by")
        .order_by("id")
    )
    for extension in pending:
        finding = extension.finding
        organization = finding.organization
        on = timezone.localdate(extension.requested_at)
        version = (PolicyVersion.objects.filter(organization_id=organization.pk, effective_from__lte=on)
                   .order_by("-effective_from").first())
        policy = effective_document(organization.policy_pack, version.overrides if version else None)
        roles = list(policy.approvals.roles_for("rectification_extension"))
        assignments = list(
            RoleAssignment.objects.filter(organization_id=organization.pk, role__in=roles, person__is_active=True)
            .select_related("unit")
        )
        routed = [(role, _approvers(assignments, role, finding.unit.path, extension.requested_by_id))
                  for role in roles]
        if not routed or not all(people for _role, people in routed):
            extension.status = "cancelled"
            extension.decided_at = now
            extension.decision_note = "升级为统一审批时没有可审批的人,请重新申请延期"
            extension.save(update_fields=["status", "decided_at", "decision_note"])
            continue
        request = ApprovalRequest.objects.create(
            organization_id=organization.pk, kind="rectification_extension",
            title=f"整改延期:{finding.title}"[:200], unit_id=finding.unit_id, requester_id=extension.requested_by_id,
            status="pending", subject_type="findings.finding", subject_id=str(finding.pk), created_at=extension.requested_at,
            detail={"finding_id": finding.pk, "extension_id": extension.pk, "finding_title": finding.title,
                    "previous_due_date": extension.previous_due_date.isoformat(),
                    "requested_due_date": extension.requested_due_date.isoformat(), "reason": extension.reason},
        )
        for position, (role, people) in enumerate(routed, start=1):
            first = position == 1
            step = ApprovalStep.objects.create(
                request=request, position=position, role=role, status="pending" if first else "waiting",
                activated_at=now if first else None,
                due_at=now + dt.timedelta(days=policy.approvals.step_deadline_days) if first else None,
            )
            step.approvers.set(people)
        extension.approval = request
        extension.save(update_fields=["approval"])


def backwards(apps, schema_editor):
    FindingExtension = apps.get_model("findings", "FindingExtension")
    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    for extension in FindingExtension.objects.filter(status="pending", approval__isnull=False):
        request_id = extension.approval_id
        extension.approval = None
        extension.save(update_fields=["approval"])
        ApprovalRequest.objects.filter(pk=request_id, status="pending").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("findings", "0005_add_extension_approval"),
        ("org", "0001_initial"),
        ("policies", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
