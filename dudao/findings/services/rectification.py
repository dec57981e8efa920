"""Rectification, step by step: the unit side plans, reports progress and submits evidence; the
supervisor side accepts, rejects or closes by re-inspection.

Each step checks who may act (`permissions.py`), then takes its transition with `FINDING.apply`
(state, fields, save, audit event `finding.<step>`), writes the timeline event and tells the people
who act next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import deny_permission, validation_error
from dudao.core.idempotency import clean_client_id
from dudao.core.models import Attachment
from dudao.core.transactions import retrying_atomic
from dudao.org.models import Person
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from ..choices import FindingEventKind
from ..models import Finding, FindingEvent
from ..permissions import can_rectify_finding, can_verify_finding
from ..workflow import FINDING
from . import records
from .extensions import cancel_pending_extensions
from .people import check_member, unit_side, verifiers


def _apply(finding: Finding, name: str, *, actor, at: dt.datetime, changes: dict | None = None,
           extra: dict | None = None) -> None:
    due_before = finding.due_date
    FINDING.apply(finding, name, actor=actor, changes=changes, extra=extra, at=at,
                  audit_fields=records.FINDING_AUDIT_FIELDS)
    if finding.due_date != due_before:
        records.figures_changed_for([finding], due_before)


# --- the unit side ---------------------------------------------------------------------------
@transaction.atomic
def finding_plan(*, actor, finding: Finding, measures: str, owner: Person | None = None,
                 due_date: dt.date | None = None, now: dt.datetime | None = None) -> Finding:
    """The unit side's rectification plan: measures, who carries them out, and by when (not later
    than the policy deadline unless an extension was approved)."""
    finding = records.lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    FINDING.check(finding, "plan")
    now = now or timezone.now()
    measures = records.text(measures, "measures", required=_("请填写整改措施"))
    owner = owner or actor
    check_member(owner, finding.unit, "owner_id")
    due_date = due_date or finding.due_date
    if due_date > finding.deadline_limit:
        raise validation_error("due_date", _("整改期限不能晚于 %(limit)s;需要更多时间请申请延期") % {
            "limit": finding.deadline_limit.isoformat()})
    if due_date < timezone.localdate(finding.created_at):
        raise validation_error("due_date", _("整改期限不能早于发现日期"))
    _apply(finding, "plan", actor=actor, at=now, changes={"measures": measures, "owner": owner, "due_date": due_date})
    records.timeline(finding, FindingEventKind.PLANNED, actor=actor, at=now, note=measures,
                     data={"owner_id": owner.pk, "due_date": due_date})
    records.tell([owner], actor=actor, finding=finding, kind="finding.assigned", at=now,
                 title=_("请负责整改:%(title)s(期限 %(due)s)") % {"title": finding.title, "due": due_date.isoformat()},
                 body=measures, dedupe_key=f"finding:{finding.pk}:owner:{owner.pk}:{finding.round}")
    return finding


@retrying_atomic
def finding_progress(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                     client_id: str = "", now: dt.datetime | None = None) -> FindingEvent:
    """A progress note (with photos) while the rectification is under way.

    With a `client_id` a retry by the same person gives back the event the first call made (even
    when the finding has moved on since), and writes nothing; the same id with another note or
    other photos is refused (409)."""
    finding = records.lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    client_id = clean_client_id(client_id)
    if (first := records.earlier_step(finding, actor, client_id, FindingEventKind.PROGRESS, note=note,
                                      attachments=attachments)) is not None:
        return first
    FINDING.check(finding, "progress")
    now = now or timezone.now()
    note = records.text(note, "note", required=None if attachments else _("请填写整改进展"))
    event = records.timeline(finding, FindingEventKind.PROGRESS, actor=actor, at=now, note=note,
                             client_id=client_id)
    attachment_ids = records.attach(actor, finding, event, attachments)
    _apply(finding, "progress", actor=actor, at=now, extra={"note": note, "attachment_ids": attachment_ids})
    return event


def round_evidence(finding: Finding) -> list[int]:
    """Evidence given in the current round (progress photos count toward the submission)."""
    return list(
        FindingEvent.attachments.through.objects.filter(
            findingevent__finding=finding, findingevent__round=finding.round,
            findingevent__kind__in=[FindingEventKind.PROGRESS, FindingEventKind.SUBMITTED],
        ).values_list("attachment_id", flat=True)
    )


@retrying_atomic
def finding_submit(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                   client_id: str = "", now: dt.datetime | None = None) -> Finding:
    """Hand the rectification over for acceptance, with what was done and the evidence; evidence is
    required for the severities the policy names (default high and critical).

    With a `client_id` a doubled submit by the same person gives back the finding as it stands
    (submitted, or further on) instead of a "wrong status" refusal, and writes nothing; the same id
    with another note or other photos is refused (409)."""
    finding = records.lock(finding)
    if not can_rectify_finding(actor, finding):
        deny_permission()
    client_id = clean_client_id(client_id)
    if records.earlier_step(finding, actor, client_id, FindingEventKind.SUBMITTED, note=note,
                            attachments=attachments) is not None:
        return finding
    FINDING.check(finding, "submit")
    now = now or timezone.now()
    note = records.text(note, "note", required=_("请说明整改情况"))
    policy = policy_for(finding.organization_id, on=timezone.localdate(now))
    if policy.findings.evidence_required_for(finding.severity) and not attachments and not round_evidence(finding):
        raise validation_error("attachment_ids", _("“%(severity)s”级问题须上传整改后的照片作为证据") % {
            "severity": Severity(finding.severity).label})
    event = records.timeline(finding, FindingEventKind.SUBMITTED, actor=actor, at=now, note=note, client_id=client_id)
    attachment_ids = records.attach(actor, finding, event, attachments)
    _apply(finding, "submit", actor=actor, at=now, changes={"submitted_at": now},
           extra={"note": note, "attachment_ids": attachment_ids})
    records.tell(verifiers(finding.unit), actor=actor, finding=finding, kind="finding.submitted", at=now,
                 title=_("%(unit)s 提交了整改,请验收:%(title)s") % {"unit": finding.unit.name, "title": finding.title},
                 body=note, dedupe_key=f"finding:{finding.pk}:submitted:{finding.round}")
    return finding


# --- the supervisor side ---------------------------------------------------------------------
@transaction.atomic
def finding_accept(*, actor, finding: Finding, note: str = "", now: dt.datetime | None = None) -> Finding:
    """A supervisor in scope accepts the rectification: the finding is closed."""
    finding = records.lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    FINDING.check(finding, "accept")
    now = now or timezone.now()
    note = records.text(note, "note")
    _apply(finding, "accept", actor=actor, at=now, changes={"closed_at": now, "closed_by": actor},
           extra={"note": note})
    cancel_pending_extensions(finding, now, actor=actor)
    records.timeline(finding, FindingEventKind.ACCEPTED, actor=actor, at=now, note=note)
    records.tell(unit_side(finding), actor=actor, finding=finding, kind="finding.accepted", at=now,
                 title=_("整改已验收通过:%(title)s") % {"title": finding.title}, body=note,
                 dedupe_key=f"finding:{finding.pk}:accepted")
    return finding


@transaction.atomic
def finding_reject(*, actor, finding: Finding, reason: str, now: dt.datetime | None = None) -> Finding:
    """A supervisor in scope sends the rectification back with a reason: planned again, next round."""
    finding = records.lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    FINDING.check(finding, "reject")
    now = now or timezone.now()
    reason = records.text(reason, "reason", required=_("请说明退回原因"))
    rejected_round = finding.round
    _apply(finding, "reject", actor=actor, at=now, changes={"round": finding.round + 1, "submitted_at": None},
           extra={"reason": reason})
    records.timeline(finding, FindingEventKind.REJECTED, actor=actor, at=now, note=reason,
                     data={"next_round": finding.round}, round=rejected_round)
    records.tell(unit_side(finding), actor=actor, finding=finding, kind="finding.rejected", at=now,
                 title=_("整改被退回,请重新整改:%(title)s") % {"title": finding.title}, body=reason,
                 dedupe_key=f"finding:{finding.pk}:rejected:{rejected_round}")
    return finding


@transaction.atomic
def finding_close_by_reinspection(*, actor, finding: Finding, inspection, answer) -> Finding:
    """A follow-up inspection's passing answer on the finding's item closes it; the timeline keeps the
    follow-up's answer (value, note, photos) beside the original."""
    finding = records.lock(finding)
    if not can_verify_finding(actor, finding):
        deny_permission()
    FINDING.check(finding, "close_by_reinspection")
    if answer.inspection_id != inspection.pk or inspection.unit_id != finding.unit_id:
        raise validation_error("answer", _("复查答案必须来自同一机构的复查"))
    if answer.failed:
        raise validation_error("answer", _("复查仍不合格,不能关闭问题"))
    if finding.item_code and answer.item.code != finding.item_code:
        raise validation_error("answer", _("复查答案不是该问题的检查项"))
    now = timezone.now()
    data = {"inspection_id": inspection.pk, "answer_id": answer.pk, "item_code": answer.item.code,
            "value": answer.value, "note": answer.note}
    _apply(finding, "close_by_reinspection", actor=actor, at=now, extra={"answer": data}, changes={
        "closed_at": now, "closed_by": actor, "closed_by_inspection": inspection, "closed_by_answer": answer})
    cancel_pending_extensions(finding, now, actor=actor)
    photos = list(answer.attachments.all())
    event = records.timeline(finding, FindingEventKind.CLOSED_BY_REINSPECTION, actor=actor, at=now,
                             note=answer.note, data=data)
    if photos:
        event.attachments.add(*photos)
    records.tell([finding.responsible_person, finding.owner], actor=actor, finding=finding, kind="finding.closed",
                 at=now, title=_("复查合格,问题已关闭:%(title)s") % {"title": finding.title},
                 dedupe_key=f"finding:{finding.pk}:closed")
    return finding
