"""Incidents, complaints and inquiries API (DESIGN.md section 5)."""

from __future__ import annotations

from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.org.models import Unit

from . import services
from .models import Incident
from .schemas import FindingIn, IncidentIn, IncidentOut, RespondIn

router = Router(tags=["incidents"])


@router.post("", response={200: IncidentOut, 201: IncidentOut})
def incident_report(request, payload: IncidentIn):
    """Report; `due_at` from the policy and `late` (a major incident reported after its hours)."""
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.unit_id)
    incident, created = services.incident_report(
        actor=actor, unit=unit, kind=payload.kind, severity=payload.severity, occurred_at=payload.occurred_at,
        description=payload.description, quality=payload.quality, client_id=payload.client_id)
    return Status(201 if created else 200, incident)


@router.get("", response=list[IncidentOut])
@paginate(Pagination)
def incident_list(request, unit_id: int | None = None, kind: str | None = None, status: str | None = None):
    queryset = Incident.objects.visible_to(actor_of(request))
    if unit_id is not None:
        queryset = queryset.filter(unit_id=unit_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-reported_at", "-id")


@router.get("/{incident_id}", response=IncidentOut)
def incident_detail(request, incident_id: int):
    return get_for_actor(Incident, actor_of(request), incident_id)


@router.post("/{incident_id}/respond", response=IncidentOut)
def incident_respond(request, incident_id: int, payload: RespondIn):
    actor = actor_of(request)
    incident = get_for_actor(Incident.objects.select_related("unit"), actor, incident_id)
    services.incident_respond(actor=actor, incident=incident, note=payload.note)
    return get_for_actor(Incident, actor, incident_id)


@router.post("/{incident_id}/finding", response={201: IncidentOut})
def incident_finding(request, incident_id: int, payload: FindingIn):
    """A complaint becomes a finding on its unit."""
    actor = actor_of(request)
    incident = get_for_actor(Incident.objects.select_related("unit"), actor, incident_id)
    services.incident_to_finding(actor=actor, incident=incident, category=payload.category,
                                 severity=payload.severity)
    return Status(201, get_for_actor(Incident, actor, incident_id))
