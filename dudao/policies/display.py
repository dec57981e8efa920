"""The policy as people read it: one table per area, Chinese labels, values in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dudao.org.choices import Role, UnitKind

from . import schema
from .choices import ApprovalKind, Severity

# "<model class>.<field>" -> label. tests/test_display.py checks every schema field has one.
LABELS = {
    "Policy.organization": gettext_lazy("组织"),
    "Policy.inspections": pgettext_lazy("policy area", "检查"),
    "Policy.findings": gettext_lazy("问题与整改"),
    "Policy.plans": gettext_lazy("督导计划与覆盖"),
    "Policy.reports": gettext_lazy("督导报告"),
    "Policy.bulletins": gettext_lazy("督导检查公报"),
    "Policy.evaluation": gettext_lazy("月度综合评估"),
    "Policy.approvals": gettext_lazy("审批"),
    "Policy.appraisal": gettext_lazy("绩效考核与奖金"),
    "Policy.discipline": gettext_lazy("违规与红黄蓝牌"),
    "Policy.training": gettext_lazy("培训、工作计划与会议"),
    "Policy.incidents": gettext_lazy("事故、投诉与咨询"),
    "Policy.calibration": gettext_lazy("督导校准"),
    "Policy.data_import": gettext_lazy("数据导入与核查"),
    "Policy.notifications": gettext_lazy("通知"),
    "OrganizationPolicy.unit_kind_labels": gettext_lazy("机构类型名称"),
    "OrganizationPolicy.site_kind": gettext_lazy("基层机构类型"),
    **{f"UnitKindLabels.{kind.value}": kind.label for kind in UnitKind},
    "InspectionsPolicy.pass_mark": gettext_lazy("检查合格分"),
    "InspectionsPolicy.back_entry_days": gettext_lazy("补录最长天数"),
    "InspectionsPolicy.geolocation_required_on_site": gettext_lazy("现场检查须定位"),
    "InspectionsPolicy.geofence_m": gettext_lazy("签到范围"),
    "InspectionsPolicy.camera_capture_required": gettext_lazy("证据照片须现场拍摄"),
    "InspectionsPolicy.score_decimals": gettext_lazy("得分保留小数位"),
    "FindingsPolicy.due_days": gettext_lazy("整改期限(天)"),
    **{f"DueDays.{severity.value}": severity.label for severity in Severity},
    "FindingsPolicy.evidence_required": gettext_lazy("须提交整改证据的严重程度"),
    "FindingsPolicy.repeat_window_days": gettext_lazy("重复问题判定期(天)"),
    "FindingsPolicy.escalation": gettext_lazy("逾期升级"),
    "FindingsPolicy.due_soon_reminder_days": gettext_lazy("到期前提醒(天)"),
    "FindingsPolicy.categories": gettext_lazy("问题类别"),
    "EscalationStep.after_days": gettext_lazy("逾期天数"),
    "EscalationStep.role": gettext_lazy("通知"),
    "FindingCategory.code": gettext_lazy("编码"),
    "FindingCategory.label": gettext_lazy("名称"),
    "PlansPolicy.coverage_rules": gettext_lazy("覆盖规则"),
    "PlansPolicy.max_visits_per_day": gettext_lazy("督导每日走访上限"),
    "CoverageRule.code": gettext_lazy("编码"),
    "CoverageRule.description": gettext_lazy("说明"),
    "CoverageRule.unit_kind": gettext_lazy("机构类型"),
    "CoverageRule.period": gettext_lazy("周期"),
    "CoverageRule.min_share": gettext_lazy("最低覆盖比例"),
    "CoverageRule.min_visits_per_unit": gettext_lazy("每家最少次数"),
    "CoverageRule.by_assigned_supervisor": gettext_lazy("须由所属督导完成"),
    "ReportsPolicy.approver_roles": gettext_lazy("审批角色"),
    "ReportsPolicy.send_to_units": gettext_lazy("批准后发送被检查机构"),
    "BulletinsPolicy.period": gettext_lazy("编发周期"),
    "BulletinsPolicy.unread_reminder_days": gettext_lazy("未读提醒(天)"),
    "BulletinsPolicy.common_problems_count": gettext_lazy("常见问题条数"),
    "EvaluationPolicy.components": gettext_lazy("评估构成"),
    "EvaluationPolicy.pass_mark": gettext_lazy("合格分"),
    "EvaluationPolicy.consecutive_failures_for_review": gettext_lazy("连续不合格次数(启动负责人评议)"),
    "EvaluationPolicy.key_target_deadline_days": gettext_lazy("重点整改期限(天)"),
    "ComponentWeight.component": gettext_lazy("指标"),
    "ComponentWeight.weight": gettext_lazy("权重"),
    "ApprovalsPolicy.step_deadline_days": gettext_lazy("每步审批期限(天)"),
    "ApprovalsPolicy.decision_deadlines": gettext_lazy("整体审批期限"),
    "DecisionDeadline.kind": gettext_lazy("申请类型"),
    "DecisionDeadline.days": gettext_lazy("自提交起天数"),
    "ApprovalsPolicy.overdue_reminder_days": gettext_lazy("逾期提醒间隔(天)"),
    "ApprovalsPolicy.four_eyes": gettext_lazy("同一人只审批一个步骤(四眼原则)"),
    "ApprovalsPolicy.routes": gettext_lazy("审批路由"),
    **{f"ApprovalRoutes.{kind.value}": kind.label for kind in ApprovalKind},
    "ApprovalRoute.max_amount": gettext_lazy("金额上限"),
    "ApprovalRoute.roles": gettext_lazy("审批"),
    "AppraisalPolicy.schemes": gettext_lazy("考核方案"),
    "AppraisalPolicy.rectification_points": gettext_lazy("整改加减分"),
    "RectificationPoints.closed_on_time": gettext_lazy("按时整改每项加分"),
    "RectificationPoints.overdue": gettext_lazy("逾期整改每项扣分"),
    "RectificationPoints.cap": gettext_lazy("加减分上限"),
    "AppraisalPolicy.bonus_bands": gettext_lazy("奖金系数档"),
    "AppraisalPolicy.leaving_forfeits_bonus": gettext_lazy("期内离职不发奖金"),
    "AppraisalPolicy.personal_leave_days_before_proration": gettext_lazy("月内事假超过天数按出勤折算"),
    "AppraisalPolicy.result_flow": gettext_lazy("考核结果流转"),
    "AppraisalPolicy.results_due_day": gettext_lazy("结果提交截止日(次月)"),
    "AppraisalPolicy.bonus_paid_by_day": gettext_lazy("奖金发放截止日(次月)"),
    "AppraisalPolicy.appeal_window_days": gettext_lazy("复议期限(天)"),
    "AppraisalScheme.role": gettext_lazy("角色"),
    "AppraisalScheme.period": gettext_lazy("周期"),
    "AppraisalScheme.kind": gettext_lazy("类型"),
    "AppraisalScheme.kpis": gettext_lazy("指标"),
    "Kpi.code": gettext_lazy("编码"),
    "Kpi.name": gettext_lazy("名称"),
    "Kpi.weight": gettext_lazy("权重"),
    "Kpi.source": gettext_lazy("来源"),
    "Kpi.scoring": gettext_lazy("计分方式"),
    "BonusBand.min_score": gettext_lazy("起始分"),
    "BonusBand.factor": gettext_lazy("系数"),
    "BonusBand.scale_by_score": gettext_lazy("乘以得分/100"),
    "DisciplinePolicy.accumulation": gettext_lazy("累计规则"),
    "DisciplinePolicy.fines": gettext_lazy("罚款标准(元/次)"),
    "DisciplinePolicy.card_colours": gettext_lazy("亮牌"),
    "DisciplinePolicy.appeal_window_days": gettext_lazy("申诉期限(天)"),
    "DisciplineAccumulation.late_or_early_per_absence": gettext_lazy("月内迟到/早退几次折算旷工一天"),
    "DisciplineAccumulation.absences_per_year_forfeiting_bonus": gettext_lazy("全年旷工天数达此取消年终绩效"),
    "DisciplineAccumulation.penalties_per_year_forfeiting_bonus": gettext_lazy("全年处罚次数达此取消年终绩效"),
    "DisciplineFines.late_or_early": gettext_lazy("迟到/早退"),
    "DisciplineFines.off_post": gettext_lazy("脱岗/睡岗"),
    "DisciplineFines.absence": gettext_lazy("旷工"),
    "DisciplineFines.absence_deducts_day_pay": gettext_lazy("旷工另扣当天工资"),
    "DisciplineFines.operating_violation": gettext_lazy("操作违规"),
    "TrainingPolicy.needs_survey_period": gettext_lazy("培训需求调查周期"),
    "TrainingPolicy.proposal_top_findings": gettext_lazy("培训建议参考的常见问题数"),
    "TrainingPolicy.test_pass_score": gettext_lazy("培训考试合格分"),
    "TrainingPolicy.work_plan_periods": gettext_lazy("工作计划与总结周期"),
    "TrainingPolicy.operations_meeting_period": gettext_lazy("运营会议周期"),
    "IncidentsPolicy.major_report_hours": gettext_lazy("重大事故上报时限(小时)"),
    "IncidentsPolicy.complaint_response_days": gettext_lazy("投诉答复时限(天)"),
    "IncidentsPolicy.inquiry_response_days": gettext_lazy("咨询答复时限(天)"),
    "IncidentsPolicy.quality_on_site_days": gettext_lazy("质量问题到场时限(天)"),
    "CalibrationPolicy.share": gettext_lazy("校准复查比例"),
    "CalibrationPolicy.within_days": gettext_lazy("复查期限(天)"),
    "CalibrationPolicy.drift_threshold": gettext_lazy("偏差警示线(分)"),
    "CalibrationPolicy.min_pairs": gettext_lazy("警示所需最少复查对数"),
    "CalibrationPolicy.window_days": gettext_lazy("偏差统计期(天)"),
    "DataImportPolicy.tolerance": gettext_lazy("数据核对容差(比例)"),
    "NotificationsPolicy.digest_hour": gettext_lazy("每日汇总发送时间(时)"),
    "NotificationsPolicy.email_enabled": gettext_lazy("发送邮件"),
    "NotificationsPolicy.webhook_kind": gettext_lazy("群机器人"),
    "NotificationsPolicy.webhook_url": gettext_lazy("机器人地址"),
}


# What null means for the keys where it means something.
NULL_LABELS = {
    "ApprovalRoute.max_amount": gettext_lazy("不限"),
    "DisciplineAccumulation.late_or_early_per_absence": gettext_lazy("不启用"),
    "DisciplineAccumulation.absences_per_year_forfeiting_bonus": gettext_lazy("不启用"),
    "DisciplineAccumulation.penalties_per_year_forfeiting_bonus": gettext_lazy("不启用"),
}


def label_for(model: type, name: str) -> str:
    return str(LABELS.get(f"{model.__name__}.{name}", name))


@dataclass
class Row:
    key: str
    label: str
    lines: list[str]
    overridden: bool = False
    default_lines: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    label: str
    rows: list[Row] = field(default_factory=list)


def _scalar(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, models.Choices):
        return str(value.label)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if value == "":
        return "—"
    return str(value)


def _sequence(values: tuple) -> str:
    if not values:
        return "—"
    # Roles listed in a policy are steps taken in order (approvals, result flow).
    separator = " → " if all(isinstance(v, Role) for v in values) else _("、")
    return separator.join(_scalar(v) for v in values)


def _inline(model: schema.PolicyModel) -> str:
    parts = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None:
            null_label = NULL_LABELS.get(f"{type(model).__name__}.{name}")
            if null_label is not None:
                parts.append(f"{label_for(type(model), name)}:{null_label}")
            continue
        if isinstance(value, tuple):
            if value and isinstance(value[0], schema.PolicyModel):
                text = _("、").join(f"({_inline(item)})" for item in value)
            else:
                text = _sequence(value)
        elif isinstance(value, schema.PolicyModel):
            text = f"({_inline(value)})"
        else:
            text = _scalar(value)
        parts.append(f"{label_for(type(model), name)}:{text}")
    return ";".join(parts)


def _lines(value) -> list[str]:
    if isinstance(value, tuple):
        if value and isinstance(value[0], schema.PolicyModel):
            return [_inline(item) for item in value]
        return [_sequence(value)]
    return [_scalar(value)]


def _rows(model, default, prefix: str, label_prefix: str) -> list[Row]:
    rows: list[Row] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        default_value = getattr(default, name) if default is not None else None
        key = f"{prefix}.{name}"
        label = label_for(type(model), name)
        if isinstance(value, schema.PolicyModel):
            rows.extend(_rows(value, default_value, key, f"{label_prefix}{label} · "))
        else:
            overridden = default is not None and value != default_value
            lines = _lines(value)
            if value is None and f"{type(model).__name__}.{name}" in NULL_LABELS:
                lines = [str(NULL_LABELS[f"{type(model).__name__}.{name}"])]
            default_lines = []
            if default is not None:
                default_lines = _lines(default_value)
                if default_value is None and f"{type(model).__name__}.{name}" in NULL_LABELS:
                    default_lines = [str(NULL_LABELS[f"{type(model).__name__}.{name}"])]
            rows.append(Row(key, f"{label_prefix}{label}", lines, overridden, default_lines))
    return rows


def policy_sections(policy: schema.Policy, defaults: schema.Policy | None = None) -> list[Section]:
    """One section per area; rows whose value differs from `defaults` (the pack) are marked."""
    sections = []
    for area in schema.AREAS:
        value = getattr(policy, area)
        default = getattr(defaults, area) if defaults is not None else None
        sections.append(Section(area, label_for(schema.Policy, area), _rows(value, default, area, "")))
    return sections


# The unit an input is in, for keys whose name does not say it (`*_days` is 天).
UNITS = {
    "InspectionsPolicy.pass_mark": gettext_lazy("分"),
    "InspectionsPolicy.score_decimals": gettext_lazy("位"),
    "InspectionsPolicy.geofence_m": gettext_lazy("米"),
    "FindingsPolicy.due_days": gettext_lazy("天"),
    **{f"DueDays.{severity.value}": gettext_lazy("天") for severity in Severity},
    "CoverageRule.min_share": gettext_lazy("比例"),
    "CoverageRule.min_visits_per_unit": gettext_lazy("次"),
    "BulletinsPolicy.common_problems_count": gettext_lazy("条"),
    "EvaluationPolicy.pass_mark": gettext_lazy("分"),
    "EvaluationPolicy.consecutive_failures_for_review": gettext_lazy("个月"),
    "ComponentWeight.weight": gettext_lazy("比例"),
    "ApprovalRoute.max_amount": gettext_lazy("元"),
    "DecisionDeadline.days": gettext_lazy("天"),
    "Kpi.weight": gettext_lazy("%"),
    "BonusBand.min_score": gettext_lazy("分"),
    "RectificationPoints.closed_on_time": gettext_lazy("分"),
    "RectificationPoints.overdue": gettext_lazy("分"),
    "RectificationPoints.cap": gettext_lazy("分"),
    "BonusBand.factor": gettext_lazy("倍"),
    "AppraisalPolicy.personal_leave_days_before_proration": gettext_lazy("天"),
    "AppraisalPolicy.results_due_day": gettext_lazy("日"),
    "AppraisalPolicy.bonus_paid_by_day": gettext_lazy("日"),
    "DisciplineAccumulation.late_or_early_per_absence": gettext_lazy("次"),
    "DisciplineAccumulation.absences_per_year_forfeiting_bonus": gettext_lazy("天"),
    "DisciplineAccumulation.penalties_per_year_forfeiting_bonus": gettext_lazy("次"),
    "DisciplineFines.late_or_early": gettext_lazy("元"),
    "DisciplineFines.off_post": gettext_lazy("元"),
    "DisciplineFines.absence": gettext_lazy("元"),
    "DisciplineFines.operating_violation": gettext_lazy("元"),
    "TrainingPolicy.proposal_top_findings": gettext_lazy("条"),
    "TrainingPolicy.test_pass_score": gettext_lazy("分"),
    "IncidentsPolicy.major_report_hours": gettext_lazy("小时"),
    "IncidentsPolicy.complaint_response_days": gettext_lazy("天"),
    "IncidentsPolicy.inquiry_response_days": gettext_lazy("天"),
    "IncidentsPolicy.quality_on_site_days": gettext_lazy("天"),
    "CalibrationPolicy.share": gettext_lazy("比例"),
    "CalibrationPolicy.within_days": gettext_lazy("天"),
    "CalibrationPolicy.drift_threshold": gettext_lazy("分"),
    "CalibrationPolicy.window_days": gettext_lazy("天"),
    "DataImportPolicy.tolerance": gettext_lazy("比例"),
    "NotificationsPolicy.digest_hour": gettext_lazy("时"),
}

# One line per key of an area form (tests/test_display.py checks every field shown has one).
HELP = {
    "OrganizationPolicy.unit_kind_labels": gettext_lazy("页面上对各类机构的称呼。"),
    "OrganizationPolicy.site_kind": gettext_lazy("被检查的基层机构是哪一类(门店、网点或厂站)。"),
    "InspectionsPolicy.pass_mark": gettext_lazy("检查得分达到此分数即为合格(0–100)。"),
    "InspectionsPolicy.back_entry_days": gettext_lazy("纸质检查最多可在检查日之后几天内补录。"),
    "InspectionsPolicy.geolocation_required_on_site": gettext_lazy(
        "现场检查开始时须记录定位;无法定位时须填写原因,原因随检查保存并显示在报告中。"
    ),
    "InspectionsPolicy.geofence_m": gettext_lazy(
        "现场签到位置与门店坐标(WGS-84)的距离上限(米);超出时须填写原因。门店未设坐标时不核验距离。"
    ),
    "InspectionsPolicy.camera_capture_required": gettext_lazy(
        "检查答案和问题的证据照片须用相机现场拍摄(不能从相册选取),且拍摄时间须在检查当天。"
    ),
    "InspectionsPolicy.score_decimals": gettext_lazy("检查得分显示与比较时保留的小数位数(0–2)。"),
    "FindingsPolicy.due_days": gettext_lazy("问题创建后按严重程度给出的整改天数;越严重期限越短。"),
    "FindingsPolicy.evidence_required": gettext_lazy("这些严重程度的问题提交整改时必须附照片或文件。"),
    "FindingsPolicy.repeat_window_days": gettext_lazy("同一门店同一检查项在此天数内再次发现,即标记为重复问题。"),
    "FindingsPolicy.escalation": gettext_lazy("逾期达到天数时通知的角色,天数须逐步增加。"),
    "FindingsPolicy.due_soon_reminder_days": gettext_lazy("整改到期前几天提醒负责人。"),
    "FindingsPolicy.categories": gettext_lazy("问题分类,编码只用小写字母、数字和下划线。"),
    "PlansPolicy.coverage_rules": gettext_lazy("每条规则设最低覆盖比例(0–1)或每家最少次数,二者只填其一。"),
    "PlansPolicy.max_visits_per_day": gettext_lazy("自动排程时一名督导一天最多安排的走访次数;超出的顺延到下一个有空的工作日。"),
    "ReportsPolicy.approver_roles": gettext_lazy("督导报告依次由这些角色审批,用 → 或逗号分隔;须与审批路由中的督导报告一致。"),
    "ReportsPolicy.send_to_units": gettext_lazy("报告批准后自动发送给被检查机构。"),
    "BulletinsPolicy.period": gettext_lazy("督导检查公报的编发周期。"),
    "BulletinsPolicy.unread_reminder_days": gettext_lazy("公报发布后几天仍未阅读的机构会收到提醒。"),
    "BulletinsPolicy.common_problems_count": gettext_lazy("公报中列出的常见问题条数。"),
    "EvaluationPolicy.components": gettext_lazy("月度综合评估的构成指标与权重,权重合计须为 1。"),
    "EvaluationPolicy.pass_mark": gettext_lazy("综合得分达到此分数即为合格(0–100)。"),
    "EvaluationPolicy.consecutive_failures_for_review": gettext_lazy("连续不合格达到此月数,启动负责人评议。"),
    "EvaluationPolicy.key_target_deadline_days": gettext_lazy("列为重点整改对象后的整改期限。"),
    "ApprovalsPolicy.step_deadline_days": gettext_lazy("每个审批步骤应在几天内处理。"),
    "ApprovalsPolicy.decision_deadlines": gettext_lazy(
        "这些类型的申请自提交起须在所设天数内由各步共同审结(如招募计划:运营与人事 3 天内),每一步的期限都是这一天。"),
    "ApprovalsPolicy.overdue_reminder_days": gettext_lazy("审批逾期后每隔几天提醒一次。"),
    "ApprovalsPolicy.four_eyes": gettext_lazy("勾选后同一人只能审批同一申请的一个步骤。"),
    "ApprovalsPolicy.routes": gettext_lazy("各类申请按金额分档的审批路由。"),
    **{f"ApprovalRoutes.{kind.value}": gettext_lazy("金额上限逐条递增,最后一条留空表示不限;审批角色用 → 分隔。")
       for kind in ApprovalKind},
    "AppraisalPolicy.schemes": gettext_lazy("各角色各周期的考核指标,指标权重合计须为 100。"),
    "AppraisalPolicy.rectification_points": gettext_lazy(
        "本人负责机构期内到期的问题:按时整改每项加分、逾期每项扣分,合计不超过上限;均为 0 即不加减分。"),
    "RectificationPoints.closed_on_time": gettext_lazy("负责机构期内到期且按时整改的每个问题加的分数。"),
    "RectificationPoints.overdue": gettext_lazy("负责机构期内到期但逾期整改或未整改的每个问题扣的分数。"),
    "RectificationPoints.cap": gettext_lazy("加减分合计的上限(正负相同)。"),
    "AppraisalPolicy.bonus_bands": gettext_lazy("考核得分达到起始分即用该档系数;第一档从 0 分开始。"),
    "AppraisalPolicy.leaving_forfeits_bonus": gettext_lazy("考核期内离职的人员不发奖金。"),
    "AppraisalPolicy.personal_leave_days_before_proration": gettext_lazy("月内事假超过此天数,奖金按出勤天数折算。"),
    "AppraisalPolicy.result_flow": gettext_lazy("考核结果依次经这些角色审批,用 → 或逗号分隔。"),
    "AppraisalPolicy.results_due_day": gettext_lazy("考核结果须在次月几日前完成(1–28)。"),
    "AppraisalPolicy.bonus_paid_by_day": gettext_lazy("奖金须在次月几日前发放,不早于结果截止日(1–28)。"),
    "AppraisalPolicy.appeal_window_days": gettext_lazy("结果公布后可申请复议的天数。"),
    "DisciplinePolicy.accumulation": gettext_lazy("违规累计的折算规则,留空表示不启用。"),
    "DisciplinePolicy.fines": gettext_lazy("每次违规的默认罚款,0 表示不罚款。"),
    "DisciplinePolicy.card_colours": gettext_lazy("可以亮出的牌。"),
    "DisciplinePolicy.appeal_window_days": gettext_lazy("违规记录后可以申诉的天数。"),
    "DisciplineAccumulation.late_or_early_per_absence": gettext_lazy("留空表示不折算。"),
    "DisciplineAccumulation.absences_per_year_forfeiting_bonus": gettext_lazy("留空表示不启用此规则。"),
    "DisciplineAccumulation.penalties_per_year_forfeiting_bonus": gettext_lazy("留空表示不启用此规则。"),
    "DisciplineFines.late_or_early": gettext_lazy("每次迟到或早退的罚款。"),
    "DisciplineFines.off_post": gettext_lazy("每次脱岗或睡岗的罚款。"),
    "DisciplineFines.absence": gettext_lazy("每次旷工的罚款。"),
    "DisciplineFines.absence_deducts_day_pay": gettext_lazy("旷工除罚款外另扣当天工资。"),
    "DisciplineFines.operating_violation": gettext_lazy("每次操作违规的罚款。"),
    "TrainingPolicy.needs_survey_period": gettext_lazy("多久做一次培训需求调查。"),
    "IncidentsPolicy.major_report_hours": gettext_lazy("重大事故须在发生后多少小时内上报,晚于此时限的标为迟报。"),
    "IncidentsPolicy.complaint_response_days": gettext_lazy("顾客投诉须在收到后几天内答复,0 表示当天答复。"),
    "IncidentsPolicy.inquiry_response_days": gettext_lazy("咨询须在收到后几天内答复,0 表示当天答复。"),
    "IncidentsPolicy.quality_on_site_days": gettext_lazy("质量问题投诉须在几天内派人到场处理。"),
    "CalibrationPolicy.share": gettext_lazy(
        "已提交的现场检查中抽出多大比例,由另一区域的督导在不知道首次结果的情况下再查一次;0 表示不抽查。"),
    "CalibrationPolicy.within_days": gettext_lazy("复查须在首次检查后几天内完成。"),
    "CalibrationPolicy.drift_threshold": gettext_lazy(
        "督导的平均偏差(首次得分减复查得分)超过此分数,且置信区间不含 0 时,标记为偏差督导。"),
    "CalibrationPolicy.min_pairs": gettext_lazy("至少有这么多已完成的复查对,才会标记偏差。"),
    "CalibrationPolicy.window_days": gettext_lazy(
        "校准页面默认统计最近多少天;复查完成时也按这段时间判断督导是否新近被标记,并通知运营经理。"),
    "TrainingPolicy.proposal_top_findings": gettext_lazy("培训建议参考最常见的几条问题。"),
    "TrainingPolicy.test_pass_score": gettext_lazy("培训考试达到此分数即为合格(0–100)。"),
    "TrainingPolicy.work_plan_periods": gettext_lazy("需要提交工作计划与总结的周期。"),
    "TrainingPolicy.operations_meeting_period": gettext_lazy("运营会议的召开周期。"),
    "DataImportPolicy.tolerance": gettext_lazy("两个来源的数据相对差异超过此比例(0–1)即开出核查问题。"),
    "NotificationsPolicy.digest_hour": gettext_lazy("每日汇总在几点发送(0–23)。"),
    "NotificationsPolicy.email_enabled": gettext_lazy("通知同时发送邮件。"),
    "NotificationsPolicy.webhook_kind": gettext_lazy("把通知推送到企业微信或钉钉群。"),
    "NotificationsPolicy.webhook_url": gettext_lazy("群机器人的地址,须以 https:// 开头。"),
    **{f"UnitKindLabels.{kind.value}": gettext_lazy("此类机构在页面上的名称。") for kind in UnitKind},
    **{f"DueDays.{severity.value}": gettext_lazy("此严重程度的问题的整改天数。") for severity in Severity},
}


def unit_for(model: type, name: str, kind=None) -> str:
    unit = UNITS.get(f"{model.__name__}.{name}")
    if unit is not None:
        return str(unit)
    if name.endswith("_days") or name == "after_days":
        return _("天")
    return ""


def value_text(model: type, name: str, value) -> str:
    """A value of `model.name` in words, on one line ("—" when empty, the null label when it has one)."""
    if value is None and f"{model.__name__}.{name}" in NULL_LABELS:
        return str(NULL_LABELS[f"{model.__name__}.{name}"])
    if isinstance(value, schema.PolicyModel):
        return _inline(value)
    return " | ".join(_lines(value))
