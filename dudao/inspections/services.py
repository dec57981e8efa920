"""Inspections from start to signature: create (idempotent), answer, submit (score + findings),
acknowledge, correct after submit, and re-inspect the failed items."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import TemplateStatus
from dudao.checklists.models import Item, Template
from dudao.core.attachments import attachment_attach
from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import ApplicationError, ErrorCode, from_django_validation, validation_error
from dudao.core.evidence import check_camera_evidence
from dudao.core.models import Attachment
from dudao.core.scoping import actor_covers
from dudao.core.transactions import retrying_atomic
from dudao.notifications.services import notify
from dudao.org.choices import LEAF_KINDS, Role
from dudao.org.selectors import unit_managers
from dudao.policies.registry import policy_for

from . import location, registry, scoring
from .choices import COUNTING_STATUSES, InspectionMode
from .models import INSPECTORS, Answer, Inspection
from .permissions import can_acknowledge_inspection, can_edit_inspection
from .signatures import onsite_signature_image
from .workflow import INSPECTION

INSPECTION_AUDIT_FIELDS = [
    "unit", "template", "visit", "follow_up_of", "calibration", "mode", "status", "inspector", "client_id", "performed_at",
    "opening_notes", "interview_notes", "figures", "latitude", "longitude", "location_accuracy_m",
    "distance_m", "location_flag", "location_reason", "earned_points", "possible_points", "score", "passed", "critical_failed", "submitted_at",
    "acknowledged_by", "acknowledged_at", "acknowledgement_comment",
    "onsite_signature", "onsite_signer_name", "onsite_signed_at",
]
CLOCK_SKEW = dt.timedelta(minutes=5)


def _refuse(message: str, detail=None):
    raise ApplicationError(ErrorCode.VALIDATION, message, detail)


def fingerprint(payload: dict) -> str:
    """A stable hash of a creation request, to tell a retry from a different request."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def check_performed_at(organization_id: int, performed_at: dt.datetime, now: dt.datetime) -> None:
    """Not in the future, and not older than the policy's back-entry limit."""
    if timezone.is_naive(performed_at):
        performed_at = timezone.make_aware(performed_at)
    if performed_at > now + CLOCK_SKEW:
        raise validation_error("performed_at", _("检查时间不能晚于当前时间"))
    days = policy_for(organization_id, on=timezone.localdate(now)).inspections.back_entry_days
    if timezone.localdate(performed_at) < timezone.localdate(now) - dt.timedelta(days=days):
        raise validation_error(
            "performed_at", _("检查时间不能早于 %(days)s 天前(补录期限)") % {"days": days}
        )


