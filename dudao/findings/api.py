"""API for findings and their rectification (DESIGN.md section 5).

`GET|POST /findings` (filters `unit_id` (its subtree), `status`, `severity`, `overdue`, and also
`repeat`, `source`, `view`), `GET /findings/{id}`, and one POST per step: `/plan`, `/progress`,
`/submit`, `/accept`, `/reject`, `/extensions`, `/extensions/{id}/decide`. Whoever may not take a
step gets 404, as for a finding out of scope. An extension request is an approval request of kind
`rectification_extension` (`approval_id`); `/extensions/{id}/decide` takes the same decision as
`POST /approvals/{approval_id}/decide`.
"""

from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.org.models import Unit

from . import selectors, services
from .models import Finding
from .schemas import (
    AcceptIn,
    ExtensionDecideIn,
    ExtensionIn,
    ExtensionOut,
    FindingDetailOut,
    FindingIn,
    FindingQuery,
    FindingRow,
    NoteIn,
    PlanIn,
    RejectIn,
)

router = Router(tags=["findings"])

API_ROW_FIELDS = [name for name in FindingRow.model_fields if name not in {"unit_name", "overdue"}] + ["unit"]


def _detail(actor, finding_id: int) -> Finding:
    return get_for_actor(selectors.finding_detail_queryset(), actor, finding_id)


@router.get("", response=list[FindingRow])
@paginate(Pagination)
def finding_list(request, query: Query[FindingQuery]):
    """Findings the caller sees, newest first (up to 1,000 a page). `unit_id` covers the unit's
    subtree; `overdue` is past due and not closed; `view` is a saved view (mine, overdue, awaiting)."""
    filters = selectors.FindingFilters(
        unit_id=query.unit_id, status=query.status or "", severity=query.severity or "",
        source=query.source or "", overdue=query.overdue, repeat=query.repeat, view=query.view or "",
    )
    # Only what a row shows: the unit's name, not the people's whole rows.
    return (selectors.finding_list(actor_of(request), filters, today=timezone.localdate())
            .select_related(None).select_related("unit").only(*API_ROW_FIELDS, "unit__name"))


@router.post("", response={200: FindingDetailOut, 201: FindingDetailOut})
def finding_create(request, payload: FindingIn):
    """Record a finding by hand: `source` data_check, complaint or self_report. 201 with the new
    finding, or 200 with the finding made the first time when the same person sent `client_id` before."""
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.unit_id)
    finding, created = services.finding_create_once(
        actor=actor, unit=unit, source=payload.source, title=payload.title, description=payload.description,
        category=payload.category, severity=payload.severity,
        responsible_person=selectors.person_named(actor, payload.responsible_person_id, "responsible_person_id"),
        item_code=payload.item_code, attachments=selectors.attachments_named(actor, payload.attachment_ids),
        client_id=payload.client_id,
    )
    # A new finding is answered as the service made it (nothing read back); a retry's as stored.
    return Status(201, finding) if created else Status(200, _detail(actor, finding.pk))


@router.get("/{finding_id}", response=FindingDetailOut)
def finding_get(request, finding_id: int):
    """One finding with its evidence, timeline and extension requests."""
    return _detail(actor_of(request), finding_id)


@router.post("/{finding_id}/plan", response=FindingDetailOut)
def finding_plan(request, finding_id: int, payload: PlanIn):
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="rectify")
    services.finding_plan(
        actor=actor, finding=finding, measures=payload.measures,
        owner=selectors.person_named(actor, payload.owner_id, "owner_id"), due_date=payload.due_date,
    )
    return _detail(actor, finding_id)


@router.post("/{finding_id}/progress", response=FindingDetailOut)
def finding_progress(request, finding_id: int, payload: NoteIn):
    """A progress note with photos (`attachment_ids`, uploaded first) while the rectification is under
    way; answers the finding. Optional `client_id` (the phone's own id, up to 64 characters): a
    retry with the same id answers the finding again with the one progress event the first call
    made; the same id with another note or other photos is a 409 naming `client_id`."""
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="rectify")
    services.finding_progress(actor=actor, finding=finding, note=payload.note, client_id=payload.client_id,
                              attachments=selectors.attachments_named(actor, payload.attachment_ids))
    return _detail(actor, finding_id)


@router.post("/{finding_id}/submit", response=FindingDetailOut)
def finding_submit(request, finding_id: int, payload: NoteIn):
    """Hand the rectification over for acceptance, with a note and evidence; answers the finding.
    Optional `client_id`: a doubled submit with the same id answers the finding as it stands (not a
    "wrong status" error) and submits nothing again; the same id with other content is a 409."""
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="rectify")
    services.finding_submit(actor=actor, finding=finding, note=payload.note, client_id=payload.client_id,
                            attachments=selectors.attachments_named(actor, payload.attachment_ids))
    return _detail(actor, finding_id)


@router.post("/{finding_id}/accept", response=FindingDetailOut)
def finding_accept(request, finding_id: int, payload: AcceptIn):
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="verify")
    services.finding_accept(actor=actor, finding=finding, note=payload.note)
    return _detail(actor, finding_id)


@router.post("/{finding_id}/reject", response=FindingDetailOut)
def finding_reject(request, finding_id: int, payload: RejectIn):
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="verify")
    services.finding_reject(actor=actor, finding=finding, reason=payload.reason)
    return _detail(actor, finding_id)


@router.post("/{finding_id}/extensions", response={200: ExtensionOut, 201: ExtensionOut})
def finding_extension_request(request, finding_id: int, payload: ExtensionIn):
    """Ask for a later due date (the unit side): an approval request of kind `rectification_extension`
    (its id is `approval_id`), decided in the approvals inbox by whom the policy routes it to.
    201 with the new request; with an optional `client_id` sent before by the same person, 200 with
    the request made the first time (as it stands now); the same id with another date or reason is
    a 409 naming `client_id`."""
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id, action="rectify")
    extension, created = services.finding_extension_request_once(
        actor=actor, finding=finding, due_date=payload.due_date, reason=payload.reason, client_id=payload.client_id)
    return Status(201 if created else 200, extension)


@router.post("/{finding_id}/extensions/{extension_id}/decide", response=ExtensionOut)
def finding_extension_decide(request, finding_id: int, extension_id: int, payload: ExtensionDecideIn):
    """Approve (the due date moves) or refuse a pending extension request: the same decision as
    `POST /api/v1/approvals/{approval_id}/decide`, taken by the approval engine."""
    actor = actor_of(request)
    finding = get_for_actor(Finding, actor, finding_id)
    extension = selectors.extension_of(finding, extension_id)
    return services.finding_extension_decide(actor=actor, finding=finding, extension=extension,
                                             decision=payload.decision, comment=payload.comment)
