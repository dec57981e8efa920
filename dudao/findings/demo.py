"""Demo findings for the demo restaurant chain, made through the real services.

Hand-made findings (data checks, complaints, self-reports) in every state: one untouched and
already overdue (so `dudao_tick --now` escalates it step by step), one planned, one awaiting
acceptance, one sent back for a second round, one closed, one with a pending extension request,
and a repeat of an earlier problem.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.core.attachments import attachment_upload

from . import services
from .choices import FindingSource


def demo_photo(person, unit, name: str, colour: tuple[int, int, int], label: str,
               size: tuple[int, int] = (640, 480)):
    """A plain coloured JPEG with a frame and a label, uploaded as `person`'s evidence about `unit`."""
    width, height = size
    margin = width // 16
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((margin, margin, width - margin, height - margin), outline=(255, 255, 255), width=6)
    draw.text((margin + 20, margin + 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return attachment_upload(actor=person, unit=unit,
                             file=SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg"))


def load_demo(context) -> None:
    people, units = context.people, context.units
    now = timezone.now()

    def ago(days: float) -> dt.datetime:
        return now - dt.timedelta(days=days)

    def create(creator, unit, source, title, severity, category, *, days_ago, **kwargs):
        return services.finding_create(
            actor=people[creator], unit=units[unit], source=source, title=title, severity=severity,
            category=category, now=ago(days_ago), **kwargs,
        )

    # Untouched and past due: escalates as time moves on.
    create("supervisor1", "S01", FindingSource.COMPLAINT, "顾客投诉:汤品上桌温度不足", "medium", "service_quality",
           days_ago=9, description="两桌顾客反映汤品温度偏低,已当场更换。")

    # Planned by the store, carried out by a member of staff.
    cash = create("supervisor1", "S01", FindingSource.DATA_CHECK, "收银差异超出容差(3.2%)", "high", "risk",
                  days_ago=1, description="系统日结与现金盘点相差 3.2%,超出 2% 的容差。")
    services.finding_plan(actor=people["store01"], finding=cash, owner=people["staff01"], now=ago(0.5),
                          measures="逐笔核对当日小票;交接班双人点钞并签字。")

    # Submitted by the store: waiting in supervisor1's review queue.
    fridge = create("store02", "S02", FindingSource.SELF_REPORT, "冷藏柜温度记录缺失两天", "low", "process_compliance",
                    days_ago=2, description="周末两天未填写冷藏柜温度记录表。")
    services.finding_plan(actor=people["store02"], finding=fridge, measures="温度记录纳入交班检查清单。", now=ago(1.8))
    services.finding_submit(actor=people["store02"], finding=fridge, now=ago(0.2),
                            note="已补充培训,交班清单已更新并张贴。")

    # Sent back once: the store is on its second round.
    packing = create(
        "supervisor1", "S03", FindingSource.COMPLAINT, "外卖包装破损导致汤汁洒漏", "high", "service_quality",
        days_ago=3, description="外卖平台差评 3 条,均反映汤汁洒漏。",
        attachments=[demo_photo(people["supervisor1"], units["S03"], "破损包装.jpg", (150, 60, 50), "BEFORE")],
    )
    services.finding_plan(actor=people["store03"], finding=packing, measures="更换带锁扣的汤碗并加封口贴。",
                          now=ago(2.5))
    services.finding_submit(
        actor=people["store03"], finding=packing, now=ago(1.5), note="已更换新汤碗。",
        attachments=[demo_photo(people["store03"], units["S03"], "新汤碗.jpg", (70, 110, 160), "AFTER 1")],
    )
    services.finding_reject(actor=people["supervisor1"], finding=packing, now=ago(1),
                            reason="照片未显示封口贴,请补拍打包成品。")

    # Closed after acceptance.
    points = create("supervisor2", "S05", FindingSource.DATA_CHECK, "会员积分异常核销", "critical", "risk",
                    days_ago=5, description="同一会员一日内核销积分 12 次。")
    services.finding_plan(actor=people["store05"], finding=points, measures="停用涉事账号;核销须店长授权。",
                          now=ago(4.8))
    services.finding_submit(
        actor=people["store05"], finding=points, now=ago(4.2), note="已停用账号并开启授权核销。",
        attachments=[demo_photo(people["store05"], units["S05"], "授权设置.jpg", (60, 140, 90), "FIXED")],
    )
    services.finding_accept(actor=people["supervisor2"], finding=points, now=ago(4), note="系统设置已核实。")

    # Waiting on an extension request.
    duct = create("supervisor1", "S04", FindingSource.DATA_CHECK, "排烟管道清洗记录缺失", "medium", "risk",
                  days_ago=4)
    services.finding_extension_request(actor=people["store04"], finding=duct, now=ago(3),
                                       due_date=duct.due_date + dt.timedelta(days=7),
                                       reason="清洗公司最早下周上门。")

    # The same problem again within the repeat window.
    masks = create("supervisor3", "S09", FindingSource.COMPLAINT, "员工未佩戴口罩", "medium", "process_compliance",
                   days_ago=40, item_code="HYG-02")
    services.finding_plan(actor=people["store09"], finding=masks, measures="班前会检查着装。", now=ago(39))
    services.finding_submit(actor=people["store09"], finding=masks, note="已整改。", now=ago(37))
    services.finding_accept(actor=people["supervisor3"], finding=masks, now=ago(36))
    create("supervisor3", "S09", FindingSource.COMPLAINT, "员工再次未佩戴口罩", "medium", "process_compliance",
           days_ago=1, item_code="HYG-02")