# --- create ----------------------------------------------------------------------------------
@retrying_atomic
def inspection_create(
    *,
    actor,
    unit,
    template: Template,
    mode: str = InspectionMode.ON_SITE,
    visit=None,
    client_id: str = "",
    performed_at: dt.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    location_accuracy_m: float | None = None,
    location_reason: str = "",
    opening_notes: str = "",
    follow_up_of: Inspection | None = None,
    request: dict | None = None,
    now: dt.datetime | None = None,
) -> tuple[Inspection, bool]:
    """Start an inspection of `unit` against a published `template`. Returns (inspection, created).

    Made for a planned `visit`, it is linked to the visit, which stays planned: the visit is done
    when this inspection is submitted (`inspection_submit`), so a draft never counts as a visit made.

    With a `client_id` the call is idempotent: the same id and the same request give back the
    inspection made the first time (created False); the same id with a different request is a 409.
    `now` is the clock (the demo loader and tests pass one); it defaults to the real time.

    On site, the check-in position is judged by the policy in force on the visit's day
    (`location.check_in`): no position, or one outside the unit's geofence, is refused (422)
    unless `location_reason` states why; the distance and the reason are kept and audited.
    """
    now = now or timezone.now()
    client_id = (client_id or "").strip()
    print_ = fingerprint(request if request is not None else {
        "unit_id": unit.pk, "template_id": template.pk, "mode": mode, "visit_id": getattr(visit, "pk", None),
        "performed_at": performed_at,
    })
    if client_id:
        existing = Inspection.objects.filter(organization_id=actor.organization_id, client_id=client_id).first()
        if existing is not None:
            if existing.request_fingerprint != print_:
                raise ApplicationError(
                    ErrorCode.CONFLICT, _("client_id 已用于另一个不同的检查"), {"fields": {"client_id": [client_id]}}
                )
            return existing, False
    own = actor_covers(actor, INSPECTORS, unit.path)
    granted = not own and visit is not None and visit.unit_id == unit.pk and registry.may_inspect(actor, visit)
    if not (own or granted) or unit.organization_id != actor.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if unit.kind not in LEAF_KINDS:
        raise validation_error("unit_id", _("只能检查门店、网点或厂站"))
    if template.organization_id != actor.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if template.status != TemplateStatus.PUBLISHED:
        raise validation_error("template_id", _("只能使用已发布的检查标准"))
    if mode not in InspectionMode.values:
        raise validation_error("mode", _("未知的检查方式"))
    if visit is not None:
        if visit.organization_id != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
        if visit.unit_id != unit.pk:
            raise validation_error("visit_id", _("计划走访的机构与检查机构不一致"))
    performed_at = performed_at or now
    check_performed_at(actor.organization_id, performed_at, now)
    checked = location.check_in(
        policy=policy_for(actor.organization_id, on=performed_at), mode=mode, unit=unit,
        latitude=latitude, longitude=longitude, reason=location_reason,
    )
    inspection = Inspection(
        organization_id=actor.organization_id, unit=unit, template=template, visit=visit, mode=mode,
        inspector=actor, client_id=client_id, request_fingerprint=print_, performed_at=performed_at,
        latitude=latitude, longitude=longitude, location_accuracy_m=location_accuracy_m,
        distance_m=checked.distance_m, location_flag=checked.flag, location_reason=checked.reason,
        opening_notes=opening_notes, follow_up_of=follow_up_of, calibration=granted,
    )
    if follow_up_of is not None:
        inspection.carried_item_ids = sorted(
            follow_up_of.answers.filter(is_current=True, failed=True).values_list("item_id", flat=True)
        )
    try:
        inspection.full_clean(exclude=["template", "unit", "inspector", "visit", "follow_up_of"])
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        # Another request with the same client_id won the race: answer as a retry would.
        existing = Inspection.objects.get(organization_id=actor.organization_id, client_id=client_id)
        if existing.request_fingerprint != print_:
            raise ApplicationError(ErrorCode.CONFLICT, _("client_id 已用于另一个不同的检查")) from None
        return existing, False
    record_event(actor=actor, action="inspection.create", obj=inspection,
                 after=snapshot(inspection, INSPECTION_AUDIT_FIELDS))
    return inspection, True


