"""Reports and bulletins as documents: what the pages and the PDF show, the PDF itself, the workbook.

PDFs are rendered by WeasyPrint from `templates/reporting/pdf/*.html` with Noto Sans CJK; charts are
inline SVG (charts.py) and photos are embedded as data URIs read from storage, so rendering fetches
nothing from anywhere (the URL fetcher allows only `data:`).
"""

from __future__ import annotations

import base64
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.attachments import disposition_header
from dudao.core.models import Attachment
from dudao.core.pdf import render_pdf
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE, append_row
from dudao.policies.choices import Severity

from . import charts
from .choices import ReportSection
from .models import Bulletin, Report

PDF = "application/pdf"

NUMERALS = "一二三四五六七八九十"
PHOTO_LIMIT = 5 * 1024 * 1024
PHOTOS_PER_DOCUMENT = 24
RANKING_PRINTED = 50  # a longer ranking prints its best and worst fifty


def severity_label(value: str) -> str:
    try:
        return str(Severity(value).label)
    except ValueError:
        return value


def _photo_uris(ids: list[int], organization_id: int) -> dict[int, str]:
    """Images of the report's examples as data URIs (missing or oversized files are left out)."""
    uris: dict[int, str] = {}
    rows = Attachment.objects.filter(organization_id=organization_id, pk__in=ids[:PHOTOS_PER_DOCUMENT])
    for attachment in rows:
        if not attachment.content_type.startswith("image/") or attachment.size > PHOTO_LIMIT:
            continue
        try:
            with attachment.file.storage.open(attachment.file.name, "rb") as handle:
                body = handle.read(PHOTO_LIMIT + 1)
        except (FileNotFoundError, OSError):
            continue
        uris[attachment.pk] = f"data:{attachment.content_type};base64,{base64.b64encode(body).decode('ascii')}"
    return uris


def report_document(report: Report, *, with_photos: bool = False) -> dict:
    """The report as the page and the PDF lay it out: numbered sections with their tables and charts."""
    data = report.data or {}
    problems = data.get("problems", {"groups": []})
    photo_ids = [pk for group in problems.get("groups", []) for ex in group["examples"] for pk in ex["attachment_ids"]]
    photos = _photo_uris(photo_ids, report.organization_id) if with_photos and photo_ids else {}
    groups = [
        {**group, "severity_label": severity_label(group["severity"]),
         "examples": [{**ex, "photos": [photos[pk] for pk in ex["attachment_ids"] if pk in photos]}
                      for ex in group["examples"]]}
        for group in problems.get("groups", [])
    ]
    analysis = data.get("analysis", {})
    sections = []
    for index, section in enumerate(ReportSection):
        sections.append({
            "key": section.value, "number": NUMERALS[index], "title": str(section.label),
            "text": (report.sections or {}).get(section.value, ""),
        })
    return {
        "report": report,
        "organization": report.organization.name,
        "data": data,
        "sections": sections,
        "problem_groups": groups,
        "has_examples": any(ex["note"] or ex["photos"] for group in groups for ex in group["examples"]),
        "recommendations": [
            {**row, "severity_label": severity_label(row["severity"])} for row in data.get("recommendations", [])
        ],
        "overdue_list": [
            {**row, "severity_label": severity_label(row["severity"])}
            for row in data.get("rectification", {}).get("overdue_list", [])
        ],
        "category_chart": charts.category_chart(analysis.get("by_category", [])),
        "severity_chart": charts.severity_chart(analysis.get("by_severity", [])),
        "printed_at": timezone.localtime(),
    }


def _ranking_rows(ranking: list[dict], pass_mark: float) -> list[dict]:
    """The ranking as printed: every unit, or for a long one the head and the tail with a gap row."""
    rows = [{**row, "low": row["score"] < pass_mark} for row in ranking]
    if len(rows) <= RANKING_PRINTED * 2:
        return rows
    return [*rows[:RANKING_PRINTED], {"gap": len(rows) - RANKING_PRINTED * 2}, *rows[-RANKING_PRINTED:]]


def bulletin_document(bulletin: Bulletin) -> dict:
    data = bulletin.data or {}
    problems = data.get("common_problems", [])
    return {
        "bulletin": bulletin,
        "ranking_rows": _ranking_rows(data.get("ranking", []), data.get("pass_mark", 0)),
        "organization": bulletin.organization.name,
        "data": data,
        "problems_chart": charts.bar_chart([(row["text"], row["count"], None) for row in problems[:10]]),
        "printed_at": timezone.localtime(),
    }


def report_pdf(report: Report) -> bytes:
    return render_pdf("reporting/pdf/report.html", report_document(report, with_photos=True))


def bulletin_pdf(bulletin: Bulletin) -> bytes:
    return render_pdf("reporting/pdf/bulletin.html", bulletin_document(bulletin))


