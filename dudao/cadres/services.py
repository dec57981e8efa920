"""Writing the cadre report: draft it from the quarter's data, settle each person's ability, post
and pay, publish it. Atomic and audited; on publishing, each cadre is told their row is ready."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    clean_text,
    deny_permission,
    from_django_validation,
    validation_error,
)
from dudao.notifications.services import notify
from dudao.org.choices import LEAF_KINDS
from dudao.policies.registry import policy_for

from . import rules, selectors
from .choices import Ability, Pay, Post, ReportStatus
from .models import CadreReport, CadreRow
from .permissions import can_draft_cadre_report, can_edit_cadre_report
from .workflow import CADRE_REPORT

REPORT_FIELDS = ["quarter", "scope_unit", "status", "published_by", "published_at"]
ROW_FIELDS = ["ability", "post", "pay", "comment"]


@transaction.atomic
def cadre_report_create(*, actor, quarter: str, scope_unit, now: dt.datetime | None = None) -> CadreReport:
    """A draft of the quarter for every store manager in `scope_unit` (the organisation or a region),
    each row with the quarter's figures and the suggestions of `rules.py` with their reasons.

    The quarter under way may be drafted too, as the monthly evaluation treats a month not ended:
    the report is stored with `provisional=True`, its figures run to today, it may be edited but
    not published. Once the quarter has ended, drafting the same quarter and scope again (重新生成)
    replaces a provisional draft in place (same report, new rows, final figures; the judgements
    settled on the partial figures are dropped and kept in the audit event). A final draft or a
    published report is never replaced: drafting it again is a conflict. A quarter not yet begun
    is refused naming `quarter`."""
    if not can_draft_cadre_report(actor, scope_unit):
        deny_permission()
    name, period = selectors.parse_quarter(quarter)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if period.start > today:
        raise validation_error("quarter", _("%(quarter)s 尚未开始，不能评估") % {"quarter": name})
    provisional = not period.has_ended(today)
    if scope_unit.kind in LEAF_KINDS:
        raise validation_error("scope_unit_id", _("范围应为公司或区域，不能是单个门店"))
    evaluation = policy_for(scope_unit.organization_id, on=min(period.end, today)).evaluation
    used = {"pass_mark": f"{evaluation.pass_mark}", "review_after": evaluation.consecutive_failures_for_review,
            "ability_a_min": f"{rules.ABILITY_A_MIN}", "ability_b_min": f"{rules.ABILITY_B_MIN}",
            "training_attendance_min": f"{rules.TRAINING_ATTENDANCE_MIN}"}
    conflict = ApplicationError(ErrorCode.CONFLICT, _("该范围本季度的评估报告已存在"),
                                {"fields": {"quarter": [_("该范围本季度的评估报告已存在")]}})
    existing = (CadreReport.objects.select_for_update(of=("self",))
                .filter(organization_id=actor.organization_id, quarter=name, scope_unit=scope_unit).first())
    replaced = None
    if existing is not None:
        if provisional or not existing.provisional or existing.status != ReportStatus.DRAFT:
            raise conflict
        replaced = {**snapshot(existing, REPORT_FIELDS), "provisional": True, "created_at": existing.created_at,
                    "rows": [{"person": r.person_id, "ability": r.ability, "post": r.post, "pay": r.pay,
                              "comment": r.comment} for r in existing.rows.all()]}
        report = existing
        report.rows.all().delete()
        report.rules, report.provisional, report.created_by, report.created_at = used, False, actor, now
    else:
        report = CadreReport(organization_id=actor.organization_id, quarter=name, scope_unit=scope_unit,
                             status=ReportStatus.DRAFT, rules=used, provisional=provisional, created_by=actor,
                             created_at=now)
    try:
        report.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise from_django_validation(exc) from None
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise conflict from None
    rows = []
    for entry in selectors.quarter_figures(scope_unit, name, period, today):
        drafted = rules.suggest(entry["figures"], pass_mark=evaluation.pass_mark,
                                review_after=evaluation.consecutive_failures_for_review)
        rows.append(CadreRow(report=report, person=entry["person"],
                             units=[{"id": u.pk, "name": u.name, "path": u.path} for u in entry["units"]],
                             figures=entry["figures"], suggested_ability=drafted["ability"],
                             suggested_post=drafted["post"], suggested_pay=drafted["pay"],
                             reasons=drafted["reasons"], ability=drafted["ability"], post=drafted["post"],
                             pay=drafted["pay"]))
    CadreRow.objects.bulk_create(rows)
    after = {**snapshot(report, REPORT_FIELDS), "provisional": report.provisional, "rules": used,
             "rows": [{"person": r.person_id, "ability": r.ability, "post": r.post, "pay": r.pay} for r in rows]}
    if replaced is None:
        record_event(actor=actor, action="cadre_report.create", obj=report, at=now, after=after)
    else:
        record_event(actor=actor, action="cadre_report.regenerate", obj=report, at=now, before=replaced, after=after)
    return report


def _choice(value, choices, field: str):
    text = str(value or "").strip()
    if text not in choices.values:
        raise validation_error(field, _("请选择：%(options)s") % {"options": "、".join(str(c.label) for c in choices)})
    return text


@transaction.atomic
def cadre_row_update(*, actor, report: CadreReport, row_id: int, ability, post, pay, comment: str = "",
                     now: dt.datetime | None = None) -> CadreRow:
    """The final ability, post and pay of one cadre, with a comment (training measures, the reason
    for departing from the suggestion). Only while the report is a draft."""
    report = CadreReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if not can_edit_cadre_report(actor, report):
        deny_permission()
    row = CadreRow.objects.filter(report=report, pk=row_id).select_related("person").first()
    if row is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    CADRE_REPORT.check_editable(report)
    values = {"ability": _choice(ability, Ability, "ability"), "post": _choice(post, Post, "post"),
              "pay": _choice(pay, Pay, "pay"), "comment": clean_text(comment, "comment", limit=2000)}
    before = snapshot(row, ROW_FIELDS)
    now = now or timezone.now()
    for field, value in values.items():
        setattr(row, field, value)
    row.edited_by, row.edited_at = actor, now
    try:
        row.full_clean()
    except ValidationError as exc:
        raise from_django_validation(exc) from None
    row.save(update_fields=[*ROW_FIELDS, "edited_by", "edited_at"])
    record_event(actor=actor, action="cadre_report.row_update", obj=report, at=now, before={"row": row.pk, **before},
                 after={"row": row.pk, "person": row.person_id, **snapshot(row, ROW_FIELDS)})
    return row


@transaction.atomic
def cadre_report_publish(*, actor, report: CadreReport, now: dt.datetime | None = None) -> CadreReport:
    """Publish the report: nothing in it changes afterwards; each cadre may read their own row.
    A provisional draft is never published: not before its quarter has ended, and afterwards only
    once drafted again with the final figures (`cadre_report_create`)."""
    report = CadreReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if not can_edit_cadre_report(actor, report):
        deny_permission()
    now = now or timezone.now()
    if report.provisional and report.status == ReportStatus.DRAFT:
        _name, period = selectors.parse_quarter(report.quarter)
        if not period.has_ended(timezone.localdate(now)):
            raise validation_error("quarter", _("%(quarter)s 尚未结束，暂定报告不能发布") % {"quarter": report.quarter})
        raise validation_error("quarter", _("%(quarter)s 已结束，请先重新生成报告，再发布最终结果")
                               % {"quarter": report.quarter})
    CADRE_REPORT.apply(report, "publish", actor=actor, changes={"published_by": actor, "published_at": now},
                       audit_fields=REPORT_FIELDS, at=now)
    people = [row.person for row in report.rows.select_related("person")]
    notify(recipients=people, kind="cadres.published", obj=report, at=now, url="/cadres/me/",
           title=_("%(quarter)s 店铺干部季度评估已发布") % {"quarter": report.quarter},
           dedupe_key=f"cadres:{report.pk}:published")
    return report
