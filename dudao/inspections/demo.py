"""Demo inspections of the demo restaurant chain, made through the real services.

Every store was inspected about weekly by its region's supervisor against the store operations
standard, from five weeks ago until yesterday; this week's planned visits that lie in the past are
done by their inspections. Most stores do well; 深圳福田店 (S06) and 上海淮海中路店 (S02) fail often
enough to fall under the pass mark in both months, so the monthly evaluation flags them and opens a
manager review case. Findings from older inspections were rectified and accepted (a few late); the
recent ones are still open, and one failed inspection has a follow-up under way.

Stores get real-looking WGS-84 coordinates near their city centres; every on-site inspection checks
in a few dozen metres from its store, except one at 上海淮海中路店 made from across the road with a
stated reason, and evidence photos carry their capture time, position and device.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.checklists.choices import ItemKind
from dudao.checklists.demo import store_operations_template
from dudao.core.attachments import attachment_upload
from dudao.findings import services as finding_services
from dudao.findings.choices import FindingStatus
from dudao.findings.models import Finding
from dudao.org import services as org_services
from dudao.org.choices import UnitKind
from dudao.org.models import Unit
from dudao.planning.choices import VisitStatus
from dudao.planning.models import Visit

from . import services
from .choices import InspectionMode, InspectionStatus
from .models import Inspection

REGIONS = ["EAST", "SOUTH", "NORTH"]
# The chance that a store fails a scorable item; stores not named here rarely fail.
FAIL_CHANCE = {"S02": 0.32, "S06": 0.36, "S03": 0.12, "S10": 0.12}
USUAL_FAIL_CHANCE = 0.03
WEEKS_BACK = 5
NOTES = {
    ItemKind.TEXT: "顾客反映菜品口味稳定,希望增加儿童餐。",
}
# WGS-84 positions of the demo stores (by name), each within a few kilometres of its city centre.
STORE_POSITIONS = {
    "上海南京西路店": ("31.234310", "121.472790"),
    "上海淮海中路店": ("31.218440", "121.462380"),
    "杭州西湖店": ("30.257250", "120.164080"),
    "南京新街口店": ("32.041530", "118.784390"),
    "广州天河店": ("23.132100", "113.324360"),
    "深圳福田店": ("22.541030", "114.057320"),
    "深圳南山店": ("22.532270", "113.930070"),
    "厦门中山路店": ("24.456020", "118.078190"),
    "北京王府井店": ("39.914270", "116.410280"),
    "北京国贸店": ("39.908530", "116.458110"),
    "天津滨江道店": ("39.123160", "117.197540"),
    "青岛台东店": ("36.086010", "120.355150"),
}
DEMO_DEVICE = "HUAWEI Mate 60"
OUT_OF_RANGE = ("S02", "商场整体停电封闭,在马路对面写字楼大堂与店长核对记录并查看监控截图。")


def _place_stores(admin, units) -> None:
    for unit in units.values():
        position = STORE_POSITIONS.get(unit.name)
        if position is not None and not unit.has_position:
            org_services.unit_update(actor=admin, unit=unit, latitude=Decimal(position[0]),
                                     longitude=Decimal(position[1]))


def _near(unit, rng, metres: float) -> tuple[Decimal, Decimal]:
    """A position about `metres` from the unit, in a random direction."""
    bearing = rng.random() * 2 * math.pi
    lat = float(unit.latitude) + metres * math.cos(bearing) / 111_320
    lon = float(unit.longitude) + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def _photo(person, unit, label: str, colour: tuple[int, int, int], *, taken_at=None, position=None):
    """A plain coloured photo uploaded as `person`'s evidence about `unit`, taken with the camera at
    `taken_at` and `position` (when given)."""
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 220), outline=(255, 255, 255), width=6)
    draw.text((40, 40), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    evidence = {}
    if taken_at is not None:
        evidence = {"captured_at": taken_at, "source": "camera", "device": DEMO_DEVICE, "accuracy_m": "12"}
    if position is not None:
        evidence.update(latitude=position[0], longitude=position[1])
    return attachment_upload(actor=person, unit=unit, evidence=evidence,
                             file=SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), "image/jpeg"))


def _value(item, fails: bool):
    if item.kind == ItemKind.CHECK:
        return "fail" if fails else "pass"
    if item.kind == ItemKind.SCORE:
        pass_points = int(item.effective_pass_points)
        return str(max(0, pass_points - 3) if fails else item.points)
    if item.kind == ItemKind.NUMBER:
        # A one-sided item is judged against its one bound: step a little past it, or stay on it.
        low = None if item.min_value is None else Decimal(item.min_value)
        high = None if item.max_value is None else Decimal(item.max_value)
        if low is not None and high is not None:
            return str(high + (high - low) / 2 + 1 if fails else (low + high) / 2)
        if low is not None:
            return str(low - 1 if fails else low)
        return str(high + 1 if fails else high)
    if item.kind == ItemKind.CHOICE:
        failing = [o["label"] for o in item.options if o.get("fails")]
        passing = [o["label"] for o in item.options if not o.get("fails")]
        return failing[0] if fails and failing else passing[0]
    return NOTES.get(item.kind, "")


def _inspect(*, supervisor, manager, unit, template, performed_at, rng, chance, visit=None, acknowledge=True,
             away: str = ""):
    position = _near(unit, rng, 1300 if away else rng.uniform(15, 120)) if unit.has_position else (None, None)
    inspection, _created = services.inspection_create(
        actor=supervisor, unit=unit, template=template, visit=visit, mode=InspectionMode.ON_SITE,
        performed_at=performed_at, now=performed_at, opening_notes="到店后与店长简短沟通,按标准逐项检查。",
        latitude=position[0], longitude=position[1], location_accuracy_m=round(rng.uniform(8, 35)),
        location_reason=away or ("" if unit.has_position else "门店未设坐标"),
    )
    answers = []
    for item in services.scorable_items(inspection):
        fails = item.is_scorable and rng.random() < (chance / 3 if item.critical else chance)
        answer = {"item_code": item.code, "value": _value(item, fails)}
        if fails:
            answer["note"] = "现场发现问题,已当场指出并拍照。"
        if item.photo_required:
            colour = (170, 70, 60) if fails else (70, 130, 90)
            taken_at = performed_at + dt.timedelta(minutes=5 + len(answers))
            answer["attachment_ids"] = [_photo(supervisor, unit, f"{unit.code}-{item.code}", colour,
                                               taken_at=taken_at,
                                               position=position if position[0] is not None else None).pk]
        answers.append(answer)
    services.answers_upsert(actor=supervisor, inspection=inspection, answers=answers,
                            now=performed_at + dt.timedelta(minutes=50))
    result = services.inspection_submit(actor=supervisor, inspection=inspection,
                                        now=performed_at + dt.timedelta(hours=1))
    if acknowledge:
        services.inspection_acknowledge(actor=manager, inspection=result.inspection, comment="已知悉,马上整改。",
                                        now=performed_at + dt.timedelta(hours=3))
    return result.inspection


def _rectify(*, finding, manager, supervisor, days_taken: int, created_at: dt.datetime):
    planned_at = created_at + dt.timedelta(hours=20)
    finding_services.finding_plan(actor=manager, finding=finding, now=planned_at,
                                  measures="明确责任人,当天整改;纳入班前会检查。")
    finding.refresh_from_db()
    evidence = []
    if finding.severity in ("high", "critical"):
        evidence = [_photo(manager, finding.unit, f"{finding.unit.code}-fixed", (60, 120, 170))]
    submitted_at = created_at + dt.timedelta(days=days_taken)
    finding_services.finding_submit(actor=manager, finding=finding, now=submitted_at,
                                    note="已按措施整改完毕,附整改后照片。", attachments=evidence)
    finding_services.finding_accept(actor=supervisor, finding=finding, note="现场复核通过。",
                                    now=submitted_at + dt.timedelta(hours=6))


def load_demo(context) -> None:
    organization, people, units = context.organization, context.people, context.units
    template = store_operations_template(organization)
    if template is None:
        return
    now = timezone.now()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    rng = random.Random(20261)
    if people.get("admin") is not None:
        _place_stores(people["admin"], units)
    for number, code in enumerate(REGIONS, start=1):
        region = units.get(code)
        supervisor = people.get(f"supervisor{number}")
        if region is None or supervisor is None:
            continue
        stores = Unit.objects.filter(parent=region, kind=UnitKind.STORE).order_by("code")
        for index, store in enumerate(stores):
            manager = people.get(f"store{store.code[1:]}")
            chance = FAIL_CHANCE.get(store.code, USUAL_FAIL_CHANCE)
            for week in range(WEEKS_BACK, 0, -1):
                day = monday - dt.timedelta(weeks=week) + dt.timedelta(days=index)
                performed_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10 + index % 4, 30)))
                away = OUT_OF_RANGE[1] if (store.code, week) == (OUT_OF_RANGE[0], 1) else ""
                _inspect(supervisor=supervisor, manager=manager, unit=store, template=template,
                         performed_at=performed_at, rng=rng, chance=chance, away=away)
            # This week's planned visit, when its day has passed.
            visit = Visit.objects.filter(unit=store, status=VisitStatus.PLANNED, date__lt=today).first()
            if visit is not None:
                performed_at = timezone.make_aware(dt.datetime.combine(visit.date, dt.time(14, 0)))
                _inspect(supervisor=supervisor, manager=manager, unit=store, template=template, visit=visit,
                         performed_at=performed_at, rng=rng, chance=chance, acknowledge=index % 2 == 0)
            _rectify_store(store=store, manager=manager, supervisor=supervisor, now=now, rng=rng)
    _follow_up(people.get("supervisor2"), units.get("S06"))


def _follow_up(supervisor, store) -> None:
    """The weakest store's latest failed inspection gets a re-inspection, started and not yet done."""
    if supervisor is None or store is None:
        return
    original = (
        Inspection.objects.filter(unit=store, answers__failed=True, answers__is_current=True)
        .exclude(status=InspectionStatus.DRAFT).order_by("-performed_at").first()
    )
    store = Unit.objects.get(pk=store.pk)
    if original is not None:
        latitude, longitude = _near(store, random.Random(6), 40) if store.has_position else (None, None)
        services.inspection_follow_up(actor=supervisor, original=original, latitude=latitude, longitude=longitude,
                                      location_accuracy_m=15, location_reason="" if latitude else "门店未设坐标")


def _rectify_store(*, store, manager, supervisor, now, rng) -> None:
    """Findings older than four days were rectified, mostly on time; weak stores leave some open."""
    weak = FAIL_CHANCE.get(store.code, 0) > 0.2
    old = Finding.objects.filter(unit=store, status=FindingStatus.OPEN,
                                 created_at__lt=now - dt.timedelta(days=4)).order_by("created_at")
    for finding in old:
        if weak and rng.random() < 0.3:
            continue  # left untouched: overdue, escalating
        allowed = (finding.due_date - timezone.localdate(finding.created_at)).days
        late = weak and rng.random() < 0.5
        days_taken = allowed + 2 if late else max(1, allowed // 2)
        days_taken = min(days_taken, (now - finding.created_at).days - 1)
        _rectify(finding=finding, manager=manager, supervisor=supervisor, days_taken=days_taken,
                 created_at=finding.created_at)
