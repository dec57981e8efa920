"""Demo standards of the restaurant chain, created and published by the operations manager (`ops`)
through the real services: the store operations checklist every weekly visit uses, and a food
safety special inspection."""

from __future__ import annotations

from . import services

STORE_OPERATIONS = "门店营运标准检查表"
FOOD_SAFETY = "食品安全专项检查"


def _check(code, text, points=5, **extra):
    return {"code": code, "text": text, "kind": "check", "points": points, **extra}


def _options(*options):
    return [{"label": label, "points": points, "fails": fails} for label, points, fails in options]


STORE_OPERATIONS_SECTIONS = [
    {"title": "食品安全", "items": [
        _check("FS01", "无过期、变质食材(冷藏、冷冻及干货库)", 10, critical=True, severity="critical",
               photo_required=True, category="risk",
               guidance="抽查冷藏柜、冷冻柜和干货库各 3 件食材的标签与保质期;发现一件过期即为不合格。"),
        {"code": "FS02", "text": "冷藏柜温度(℃)", "kind": "number", "points": 5, "min": 0, "max": 5,
         "photo_required": True, "severity": "high", "category": "process_compliance",
         "guidance": "用探针温度计测冷藏柜中层食材温度,拍下读数。"},
        {"code": "FS03", "text": "冷冻柜温度(℃)", "kind": "number", "points": 5, "min": -25, "max": -18,
         "severity": "high", "category": "process_compliance"},
        _check("FS04", "生熟食材分开存放,标识清晰", category="process_compliance", severity="high"),
        _check("FS05", "开封食材贴有开封日期和有效期标签", category="process_compliance"),
        {"code": "FS06", "text": "菜品留样执行情况", "kind": "choice", "severity": "high",
         "category": "process_compliance", "guidance": "每餐次每个菜品留样不少于 125 克,冷藏保存 48 小时。",
         "options": _options(("规范留样", 5, False), ("留样不全", 2, True), ("未留样", 0, True))},
    ]},
    {"title": "卫生清洁", "items": [
        {"code": "HY01", "text": "厨房地面、墙面、灶台清洁无油污", "kind": "score", "points": 10, "pass_points": 8,
         "category": "process_compliance", "guidance": "10 分满分:无油污积水 10 分,局部油污 6–8 分,大面积油污 5 分以下。"},
        {"code": "HY02", "text": "餐厅桌椅、餐具清洁", "kind": "score", "points": 10, "pass_points": 8,
         "photo_required": True, "category": "service_quality"},
        _check("HY03", "洗手间清洁无异味,洗手液、擦手纸齐备", category="service_quality", severity="low"),
        _check("HY04", "防鼠防虫设施完好,无虫害痕迹", severity="high", category="risk"),
        {"code": "HY05", "text": "后厨整体环境照片", "kind": "photo", "photo_required": True, "severity": "low"},
    ]},
    {"title": "服务质量", "items": [
        _check("SV01", "员工仪容仪表、工服工牌符合标准", category="service_quality", severity="low"),
        {"code": "SV02", "text": "迎宾、点餐、送餐服务规范", "kind": "score", "points": 10, "pass_points": 7,
         "category": "service_quality", "guidance": "按服务流程观察一桌完整服务,漏一个环节扣 2 分。"},
        {"code": "SV03", "text": "出餐时间(分钟)", "kind": "number", "points": 5, "min": 0, "max": 15,
         "category": "efficiency", "guidance": "从下单到第一道菜上桌,抽查 3 桌取平均。"},
        {"code": "SV04", "text": "顾客满意度抽访", "kind": "choice", "category": "service_quality",
         "options": _options(("满意", 5, False), ("一般", 3, False), ("不满意", 0, True))},
        {"code": "SV05", "text": "顾客意见和建议记录", "kind": "text", "severity": "low"},
    ]},
    {"title": "设备与安全", "items": [
        _check("SF01", "灭火器在有效期内,摆放到位", severity="high", photo_required=True, category="risk"),
        _check("SF02", "消防通道、安全出口畅通无堵塞", severity="critical", critical=True, category="risk",
               guidance="消防通道堵塞为红线项,发现即整场不合格。"),
        _check("SF03", "燃气设备无泄漏,燃气报警器工作正常", severity="high", category="risk"),
        {"code": "SF04", "text": "设备维护保养记录", "kind": "choice", "category": "process_compliance",
         "options": _options(("记录完整", 5, False), ("部分缺失", 2, True), ("无记录", 0, True))},
        {"code": "SF05", "text": "消防设施照片", "kind": "photo", "photo_required": True, "severity": "low"},
    ]},
]

FOOD_SAFETY_SECTIONS = [
    {"title": "原料与储存", "items": [
        _check("FX01", "无过期、变质、来源不明的原料", 10, critical=True, severity="critical", photo_required=True,
               category="risk"),
        _check("FX02", "供应商资质和进货查验记录(索证索票)齐全", category="process_compliance", severity="high"),
        {"code": "FX03", "text": "冷藏库温度(℃)", "kind": "number", "points": 5, "min": 0, "max": 5,
         "photo_required": True, "severity": "high", "category": "process_compliance"},
        {"code": "FX04", "text": "储存区照片", "kind": "photo", "photo_required": True, "severity": "low"},
    ]},
    {"title": "加工与留样", "items": [
        {"code": "FX05", "text": "热菜中心温度(℃)", "kind": "number", "points": 5, "min": 70, "max": 100,
         "severity": "high", "category": "process_compliance", "guidance": "用探针温度计测菜品中心温度。"},
        _check("FX06", "生熟刀具、砧板、容器分开使用并有标识", category="process_compliance", severity="high"),
        {"code": "FX07", "text": "留样执行情况", "kind": "choice", "severity": "high", "category": "process_compliance",
         "options": _options(("规范留样", 5, False), ("留样不全", 2, True), ("未留样", 0, True))},
        _check("FX08", "从业人员健康证在有效期内", severity="high", category="teamwork"),
    ]},
]


def store_operations_template(organization):
    """The published store operations standard the other demos inspect and plan with, or None."""
    from .choices import TemplateStatus
    from .models import Template

    return (
        Template.objects.filter(organization=organization, name=STORE_OPERATIONS, status=TemplateStatus.PUBLISHED)
        .order_by("-version").first()
    )


def load_demo(context) -> None:
    ops = context.people["ops"]
    for name, description, sections in (
        (STORE_OPERATIONS, "督导每周巡店使用的门店营运标准:食品安全、卫生清洁、服务质量、设备与安全。",
         STORE_OPERATIONS_SECTIONS),
        (FOOD_SAFETY, "食品安全专项检查:原料储存、加工温度与留样。", FOOD_SAFETY_SECTIONS),
    ):
        template = services.template_create(actor=ops, name=name, description=description, sections=sections)
        services.template_publish(actor=ops, template=template)
