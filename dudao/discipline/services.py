"""Writing the discipline ledger: record a violation (its recorder is the handler and has confirmed),
the party's and the witness's confirmations, and what an appeal decides. Every write is atomic and
audited; the people who must sign are told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.approvals.services import approval_request_create
from dudao.core.attachments import attachment_attach
from dudao.core.audit import record_event, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    deny_permission,
    full_clean_or_refuse,
    validation_error,
)
from dudao.core.idempotency import clean_client_id, earlier, save_once
from dudao.core.numbers import parse_number
from dudao.notifications.services import notify
from dudao.org.models import Person, RoleAssignment
from dudao.policies.choices import ApprovalKind, CardColour
from dudao.policies.registry import policy_for

from .choices import ViolationKind, ViolationStatus
from .models import Violation
from .permissions import can_record_violation
from .workflow import VIOLATION

AUDIT_FIELDS = ["person", "unit", "kind", "occurred_at", "witness", "handler", "card", "fine", "deducts_day_pay",
                "status", "party_confirmed_at", "witness_confirmed_at", "handler_confirmed_at", "appeal"]
MAX_FINE = Decimal("100000")


def default_fine(policy, kind: str) -> tuple[Decimal, bool]:
    """The policy's fine for a kind of violation, and whether an absence also costs the day's pay."""
    fines = policy.discipline.fines
    amount = {
        ViolationKind.LATE: fines.late_or_early, ViolationKind.EARLY_LEAVE: fines.late_or_early,
        ViolationKind.OFF_POST: fines.off_post, ViolationKind.ABSENCE: fines.absence,
        ViolationKind.OPERATING: fines.operating_violation,
    }.get(kind, Decimal(0))
    return Decimal(amount), kind == ViolationKind.ABSENCE and fines.absence_deducts_day_pay


def _fine(value) -> Decimal | None:
    """A fine as typed ("50", "¥1,200.00"), two decimals at most, within 0..MAX_FINE."""
    if value is None or value == "":
        return None
    amount = parse_number(value, "fine", places=2)
    if amount < 0 or amount > MAX_FINE:
        raise validation_error("fine", _("罚款必须在 0 到 100000 之间"))
    return amount


def _works_under(person: Person, unit) -> bool:
    return RoleAssignment.objects.filter(person=person, unit__path__startswith=unit.path).exists()


@transaction.atomic
def violation_create(*, actor, person: Person, unit, kind: str, occurred_at: dt.datetime, witness: Person,
                     description: str = "", card: str | None = None, fine=None, attachments=(),
                     client_id: str = "", now: dt.datetime | None = None) -> tuple[Violation, bool]:
    """Record a violation of `person` at `unit`; the actor is its handler and has confirmed. It is
    pending until the party and the witness confirm. The fine defaults from the policy for the kind
    (and an absence may also cost the day's pay). A retry with the same `client_id` returns the
    first record (created False)."""
    now = now or timezone.now()
    mine = Violation.objects.filter(organization_id=actor.organization_id, handler=actor)
    client_id = clean_client_id(client_id)
    if (first := earlier(mine, client_id)) is not None:
        return first, False
    if not can_record_violation(actor, unit):
        deny_permission()
    if kind not in ViolationKind.values:
        raise validation_error("kind", _("未知的违规类型“%(kind)s”") % {"kind": kind})
    if person.organization_id != actor.organization_id or not person.is_active or not _works_under(person, unit):
        raise validation_error("person_id", _("当事人必须是该机构（或其下级）的在职人员"))
    if person.pk == actor.pk:
        raise validation_error("person_id", _("处理人不能处理自己的违规"))
    if witness.organization_id != actor.organization_id or not witness.is_active:
        raise validation_error("witness_id", _("证明人必须是本单位在职人员"))
    if witness.pk in (person.pk, actor.pk):
        raise validation_error("witness_id", _("证明人不能是当事人或处理人本人"))
    if occurred_at > now + dt.timedelta(minutes=5):
        raise validation_error("occurred_at", _("发生时间不能晚于现在"))
    policy = policy_for(actor.organization_id, on=timezone.localdate(occurred_at))
    card = (card or "").strip()
    if card and card not in policy.discipline.card_colours:
        raise validation_error("card", _("制度没有“%(card)s”这种牌") % {"card": card})
    amount, day_pay = default_fine(policy, kind)
    given = _fine(fine)
    description = (description or "").strip()
    if len(description) > 2000:
        raise validation_error("description", _("经过不能超过 2000 字"))
    violation = Violation(
        organization_id=actor.organization_id, person=person, unit=unit, kind=kind, occurred_at=occurred_at,
        description=description, witness=witness, handler=actor, card=card,
        fine=(given if given is not None else amount).quantize(Decimal("0.01")), deducts_day_pay=day_pay, status=ViolationStatus.PENDING,
        handler_confirmed_at=now, client_id=client_id, created_at=now,
    )
    full_clean_or_refuse(violation, exclude=["appeal"])
    violation, created = save_once(violation, mine)
    if not created:  # a concurrent retry with the same client id saved it first
        return violation, False
    for attachment in attachments:
        attachment_attach(actor=actor, attachment=attachment, obj=violation, unit=unit)
    if attachments:
        violation.attachments.add(*attachments)
    record_event(actor=actor, action="violation.create", obj=violation, at=now,
                 after={**snapshot(violation, AUDIT_FIELDS), "attachment_ids": sorted(a.pk for a in attachments)})
    notify(recipients=[person, witness], kind="violation.confirm", obj=violation, at=now,
           title=_("请确认违规记录：%(name)s %(kind)s（%(day)s）") % {
               "name": person.display_name, "kind": violation.get_kind_display(),
               "day": timezone.localtime(occurred_at).strftime("%Y-%m-%d %H:%M")},
           body=_("处理人：%(handler)s；证明人：%(witness)s。三方确认后生效。") % {
               "handler": actor.display_name, "witness": witness.display_name},
           url=f"/discipline/violations/{violation.pk}/",
           dedupe_key=f"violation:{violation.pk}:confirm")
    return violation, True


@transaction.atomic
def violation_confirm(*, actor, violation: Violation, now: dt.datetime | None = None) -> Violation:
    """The party or the witness signs; once all three have, the violation takes effect. Nobody else
    may sign, and signing twice changes nothing."""
    now = now or timezone.now()
    violation = Violation.objects.select_for_update(of=("self",)).get(pk=violation.pk)
    roles = []
    if actor.pk == violation.person_id:
        roles.append("party_confirmed_at")
    if actor.pk == violation.witness_id:
        roles.append("witness_confirmed_at")
    if not roles:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("只有当事人和证明人可以确认"))
    changes = {field: now for field in roles if getattr(violation, field) is None}
    if not changes:
        return violation  # signed already: a retry from the phone changes nothing
    VIOLATION.check(violation, "confirm")
    VIOLATION.apply(violation, "confirm", actor=actor, changes=changes, audit_fields=AUDIT_FIELDS, at=now)
    if all(violation.confirmations().values()):
        VIOLATION.apply(violation, "take_effect", actor=actor, changes={"effective_at": now},
                        audit_fields=AUDIT_FIELDS, at=now)
        notify(recipients=[violation.handler, violation.person], kind="violation.effective", obj=violation, at=now,
               title=_("违规记录已生效：%(name)s %(kind)s") % {
                   "name": violation.person.display_name, "kind": violation.get_kind_display()},
               url=f"/discipline/violations/{violation.pk}/",
               dedupe_key=f"violation:{violation.pk}:effective")
    return violation


@transaction.atomic
def violation_appeal(*, actor, violation: Violation, reason: str, now: dt.datetime | None = None):
    """The party appeals (复议) an effective violation within the policy's `appeal_window_days` of it
    taking effect: an approval of kind `appeal` about it (route from the policy). Upheld, it is
    overturned and counts for nothing; dismissed, it stands. Returns the approval request."""
    now = now or timezone.now()
    violation = Violation.objects.select_for_update(of=("self",)).select_related("unit", "person").get(pk=violation.pk)
    if actor.pk != violation.person_id:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("只有当事人可以申请复议"))
    reason = (reason or "").strip()
    if not reason:
        raise validation_error("reason", _("请填写复议理由"))
    if len(reason) > 2000:
        raise validation_error("reason", _("复议理由最多 2000 字"))
    VIOLATION.check(violation, "appeal")
    days = policy_for(violation.organization_id, on=timezone.localdate(violation.occurred_at)).discipline.appeal_window_days
    closes = (violation.effective_at or now) + dt.timedelta(days=days)
    if now > closes:
        raise ApplicationError(ErrorCode.CONFLICT, _("复议期限已过：生效后 %(days)s 天内（%(until)s 前）可申请复议") % {
            "days": days, "until": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")},
            {"fields": {"reason": [_("复议期限已过")]}})
    approval = approval_request_create(
        actor=actor, kind=ApprovalKind.APPEAL, unit=violation.unit, subject=violation, now=now,
        title=(_("违规复议：%(name)s %(kind)s（%(day)s）") % {
            "name": actor.display_name, "kind": violation.get_kind_display(),
            "day": timezone.localtime(violation.occurred_at).strftime("%Y-%m-%d")})[:200],
        detail={"violation_id": violation.pk, "reason": reason, "fine": f"{violation.fine}",
                **({"card": str(CardColour(violation.card).label)} if violation.card in CardColour.values else {})},
    )
    VIOLATION.apply(violation, "appeal", actor=actor, changes={"appeal": approval}, audit_fields=AUDIT_FIELDS,
                    at=now, extra={"reason": reason})
    return approval


def appeal_outcome(request, outcome: str) -> None:
    """The approval engine's final word on a violation's appeal, in its transaction."""
    violation = Violation.objects.select_for_update(of=("self",)).filter(appeal_id=request.pk).first()
    if violation is None or violation.status != "appealing":
        return
    step = request.steps.filter(decided_by__isnull=False).select_related("decided_by").order_by("-position").first()
    actor = step.decided_by if step is not None else None
    at = step.decided_at if step is not None else timezone.now()
    upheld = outcome == "approved"
    VIOLATION.apply(violation, "overturn" if upheld else "uphold", actor=actor, audit_fields=AUDIT_FIELDS, at=at,
                    extra={"approval_id": request.pk})
    notify(recipients=[violation.person, violation.handler], kind="violation.appeal_decided", obj=violation, at=at,
           url=f"/discipline/violations/{violation.pk}/",
           title=(_("复议成立，违规记录已撤销") if upheld else _("复议未成立，违规记录维持")),
           dedupe_key=f"violation:{violation.pk}:appeal:{request.pk}")
