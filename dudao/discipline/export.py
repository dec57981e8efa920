"""The ledger as an Excel workbook: the same rows and filters as the page."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from dudao.core.spreadsheets import append_row


def ledger_workbook(violations) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("违规台账"))
    append_row(sheet, [_("发生时间"), _("当事人"), _("用户名"), _("机构"), _("类型"), _("牌"), _("罚款"),
                       _("另扣当日工资"), _("证明人"), _("处理人"), _("状态"), _("经过")])
    yes = _("是")
    for violation in violations.iterator(chunk_size=1000):
        append_row(sheet, [
            timezone.localtime(violation.occurred_at).strftime("%Y-%m-%d %H:%M"), violation.person.display_name,
            violation.person.username, violation.unit.name, violation.get_kind_display(), violation.card,
            violation.fine, yes if violation.deducts_day_pay else "", violation.witness.display_name,
            violation.handler.display_name, violation.get_status_display(), violation.description,
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