# --- Excel ---------------------------------------------------------------------------------------
def _sheet(workbook, title: str, header: list[str], rows: list[list], widths: list[int] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF6")
    for row in rows:
        append_row(sheet, row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def report_xlsx(report: Report) -> bytes:
    """The report as a workbook: the text first, then one sheet per section table."""
    from openpyxl import Workbook

    document = report_document(report)
    data = document["data"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = f"{report.period_start.isoformat()} — {report.period_end.isoformat()}"
    rows = [[_("标题"), report.title], [_("组织"), document["organization"]], [_("范围"), report.scope_unit.name],
            [_("期间"), period], [_("状态"), str(report.get_status_display())]]
    rows += [[f"{s['number']}、{s['title']}", s["text"]] for s in document["sections"]]
    _sheet(workbook, _("报告"), [_("项目"), _("内容")], rows, [18, 100])

    e = data.get("execution", {})
    _sheet(workbook, _("计划执行"), [_("指标"), _("数值")], [
        [_("计划走访"), e.get("planned")], [_("已完成"), e.get("done")], [_("完成率(%)"), e.get("completion_rate")],
        [_("检查次数"), e.get("inspections")], [_("计划外检查"), e.get("ad_hoc")],
        [_("覆盖机构"), e.get("units_inspected")], [_("范围内机构"), e.get("units_in_scope")],
    ], [18, 12])
    if e.get("missed"):
        _sheet(workbook, _("应巡未巡"), [_("机构"), _("计划日期"), _("督导")],
               [[m["unit_name"], m["date"], m["supervisor"]] for m in e["missed"]], [24, 14, 14])

    h = data.get("highlights", {})
    _sheet(workbook, _("工作亮点"), [_("机构"), _("平均得分"), _("检查次数")],
           [[u["unit_name"], u["score"], u["inspections"]] for u in h.get("best_units", [])], [24, 12, 12])

    _sheet(workbook, _("存在问题"), [_("编码"), _("检查项"), _("严重程度"), _("次数"), _("机构数"), _("举例")], [
        [g["item_code"], g["text"], g["severity_label"], g["count"], g["units"],
         "\n".join(f"{ex['unit_name']}:{ex['note']}" for ex in g["examples"] if ex["note"])]
        for g in document["problem_groups"]
    ], [10, 36, 10, 8, 8, 50])

    a = data.get("analysis", {})
    _sheet(workbook, _("问题分析-类别"), [_("类别"), _("问题数")],
           [[row["label"], row["count"]] for row in a.get("by_category", [])], [20, 10])
    _sheet(workbook, _("问题分析-严重程度"), [_("严重程度"), _("问题数")],
           [[row["label"], row["count"]] for row in a.get("by_severity", [])], [14, 10])

    _sheet(workbook, _("整改建议"), [_("编码"), _("检查项"), _("次数"), _("机构数"), _("建议")], [
        [row["item_code"], row["text"], row["count"], row["units"], row["advice"]] for row in document["recommendations"]
    ], [10, 36, 8, 8, 60])

    r = data.get("rectification", {})
    _sheet(workbook, _("整改情况"), [_("指标"), _("数值")], [
        [_("问题总数"), r.get("total")], [_("已关闭"), r.get("closed")], [_("待整改"), r.get("open")],
        [_("整改中"), r.get("planned")], [_("待验收"), r.get("submitted")], [_("逾期未关闭"), r.get("overdue")],
        [_("按时关闭"), r.get("closed_on_time")], [_("按时整改率(%)"), r.get("on_time_rate")],
    ], [18, 12])
    if document["overdue_list"]:
        _sheet(workbook, _("逾期问题"), [_("机构"), _("问题"), _("严重程度"), _("整改期限"), _("逾期天数")], [
            [row["unit_name"], row["title"], row["severity_label"], row["due_date"], row["days_overdue"]]
            for row in document["overdue_list"]
        ], [24, 40, 10, 14, 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- downloads -----------------------------------------------------------------------------------
def file_name(title: str, extension: str) -> str:
    """A download name from a title: characters no file system accepts are dropped."""
    safe = "".join(ch for ch in title if ch not in '\\/:*?"<>|\r\n\t').strip() or "report"
    return f"{safe[:120]}.{extension}"


def download(body: bytes, content_type: str, *, name: str, fallback: str) -> HttpResponse:
    """A file download with an ASCII fallback name and the real (Chinese) one in RFC 5987 form."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = disposition_header(name, fallback)
    response["Cache-Control"] = "private, no-cache"
    return response


def report_pdf_response(report: Report) -> HttpResponse:
    return download(report_pdf(report), PDF, name=file_name(report.title, "pdf"), fallback=f"report-{report.pk}.pdf")


def report_xlsx_response(report: Report) -> HttpResponse:
    return download(report_xlsx(report), XLSX_CONTENT_TYPE, name=file_name(report.title, "xlsx"),
                    fallback=f"report-{report.pk}.xlsx")


def bulletin_pdf_response(bulletin: Bulletin) -> HttpResponse:
    return download(bulletin_pdf(bulletin), PDF, name=file_name(bulletin.title, "pdf"),
                    fallback=f"bulletin-{bulletin.pk}.pdf")
