"""Approval requests for tests, made through the real service."""

from __future__ import annotations

from dudao.approvals.models import ApprovalRequest, ApprovalStep
from dudao.approvals.services import approval_request_create
from dudao.core.models import AuditEvent
from dudao.notifications.models import Notification


def purchase(world, amount=250, *, requester="unit_manager", unit="store1", title="冷柜维修配件", **kwargs):
    return approval_request_create(
        actor=world.person(requester), kind="purchase", title=title, amount=amount, unit=world.units[unit],
        detail={"items": "压缩机继电器 x2", "reason": "冷柜温度偏高"}, **kwargs,
    )


def other_org_purchase(world):
    from dudao.org import services as org_services
    from dudao.org.choices import Role

    existing = ApprovalRequest.objects.filter(organization=world.other_org, title="乙采购").first()
    if existing:
        return existing
    admin = world.person("b_admin")
    head = org_services.person_create(actor=admin, username="b_head", display_name="乙部门负责人",
                                      password="Long-pass-2026!")
    org_services.role_grant(actor=admin, person=head, role=Role.DEPARTMENT_HEAD, unit=world.units["b_root"])
    return approval_request_create(
        actor=world.person("b_unit_manager"), kind="purchase", title="乙采购", amount=100,
        unit=world.units["b_branch"],
    )


def request_state(request):
    """Everything a refused call must leave untouched."""
    request = ApprovalRequest.objects.get(pk=request.pk)
    steps = list(ApprovalStep.objects.filter(request=request).order_by("position").values_list(
        "status", "decided_by_id", "comment"))
    return (request.status, steps, AuditEvent.objects.count(), Notification.objects.count(),
            ApprovalRequest.objects.count())


def png_file(name="报价单.png"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def purchase_with_attachment(world, *, other_org=False):
    from dudao.core.attachments import attachment_upload

    if other_org:
        request = other_org_purchase(world)
        requester, unit = world.person("b_unit_manager"), world.units["b_branch"]
    else:
        existing = ApprovalRequest.objects.filter(organization=world.org, title="附报价单").first()
        if existing:
            return existing
        requester, unit = world.person("unit_manager"), world.units["store1"]
        request = None
    if request is not None and request.attachments.exists():
        return request
    attachment = attachment_upload(actor=requester, file=png_file(), unit=unit)
    if request is None:
        return approval_request_create(actor=requester, kind="purchase", title="附报价单", amount=180, unit=unit,
                                       attachments=[attachment])
    from dudao.core.attachments import attachment_attach

    attachment_attach(actor=requester, attachment=attachment, obj=request, unit=unit)
    request.attachments.add(attachment)
    return request
