"""The finding list as an Excel workbook: the same rows and filters as the page, every page at once."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dudao.core.spreadsheets import append_row
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from . import selectors
from .choices import FindingSource, FindingStatus

CHUNK = 2000


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the local time without its offset.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def findings_workbook(actor, filters: selectors.FindingFilters) -> bytes:
    """An .xlsx of the findings `actor` sees under `filters`, streamed row by row (write-only)."""
    today = timezone.localdate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("问题清单"))
    headers = [
        _("编号"), _("标题"), _("机构"), _("区域"), _("来源"), _("类别"), _("严重程度"), _("状态"), _("轮次"),
        _("整改期限"), _("逾期"), _("升级级别"), _("重复问题"), _("责任人"), _("整改负责人"), _("整改措施"),
        _("发现时间"), _("关闭时间"),
    ]
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 18
    sheet.column_dimensions["P"].width = 40
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    regions = selectors.Regions(actor.organization_id)
    policy = policy_for(actor.organization_id, on=today)
    categories = {c.code: c.label for c in policy.findings.categories}
    yes, no = _("是"), _("否")
    for finding in selectors.finding_list(actor, filters, today=today).iterator(chunk_size=CHUNK):
        region = regions.of(finding.unit)
        append_row(sheet, [
            finding.pk, finding.title, finding.unit.name, region.name if region else "",
            str(FindingSource(finding.source).label), categories.get(finding.category, finding.category), str(Severity(finding.severity).label),
            str(FindingStatus(finding.status).label), finding.round, finding.due_date,
            yes if finding.is_overdue(today) else no, finding.escalation_level, yes if finding.repeat else no,
            finding.responsible_person.display_name if finding.responsible_person else "",
            finding.owner.display_name if finding.owner else "", finding.measures,
            _local(finding.created_at), _local(finding.closed_at),
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
