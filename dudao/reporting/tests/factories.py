"""Test data for reports and bulletins: inspections and findings with exactly the figures a test wants.

Inspections are built directly as rows (submitted, with one current answer per item) so a test can
place them on any day; `dudao.inspections.services` makes the ones whose path through submit matters.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from dudao.findings.choices import FindingSource, FindingStatus
from dudao.findings.models import Finding
from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Answer, Inspection
from dudao.inspections.tests.factories import make_template

# (code, text, severity, category); every item is a 10-point check.
ITEMS = [
    ("A1", "地面清洁无积水", "medium", "process_compliance"),
    ("A2", "员工仪容仪表规范", "low", "service_quality"),
    ("A3", "冷藏温度达标", "high", "risk"),
    ("A4", "收银流程规范", "medium", "process_compliance"),
    ("A5", "无过期食材", "critical", "risk"),
]


def template(world, items=ITEMS, name="门店检查表"):
    return make_template(world, [
        {"code": code, "text": text, "kind": "check", "points": 10, "severity": severity, "category": category,
         "critical": severity == "critical"}
        for code, text, severity, category in items
    ], name=name)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def inspect(world, unit_key: str, tmpl, day: dt.date, failed: dict[str, str] | None = None, *,
            photos: dict[str, list] | None = None, visit=None, status=InspectionStatus.SUBMITTED,
            inspector: str = "supervisor") -> Inspection:
    """A submitted inspection of `unit_key` on `day`, failing the item codes in `failed` (code -> note)."""
    failed = failed or {}
    items = list(tmpl.items.order_by("position"))
    earned = sum(Decimal(10) for item in items if item.code not in failed)
    possible = Decimal(10) * len(items)
    score = (earned * 100 / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    critical = any(item.critical and item.code in failed for item in items)
    person = world.people[inspector]
    inspection = Inspection.objects.create(
        organization=world.org, unit=world.units[unit_key], template=tmpl, inspector=person, visit=visit,
        performed_at=at(day), status=status, earned_points=earned, possible_points=possible, score=score,
        passed=score >= 80 and not critical, critical_failed=critical,
        submitted_at=at(day, 12) if status != InspectionStatus.DRAFT else None,
    )
    for item in items:
        answer = Answer.objects.create(
            inspection=inspection, item=item, value="fail" if item.code in failed else "pass",
            note=failed.get(item.code, ""), earned=Decimal(0) if item.code in failed else Decimal(10),
            possible=Decimal(10), failed=item.code in failed, answered_by=person, answered_at=at(day),
        )
        if photos and item.code in photos:
            answer.attachments.set(photos[item.code])
    return inspection


def finding(world, unit_key: str, code: str = "A1", *, created: dt.date, due: dt.date, status=FindingStatus.OPEN,
            closed: dt.date | None = None, repeat: bool = False, severity: str = "medium",
            category: str = "process_compliance", inspection=None, title: str | None = None,
            source=FindingSource.INSPECTION) -> Finding:
    return Finding.objects.create(
        organization=world.org, unit=world.units[unit_key], source=source, inspection=inspection,
        item_code=code, title=title or {c: t for c, t, _s, _k in ITEMS}.get(code, code),
        category=category, severity=severity, status=status, due_date=due, policy_due_date=due, repeat=repeat,
        created_by=world.people["supervisor"], created_at=at(created, 11),
        closed_at=at(closed, 15) if closed else None,
    )


def image(world, person_key="supervisor", unit_key="store1", colour=(200, 30, 30)):
    """A real stored photo (through the attachment service)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from dudao.core.attachments import attachment_upload

    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buffer, "JPEG")
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    return attachment_upload(actor=world.person(person_key), file=upload, unit=world.unit(unit_key))
