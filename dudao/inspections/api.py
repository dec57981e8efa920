"""Inspections API (DESIGN.md section 5): create (idempotent by client_id), answer, submit, sign."""

import datetime as dt

from django.apps import apps
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.checklists.models import Template
from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import validation_error
from dudao.org.models import Unit

from . import registry, selectors, services
from .models import Inspection
from .schemas import (
    AcknowledgeIn,
    AnswerIn,
    AnswerOut,
    AnswerRow,
    CorrectionIn,
    FollowUpIn,
    InspectionDetailOut,
    InspectionIn,
    InspectionOut,
    InspectionPatch,
    SubmitOut,
)

router = Router(tags=["inspections"])


def _detail(pk: int) -> Inspection:
    return selectors.with_detail(Inspection.objects.filter(pk=pk)).get()


@router.get("", response=list[InspectionOut])
@paginate(Pagination)
def inspection_list(
    request, unit_id: int | None = None, template_id: int | None = None, inspector_id: int | None = None,
    status: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
    score_min: float | None = None, score_max: float | None = None, region_id: int | None = None,
):
    return selectors.inspection_list(
        actor_of(request), unit_id=unit_id, template_id=template_id, inspector_id=inspector_id, status=status,
        date_from=date_from, date_to=date_to, score_min=score_min, score_max=score_max, region_id=region_id,
    )


@router.post("", response={200: InspectionOut, 201: InspectionOut})
def inspection_create(request, payload: InspectionIn):
    """201 with a new inspection, or 200 with the same one when `client_id` was seen before."""
    actor = actor_of(request)
    visit = None
    if payload.visit_id is not None:
        Visit = apps.get_model("planning", "Visit")
        visit = get_for_actor(Visit, actor, payload.visit_id)
    unit_id = payload.unit_id or (visit.unit_id if visit else None)
    template_id = payload.template_id or (visit.template_id if visit else None)
    if unit_id is None:
        raise validation_error("unit_id", "unit_id is required")
    if template_id is None:
        raise validation_error("template_id", "template_id is required")
    if visit is not None and visit.unit_id == unit_id and registry.may_inspect(actor, visit):
        unit = visit.unit  # a visit granted outside the actor's scope (registry)
    else:
        unit = get_for_actor(Unit, actor, unit_id)
    template = get_for_actor(Template, actor, template_id)
    request_print = payload.dict(exclude={"client_id"})
    inspection, created = services.inspection_create(
        actor=actor, unit=unit, template=template, mode=payload.mode, visit=visit,
        client_id=payload.client_id or "", performed_at=payload.performed_at, latitude=payload.latitude,
        longitude=payload.longitude, location_accuracy_m=payload.location_accuracy_m,
        location_reason=payload.location_reason, opening_notes=payload.opening_notes, request=request_print,
    )
    return Status(201 if created else 200, inspection)


@router.get("/{inspection_id}", response=InspectionDetailOut)
def inspection_get(request, inspection_id: int):
    inspection = get_for_actor(Inspection, actor_of(request), inspection_id)
    return _detail(inspection.pk)


@router.patch("/{inspection_id}", response=InspectionOut)
def inspection_update(request, inspection_id: int, payload: InspectionPatch):
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    return services.inspection_update(actor=actor, inspection=inspection, **payload.dict(exclude_unset=True))


@router.put("/{inspection_id}/answers", response=list[AnswerRow])
def answers_put(request, inspection_id: int, payload: list[AnswerIn]):
    """Upsert answers by item code: `[{item_code, value, note, attachment_ids}]`."""
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    saved = services.answers_upsert(actor=actor, inspection=inspection, answers=[a.dict() for a in payload])
    return saved


@router.post("/{inspection_id}/submit", response=SubmitOut)
def inspection_submit(request, inspection_id: int):
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    result = services.inspection_submit(actor=actor, inspection=inspection)
    done = result.inspection
    return {"id": done.pk, "status": done.status, "score": done.score, "passed": done.passed,
            "critical_failed": done.critical_failed, "finding_ids": result.finding_ids}


@router.post("/{inspection_id}/acknowledge", response=InspectionOut)
def inspection_acknowledge(request, inspection_id: int, payload: AcknowledgeIn):
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, inspection_id, action="acknowledge")
    return services.inspection_acknowledge(actor=actor, inspection=inspection, comment=payload.comment)


@router.post("/{inspection_id}/corrections", response={200: AnswerOut, 201: AnswerOut})
def answer_correct(request, inspection_id: int, payload: CorrectionIn):
    """Correct an answer of a submitted inspection with a `reason`: 201 with the new answer version
    (the inspection is re-scored). Optional `client_id` (the phone's own id, up to 64 characters):
    a retry with the same id answers 200 with the answer the first call made, and corrects, scores
    and audits nothing again; the same id with another correction is a 409 naming `client_id`."""
    actor = actor_of(request)
    inspection = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    answer, created = services.answer_correct(
        actor=actor, inspection=inspection, item_code=payload.item_code, value=payload.value, note=payload.note,
        reason=payload.reason, client_id=payload.client_id)
    return Status(201 if created else 200, answer)


@router.post("/{inspection_id}/follow-up", response={200: InspectionOut, 201: InspectionOut})
def inspection_follow_up(request, inspection_id: int, payload: FollowUpIn):
    actor = actor_of(request)
    original = get_for_actor(Inspection, actor, inspection_id, action="inspect")
    inspection, created = services.inspection_follow_up(
        actor=actor, original=original, mode=payload.mode, client_id=payload.client_id or "",
        performed_at=payload.performed_at, latitude=payload.latitude, longitude=payload.longitude,
        location_accuracy_m=payload.location_accuracy_m, location_reason=payload.location_reason,
    )
    return Status(201 if created else 200, inspection)
