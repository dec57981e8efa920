"""Test data for findings, made through the real services (and, for inspections, plain rows)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dudao.checklists.models import Item
from dudao.core.attachments import attachment_upload
from dudao.findings import services
from dudao.findings.choices import FindingSource, FindingStatus
from dudao.findings.models import Finding
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Answer, Inspection


def png_bytes(colour=(200, 40, 40), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(person, unit, name="整改照片.png", colour=(40, 160, 60)):
    """A real uploaded photo (sniffed and re-encoded by the attachments service)."""
    return attachment_upload(actor=person, file=SimpleUploadedFile(name, png_bytes(colour), "image/png"), unit=unit)


def make_finding(world, *, unit="store1", creator="supervisor", source=FindingSource.DATA_CHECK, severity="medium",
                 title="收银差异超出容差", category="risk", now=None, **kwargs) -> Finding:
    return services.finding_create(
        actor=world.person(creator), unit=world.unit(unit), source=source, title=title, severity=severity,
        category=category, now=now, **kwargs,
    )


def _other_org_supervisor(world):
    from dudao.org import services as org_services
    from dudao.org.choices import Role
    from dudao.org.models import Person

    existing = Person.objects.filter(organization=world.other_org, username="b_supervisor").first()
    if existing is not None:
        return existing
    admin = world.person("b_admin")
    supervisor = org_services.person_create(actor=admin, username="b_supervisor", display_name="乙督导",
                                            password="Long-pass-2026!")
    org_services.role_grant(actor=admin, person=supervisor, role=Role.SUPERVISOR, unit=world.units["b_root"])
    return supervisor


def other_org_finding(world, status=FindingStatus.OPEN, *, with_extension=False) -> Finding:
    """A finding in the other organisation ("乙银行"), driven to `status` by its own people."""
    admin, manager = world.person("b_admin"), world.person("b_unit_manager")
    finding = services.finding_create(actor=admin, unit=world.unit("b_branch"), source=FindingSource.DATA_CHECK,
                                      title="乙方问题", severity="medium", category="risk")
    if with_extension:
        _other_org_supervisor(world)  # extensions go to the supervisor over the unit (the policy's route)
        services.finding_extension_request(actor=manager, finding=finding, reason="等待配件",
                                           due_date=finding.due_date + dt.timedelta(days=5))
    if status in (FindingStatus.PLANNED, FindingStatus.SUBMITTED):
        services.finding_plan(actor=manager, finding=finding, measures="整改")
    if status == FindingStatus.SUBMITTED:
        services.finding_submit(actor=manager, finding=finding, note="已整改")
    return Finding.objects.get(pk=finding.pk)


def drive(world, finding: Finding, status: str, *, manager="unit_manager", supervisor="supervisor") -> Finding:
    """Take an open finding through the real services to `status`."""
    unit_manager, checker = world.person(manager), world.person(supervisor)
    if status == FindingStatus.OPEN:
        return finding
    services.finding_plan(actor=unit_manager, finding=finding, measures="更换设备并培训员工")
    if status != FindingStatus.PLANNED:
        attachments = [photo(unit_manager, finding.unit)] if finding.severity in ("high", "critical") else []
        services.finding_submit(actor=unit_manager, finding=finding, note="已整改", attachments=attachments)
    if status == FindingStatus.CLOSED:
        services.finding_accept(actor=checker, finding=finding, note="合格")
    return Finding.objects.get(pk=finding.pk)


def finding_in(world, status: str, **kwargs) -> Finding:
    return drive(world, make_finding(world, **kwargs), status)


def make_inspection(world, template, *, unit="store1", inspector="supervisor", answers=(), follow_up_of=None,
                    performed_at=None) -> Inspection:
    """A submitted inspection with the given answers: (item code, value, failed, note)."""
    performed_at = performed_at or timezone.now()
    inspection = Inspection.objects.create(
        organization=world.org, unit=world.unit(unit), template=template, inspector=world.person(inspector),
        performed_at=performed_at, status=InspectionStatus.SUBMITTED, submitted_at=performed_at,
        follow_up_of=follow_up_of,
    )
    items = {item.code: item for item in Item.objects.filter(template=template)}
    for code, value, failed, note in answers:
        Answer.objects.create(inspection=inspection, item=items[code], value=value, failed=failed, note=note,
                              answered_by=world.person(inspector), answered_at=performed_at)
    return inspection


def failed_answers(inspection) -> list[Answer]:
    return list(inspection.answers.filter(failed=True).select_related("item"))
