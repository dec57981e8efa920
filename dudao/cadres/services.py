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
    each row with the quarter's figures and the suggestions of `rules.py` with their reasons."""
    if not can_draft_cadre_report(actor, scope_unit):
        deny_permission()
    name, period = selectors.parse_quarter(quarter)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not period.has_ended(today):
        raise validation_error("quarter", _("%(quarter)s 尚未结束，只能评估已结束的季度") % {"quarter": name})
    if scope_unit.kind in LEAF_KINDS:
        raise validation_error("scope_unit_id", _("范围应为公司或区域，不能是单个门店"))
    evaluation = policy_for(scope_unit.organization_id, on=period.end).evaluation
    used = {"pass_mark": f"{evaluation.pass_mark}", "review_after": evaluation.consecutive_failures_for_review,
            "ability_a_min": f"{rules.ABILITY_A_MIN}", "ability_b_min": f"{rules.ABILITY_B_MIN}",
            "training_attendance_min": f"{rules.TRAINING_ATTENDANCE_MIN}"}
    report = CadreReport(organization_id=actor.organization_id, quarter=name, scope_unit=scope_unit,
                         status=ReportStatus.DRAFT, rules=used, created_by=actor, created_at=now)
    try:
        report.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise from_django_validation(exc) from None
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ApplicationError(ErrorCode.CONFLICT, _("该范围本季度的评估报告已存在"),
                               {"fields": {"quarter": [_("该范围本季度的评估报告已存在")]}}) from None
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
    record_event(actor=actor, action="cadre_report.create", obj=report, at=now, after={
        **snapshot(report, REPORT_FIELDS), "rules": used,
        "rows": [{"person": r.person_id, "ability": r.ability, "post": r.post, "pay": r.pay} for r in rows]})
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
              "pay": _choice(pay, Pay, "pay"), "comment": str(comment or "").strip()}
    if len(values["comment"]) > 2000:
        raise validation_error("comment", _("最多 %(n)s 字") % {"n": 2000})
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
    """Publish the report: nothing in it changes afterwards; each cadre may read their own row."""
    report = CadreReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if not can_edit_cadre_report(actor, report):
        deny_permission()
    now = now or timezone.now()
    CADRE_REPORT.apply(report, "publish", actor=actor, changes={"published_by": actor, "published_at": now},
                       audit_fields=REPORT_FIELDS, at=now)
    people = [row.person for row in report.rows.select_related("person")]
    notify(recipients=people, kind="cadres.published", obj=report, at=now, url="/cadres/me/",
           title=_("%(quarter)s 店铺干部季度评估已发布") % {"quarter": report.quarter},
           dedupe_key=f"cadres:{report.pk}:published")
    return report