@transaction.atomic
def inspection_update(*, actor, inspection: Inspection, **changes) -> Inspection:
    """Notes, collected figures and location while the inspection is in progress. A position given
    later is judged like one given at the start (distance, geofence, reason)."""
    inspection = Inspection.objects.select_for_update().select_related("unit").get(pk=inspection.pk)
    if not can_edit_inspection(actor, inspection):
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("只有进行中的检查可以修改,且只能由检查人修改"))
    allowed = {"opening_notes", "interview_notes", "figures", "latitude", "longitude", "location_accuracy_m",
               "location_reason", "onsite_signature_id", "onsite_signer_name", "onsite_signed_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise validation_error(sorted(unknown)[0], _("不能修改此字段"))
    if "figures" in changes and changes["figures"] is not None and not isinstance(changes["figures"], dict):
        raise validation_error("figures", _("采集数据必须是键值对"))
    signature = onsite_signature_image(actor, inspection, changes.get("onsite_signature_id"))
    before = snapshot(inspection, INSPECTION_AUDIT_FIELDS)
    for field, value in changes.items():
        if value is not None:
            setattr(inspection, field, value)
    if inspection.onsite_signature_id is not None and not inspection.onsite_signer_name.strip():
        raise validation_error("onsite_signer_name", _("请填写现场签字人姓名"))
    if signature is not None:
        attachment_attach(actor=actor, attachment=signature, obj=inspection, unit=inspection.unit)
        if changes.get("onsite_signed_at") is None and inspection.onsite_signed_at is None:
            inspection.onsite_signed_at = timezone.now()
    if {"latitude", "longitude", "location_reason"} & {k for k, v in changes.items() if v is not None}:
        checked = location.check_in(
            policy=policy_for(inspection.organization_id, on=inspection.performed_at), mode=inspection.mode,
            unit=inspection.unit, latitude=inspection.latitude, longitude=inspection.longitude,
            reason=inspection.location_reason,
        )
        inspection.distance_m, inspection.location_flag = checked.distance_m, checked.flag
        inspection.location_reason = checked.reason
    inspection.save()
    after = snapshot(inspection, INSPECTION_AUDIT_FIELDS)
    if after != before:
        record_event(actor=actor, action="inspection.update", obj=inspection, before=before, after=after)
    return inspection


# --- locks -----------------------------------------------------------------------------------
def lock_inspection(inspection: Inspection, *related: str) -> Inspection:
    """The inspection re-read under a lock on its own row only (`of=("self",)`): the template, unit
    and other rows joined for reading stay unlocked, so a concurrent create that references them (and
    holds the audit-chain head) is never waited on. NO KEY UPDATE lets rows that merely reference the
    inspection (answers, findings) be inserted meanwhile. Lock order: this row first, the audit-chain
    head (`record_event`) last."""
    return (
        Inspection.objects.select_for_update(of=("self",), no_key=True).select_related(*related)
        .get(pk=inspection.pk)
    )


# --- answers ---------------------------------------------------------------------------------
def scorable_items(inspection: Inspection) -> list[Item]:
    """The items this inspection answers: all of the template's, or only those carried forward."""
    items = list(Item.objects.filter(template_id=inspection.template_id).select_related("section"))
    if inspection.carried_item_ids:
        carried = set(inspection.carried_item_ids)
        items = [item for item in items if item.pk in carried]
    return items


def _attachments_for(actor, ids: list[int], code: str) -> list[Attachment]:
    if not ids:
        return []
    found = {a.pk: a for a in Attachment.objects.visible_to(actor).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise validation_error(f"answers.{code}.attachment_ids", _("附件不存在:%(ids)s") % {"ids": missing})
    for attachment in found.values():
        if not attachment.content_type.startswith("image/") and attachment.content_type != "application/pdf":
            raise validation_error(f"answers.{code}.attachment_ids", _("附件类型不支持"))
    return [found[i] for i in ids]


def _items_named(inspection: Inspection, codes: list[str]) -> dict[str, Item]:
    """The answerable items among `codes`, by code: one indexed lookup of the codes given (the
    (template, code) unique index), however long the checklist."""
    items = Item.objects.filter(template_id=inspection.template_id, code__in=codes)
    if inspection.carried_item_ids:
        items = items.filter(pk__in=inspection.carried_item_ids)
    return {item.code: item for item in items}


def _set_answer_photos(answers: list[Answer], photos: dict[int, list[Attachment]], replaced: list[int]) -> None:
    """Each answer's photos become exactly those given, in two queries for the whole call: the links
    of the answers that existed are removed, then every given link inserted."""
    through = Answer.attachments.through
    if replaced:
        through.objects.filter(answer_id__in=replaced).delete()
    rows = [through(answer_id=answer.pk, attachment_id=photo.pk)
            for answer in answers for photo in photos.get(answer.item_id, ())]
    if rows:
        through.objects.bulk_create(rows)


@retrying_atomic
def answers_upsert(*, actor, inspection: Inspection, answers: list[dict], now: dt.datetime | None = None
                   ) -> list[Answer]:
    """Save answers by item code (each call may carry any subset). All or nothing: one bad answer
    refuses the whole call, naming every bad code.

    Reads only the items and current answers named, and writes in a fixed number of queries (one
    insert of the new answers, one update per distinct value of the changed ones, two for photo links,
    one audit append), so one answer costs the same on a 12- or a 1,200-item checklist."""
    from dudao.core.attachments import attachment_attach

    inspection = lock_inspection(inspection)
    if not can_edit_inspection(actor, inspection):
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("已提交的检查不能再修改答案"))
    items = _items_named(inspection, [str(given.get("item_code", "")).strip() for given in answers])
    errors: dict[str, list[str]] = {}
    prepared = []
    seen = set()
    for index, given in enumerate(answers):
        code = str(given.get("item_code", "")).strip()
        item = items.get(code)
        if item is None:
            errors.setdefault(f"answers.{index}.item_code", []).append(_("未知的检查项:%(code)s") % {"code": code})
            continue
        if code in seen:
            errors.setdefault(f"answers.{code}", []).append(_("同一检查项重复作答"))
            continue
        seen.add(code)
        try:
            value = scoring.normalise(item, given.get("value"))
        except scoring.AnswerInvalid as exc:
            errors.setdefault(f"answers.{code}", []).append(str(exc))
            continue
        prepared.append((item, value, str(given.get("note") or ""), list(given.get("attachment_ids") or [])))
    if errors:
        first = next(iter(errors.items()))
        raise ApplicationError(ErrorCode.VALIDATION, f"{first[0]}: {first[1][0]}", {"fields": errors})
    photos = {item.pk: _attachments_for(actor, ids, item.code) for item, _v, _n, ids in prepared if ids}
    if photos and policy_for(inspection.organization_id, on=inspection.performed_at).inspections.camera_capture_required:
        day = timezone.localdate(inspection.performed_at)
        codes = {item.pk: item.code for item, *_rest in prepared}
        for item_id, attached in photos.items():
            check_camera_evidence(attached, day=day, field_name=f"answers.{codes[item_id]}.attachment_ids")
    now = now or timezone.now()
    current = {a.item_id: a for a in inspection.answers.filter(
        is_current=True, item_id__in=[item.pk for item, *_rest in prepared])}
    saved, new, changed = [], [], []
    for item, value, note, _ids in prepared:
        answer = current.get(item.pk)
        if answer is None:
            answer = Answer(inspection=inspection, item=item, is_current=True)
            new.append(answer)
        else:
            answer.item = item
            changed.append(answer)
        answer.value, answer.note, answer.answered_by, answer.answered_at = value, note, actor, now
        saved.append(answer)
    if new:
        Answer.objects.bulk_create(new)
        if any(a.pk is None for a in new):  # databases that cannot return ids from a bulk insert
            ids = dict(inspection.answers.filter(is_current=True, item_id__in=[a.item_id for a in new])
                       .values_list("item_id", "pk"))
            for answer in new:
                answer.pk = answer.id = ids[answer.item_id]
    _update_answers(changed, actor, now)
    for answer in saved:
        for attachment in photos.get(answer.item_id, ()):
            attachment_attach(actor=actor, attachment=attachment, obj=answer, unit=inspection.unit)
    # Answers that existed may have had photos: theirs are replaced by those given (maybe none).
    _set_answer_photos(saved, photos, [a.pk for a in changed])
    for answer in saved:  # the response lists each answer's photos without asking again
        _prefetched(answer, "attachments", photos.get(answer.item_id, []))
    record_events(
        actor=actor, action="inspection.answer", objects=saved,
        after=[{"inspection_id": inspection.pk, "item_code": a.item.code, "value": a.value, "note": a.note,
                "attachment_ids": [p.pk for p in photos.get(a.item_id, ())]} for a in saved],
    )
    return saved


def _update_answers(answers: list[Answer], actor, now: dt.datetime) -> None:
    """Store the changed answers' value and note: one UPDATE per distinct (value, note), so a batch
    of 1,200 mostly "pass" answers costs a handful of queries (bulk_update would write one CASE per
    row, split into batches by SQLite's parameter limit)."""
    groups: dict[tuple[str, str], tuple[object, list[int]]] = {}
    for answer in answers:
        key = (json.dumps(answer.value, sort_keys=True, default=str), answer.note)
        groups.setdefault(key, (answer.value, []))[1].append(answer.pk)
    for (_key, note), (value, ids) in groups.items():
        Answer.objects.filter(pk__in=ids).update(value=value, note=note, answered_by=actor, answered_at=now)


def _prefetched(obj, name: str, rows: list) -> None:
    """Fill `obj.<name>.all()` with rows already in hand, as `prefetch_related` would."""
    queryset = getattr(obj, name).all()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    obj._prefetched_objects_cache = {**getattr(obj, "_prefetched_objects_cache", {}), name: queryset}


# --- submit ----------------------------------------------------------------------------------
@dataclass
class SubmitResult:
    inspection: Inspection
    finding_ids: list[int]


def _store_item_results(answers) -> None:
    """Write each answer's earned/possible/failed with one UPDATE per distinct result, so the number
    of queries follows the variety of point values, not the number of items (bulk_update would be
    split into batches by SQLite's parameter limit)."""
    groups: dict[tuple, list[int]] = {}
    for answer in answers:
        groups.setdefault((answer.earned, answer.possible, answer.failed), []).append(answer.pk)
    for (earned, possible, failed), ids in groups.items():
        Answer.objects.filter(pk__in=ids).update(earned=earned, possible=possible, failed=failed)


def _score(inspection: Inspection, items: list[Item], answers: dict[int, Answer], on: dt.date):
    results = []
    for item in items:
        answer = answers.get(item.pk)
        if answer is None or not item.is_scorable:
            continue
        result = scoring.score_item(item, answer.value)
        answer.earned, answer.possible, answer.failed = result.earned, result.possible, result.failed
        results.append((item, result))
    policy = policy_for(inspection.organization_id, on=on)
    return scoring.score_inspection(
        results, pass_mark=policy.inspections.pass_mark, decimals=policy.inspections.score_decimals
    )


@retrying_atomic
def inspection_submit(*, actor, inspection: Inspection, now: dt.datetime | None = None) -> SubmitResult:
    """Score by the rule, freeze the answers, create one finding per failed item, mark the planned
    visit it was made for done, ask the unit's manager to sign. Refused, naming the codes, while
    scorable items are unanswered or a required photo is missing.

    A calibration inspection (`Inspection.calibration`) is scored and marks its visit done, but
    raises no finding and asks nobody to sign: it ends at submitted."""
    from dudao.findings.services import findings_create_for_inspection
    from dudao.planning.services import visit_mark_done

    inspection = lock_inspection(inspection, "template", "unit")
    if inspection.inspector_id != actor.pk:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    INSPECTION.check(inspection, "submit")
    _lock_what_submit_changes(inspection)
    items = scorable_items(inspection)
    answers = {
        a.item_id: a for a in inspection.answers.filter(is_current=True).prefetch_related("attachments")
    }
    missing = [i.code for i in items if i.is_scorable and (i.pk not in answers or answers[i.pk].value in (None, ""))]
    missing_photos = [
        i.code for i in items
        if i.photo_required and i.pk in answers and answers[i.pk].value != scoring.NA
        and not answers[i.pk].attachments.all()
    ]
    missing_photos += [i.code for i in items if i.photo_required and i.pk not in answers and i.code not in missing]
    if missing or missing_photos:
        parts = []
        if missing:
            parts.append(_("未作答:%(codes)s") % {"codes": _("、").join(missing)})
        if missing_photos:
            parts.append(_("缺少照片:%(codes)s") % {"codes": _("、").join(missing_photos)})
        _refuse("; ".join(parts), {"missing": missing, "missing_photos": missing_photos})
    now = now or timezone.now()
    result = _score(inspection, items, answers, timezone.localdate(inspection.performed_at))
    _store_item_results(answers.values())
    INSPECTION.apply(inspection, "submit", actor=actor, audit_fields=INSPECTION_AUDIT_FIELDS, changes={
        "earned_points": result.earned, "possible_points": result.possible, "score": result.score,
        "passed": result.passed, "critical_failed": result.critical_failed, "submitted_at": now,
    })
    if inspection.visit_id is not None:
        visit_mark_done(visit=inspection.visit, inspection=inspection)
    if inspection.calibration:
        return SubmitResult(inspection, [])
    items_by_id = {i.pk: i for i in items}
    failed = [a for a in answers.values() if a.failed]
    for answer in failed:
        answer.item = items_by_id[answer.item_id]
    managers = unit_managers([inspection.unit_id])
    findings = findings_create_for_inspection(actor=actor, inspection=inspection, failed_answers=failed, now=now,
                                              managers=managers)
    if inspection.follow_up_of_id:
        _close_rectified(actor, inspection, answers)
    notify(
        recipients=managers, kind="inspection.submitted", obj=inspection,
        title=_("%(unit)s 的检查已提交,得分 %(score)s,请签收") % {
            "unit": inspection.unit.name, "score": inspection.score if inspection.score is not None else "—"},
        dedupe_key=f"inspection:{inspection.pk}:submitted",
    )
    return SubmitResult(inspection, [f.pk for f in findings])


def _lock_what_submit_changes(inspection: Inspection) -> None:
    """Lock, before the audit-chain head is taken, the other rows a submit changes: the planned visit
    it is made for and the original's open findings a follow-up may close. Every writer then takes
    subject rows before the head, so none waits for a row while holding the head (no deadlock)."""
    from dudao.findings.choices import FindingStatus
    from dudao.findings.models import Finding
    from dudao.planning.models import Visit

    if inspection.visit_id is not None:
        list(Visit.objects.select_for_update(of=("self",)).filter(pk=inspection.visit_id).values_list("pk"))
    if inspection.follow_up_of_id:
        list(Finding.objects.select_for_update(of=("self",)).filter(inspection_id=inspection.follow_up_of_id)
             .exclude(status=FindingStatus.CLOSED).order_by("pk").values_list("pk"))


def _close_rectified(actor, follow_up: Inspection, answers: dict[int, Answer]) -> None:
    """A follow-up's passing answer closes the original's open finding on that item. A finding the
    inspector may not verify (they also manage the unit) stays open for a supervisor to accept, so
    the submit itself never fails on it."""
    from dudao.findings.choices import FindingStatus
    from dudao.findings.models import Finding
    from dudao.findings.permissions import can_verify_finding
    from dudao.findings.services import finding_close_by_reinspection

    passed = {a.item_id: a for a in answers.values() if not a.failed and a.value != scoring.NA}
    open_findings = Finding.objects.filter(
        inspection_id=follow_up.follow_up_of_id, item_id__in=list(passed)
    ).exclude(status=FindingStatus.CLOSED)
    for finding in open_findings.select_related("unit"):
        if not can_verify_finding(actor, finding):
            continue
        finding_close_by_reinspection(
            actor=actor, finding=finding, inspection=follow_up, answer=passed[finding.item_id]
        )


# --- after submit ----------------------------------------------------------------------------
@transaction.atomic
def inspection_acknowledge(*, actor, inspection: Inspection, comment: str = "", now: dt.datetime | None = None
                           ) -> Inspection:
    """The unit's manager signs the submitted inspection, with an optional comment."""
    inspection = lock_inspection(inspection, "unit")
    if not actor_covers(actor, frozenset({Role.UNIT_MANAGER}), inspection.unit.path):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    INSPECTION.check(inspection, "acknowledge")
    if not can_acknowledge_inspection(actor, inspection):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if len(comment) > 2000:
        raise validation_error("comment", _("意见不能超过 2000 字"))
    INSPECTION.apply(inspection, "acknowledge", actor=actor, audit_fields=INSPECTION_AUDIT_FIELDS, changes={
        "acknowledged_by": actor, "acknowledged_at": now or timezone.now(),
        "acknowledgement_comment": comment.strip(),
    })
    notify(
        recipients=[inspection.inspector], kind="inspection.acknowledged", obj=inspection,
        title=_("%(unit)s 已签收检查") % {"unit": inspection.unit.name},
        body=inspection.acknowledgement_comment, dedupe_key=f"inspection:{inspection.pk}:acknowledged",
    )
    return inspection


@retrying_atomic
def answer_correct(*, actor, inspection: Inspection, item_code: str, value, note: str = "", reason: str) -> Answer:
    """Correct a submitted answer: the old answer stays as it was; the new one references it and the
    inspection is re-scored. A correction that newly fails an item creates its finding."""
    from dudao.findings.services import findings_create_for_inspection

    inspection = lock_inspection(inspection, "template", "unit")
    if inspection.inspector_id != actor.pk and not actor.has_role(Role.ADMIN, Role.OPS_MANAGER):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if INSPECTION.editable(inspection):
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("进行中的检查直接修改答案即可"))
    if not reason.strip():
        raise validation_error("reason", _("请说明更正原因"))
    items = scorable_items(inspection)
    item = next((i for i in items if i.code == item_code), None)
    if item is None:
        raise validation_error("item_code", _("未知的检查项:%(code)s") % {"code": item_code})
    try:
        value = scoring.normalise(item, value)
    except scoring.AnswerInvalid as exc:
        raise validation_error("value", str(exc)) from exc
    old = inspection.answers.get(item=item, is_current=True)
    Answer.objects.filter(pk=old.pk).update(is_current=False)
    new = Answer.objects.create(
        inspection=inspection, item=item, value=value, note=note or old.note, answered_by=actor,
        answered_at=timezone.now(), corrects=old, is_current=True,
    )
    new.attachments.set(old.attachments.all())
    answers = {a.item_id: a for a in inspection.answers.filter(is_current=True)}
    before = snapshot(inspection, INSPECTION_AUDIT_FIELDS)
    result = _score(inspection, items, answers, timezone.localdate(inspection.performed_at))
    _store_item_results(answers.values())
    inspection.earned_points, inspection.possible_points = result.earned, result.possible
    inspection.score, inspection.passed, inspection.critical_failed = result.score, result.passed, result.critical_failed
    inspection.save()
    new = answers[item.pk]
    if new.failed and not old.failed and not inspection.calibration:
        new.item = item
        findings_create_for_inspection(actor=actor, inspection=inspection, failed_answers=[new])
    record_event(actor=actor, action="inspection.correct", obj=inspection, before=before,
                 after={**snapshot(inspection, INSPECTION_AUDIT_FIELDS), "item_code": item.code,
                        "old_answer_id": old.pk, "new_answer_id": new.pk, "value": value, "reason": reason.strip()})
    return new


@transaction.atomic
def inspection_follow_up(*, actor, original: Inspection, mode: str = InspectionMode.ON_SITE,
                         client_id: str = "", performed_at: dt.datetime | None = None,
                         latitude: Decimal | None = None, longitude: Decimal | None = None,
                         location_accuracy_m: float | None = None, location_reason: str = "",
                         ) -> tuple[Inspection, bool]:
    """Re-inspect: a new inspection of the same unit and template version carrying only the items the
    original failed. On site it checks in like any inspection (`inspection_create`)."""
    if original.status not in COUNTING_STATUSES:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("只能复查已提交的检查"))
    if original.calibration:
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, _("校准复查不计入门店统计,无需整改复查"))
    if not original.answers.filter(is_current=True, failed=True).exists():
        raise validation_error("inspection_id", _("原检查没有不合格项,无需复查"))
    return inspection_create(
        actor=actor, unit=original.unit, template=original.template, mode=mode, client_id=client_id,
        performed_at=performed_at, follow_up_of=original, latitude=latitude, longitude=longitude,
        location_accuracy_m=location_accuracy_m, location_reason=location_reason,
        request={"follow_up_of": original.pk, "mode": mode, "performed_at": performed_at},
    )
