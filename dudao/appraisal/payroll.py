"""The payroll sheet of a final cycle (DESIGN.md 2.11): one row per person with score, rank and the
bonus with its reasons, a total, and a header naming the cycle, the final approval date and the
day the bonus is to be paid by (policy `bonus_paid_by_day` of the month after the period).

Reopened appraisals (an appeal under way or upheld and not yet final again) are listed as
"复议中" without an amount and left out of the total."""

from __future__ import annotations

import io
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from dudao.core.audit import record_event
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.periods import parse_period
from dudao.core.spreadsheets import append_row
from dudao.org.choices import Role
from dudao.policies.registry import policy_for

from .choices import AppraisalStatus, CycleStatus
from .explain import bonus_reason
from .models import Appraisal, AppraisalCycle
from .services import results_due_on

MONEY_FORMAT = "#,##0.00"
FACTOR_FORMAT = "0.0000"
SCORE_FORMAT = "0.0"
COLUMNS = 12


def paid_by(cycle: AppraisalCycle):
    """The policy day of the month after the period by which the bonus is paid."""
    policy = policy_for(cycle.organization_id, on=parse_period(cycle.period).start)
    return results_due_on(cycle.period, policy.appraisal.bonus_paid_by_day)


def payroll_workbook(cycle: AppraisalCycle) -> bytes:
    """The sheet of a final cycle (refused with 409 naming its status otherwise)."""
    if cycle.status != CycleStatus.FINAL:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("考核周期当前状态为“%(status)s”，定稿后才能导出工资表") % {
            "status": cycle.get_status_display()}, {"status": cycle.status})
    appraisals = list(Appraisal.objects.filter(cycle=cycle).select_related("person", "scope_unit")
                      .order_by("rank", "person__username"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("奖金发放表")
    bold = Font(bold=True)
    try:
        role = str(Role(cycle.role).label)
    except ValueError:
        role = cycle.role
    finalised = timezone.localdate(cycle.finalised_at).isoformat() if cycle.finalised_at else ""
    sheet.append([_("考核奖金发放表")])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [_("考核周期"), _("%(period)s %(role)s（%(scope)s）") % {
        "period": cycle.period, "role": role, "scope": cycle.scope_unit.name}])
    sheet.append([_("最终审批日期"), finalised])
    sheet.append([_("发放截止日"), paid_by(cycle).isoformat()])
    sheet.append([])
    header = [_("用户名"), _("姓名"), _("机构"), _("期间"), _("考核得分"), _("排名"), _("奖金基数"), _("系数"),
              _("折算比例"), _("是否取消"), _("奖金金额"), _("说明")]
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    total = Decimal(0)
    yes, no, appealing = _("是"), _("否"), _("复议中")
    for appraisal in appraisals:
        reopened = appraisal.status in (AppraisalStatus.APPEALING, AppraisalStatus.OPEN)
        reasons = " ".join(bonus_reason(r) for r in appraisal.bonus_reasons)
        if reopened:
            amount, reasons = appealing, appealing
        else:
            amount = appraisal.bonus_amount
            if amount is not None:
                total += amount
        append_row(sheet, [
            appraisal.person.username, appraisal.person.display_name, appraisal.scope_unit.name,
            cycle.period, appraisal.score, appraisal.rank, appraisal.bonus_base, appraisal.bonus_factor,
            appraisal.bonus_proration, yes if appraisal.bonus_forfeited else no, amount, reasons,
        ])
        row = sheet.max_row
        sheet.cell(row, 5).number_format = SCORE_FORMAT
        sheet.cell(row, 7).number_format = MONEY_FORMAT
        sheet.cell(row, 8).number_format = FACTOR_FORMAT
        sheet.cell(row, 9).number_format = FACTOR_FORMAT
        sheet.cell(row, 11).number_format = MONEY_FORMAT
    sheet.append([_("合计"), _("%(n)s 人") % {"n": len(appraisals)}] + [None] * 8 + [total])
    row = sheet.max_row
    sheet.cell(row, 11).number_format = MONEY_FORMAT
    for cell in sheet[row]:
        cell.font = bold
    for column, width in zip("ABCDEFGHIJKL", (14, 12, 16, 10, 10, 7, 12, 9, 10, 9, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def cycle_payroll_download(*, actor, cycle: AppraisalCycle) -> bytes:
    """The sheet for `actor` (who sees the cycle), the download audited."""
    content = payroll_workbook(cycle)
    record_event(actor=actor, action="appraisal_cycle.payroll_download", obj=cycle,
                 after={"period": cycle.period, "role": cycle.role, "status": cycle.status})
    return content
