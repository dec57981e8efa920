"""Discipline API (DESIGN.md section 5): violations with their three-party confirmation, and a
person's year."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import ApplicationError, ErrorCode, validation_error
from dudao.findings.selectors import attachments_named
from dudao.org.models import Person, Unit

from . import selectors, services
from .models import Violation
from .schemas import AppealIn, AppealOut, DisciplineOut, ViolationIn, ViolationOut

violations_router = Router(tags=["discipline"])
people_discipline_router = Router(tags=["discipline"])


def _person(actor, pk: int, field: str) -> Person:
    person = Person.objects.filter(pk=pk, organization_id=actor.organization_id).first()
    if person is None:
        raise validation_error(field, _("人员不存在"))
    return person


@violations_router.post("", response={200: ViolationOut, 201: ViolationOut})
def violation_create(request, payload: ViolationIn):
    """Record a violation; the caller is its handler and has confirmed. 200 with the first record
    when the same `client_id` was seen before."""
    actor = actor_of(request)
    unit = get_for_actor(Unit, actor, payload.unit_id)
    violation, created = services.violation_create(
        actor=actor, person=_person(actor, payload.person_id, "person_id"), unit=unit, kind=payload.kind,
        occurred_at=payload.occurred_at, witness=_person(actor, payload.witness_id, "witness_id"),
        description=payload.description, card=payload.card, fine=payload.fine,
        attachments=attachments_named(actor, payload.attachment_ids), client_id=payload.client_id,
    )
    return Status(201 if created else 200, violation)


@violations_router.get("", response=list[ViolationOut])
@paginate(Pagination)
def violation_list(request, unit_id: int | None = None, person_id: int | None = None, status: str | None = None,
                   year: int | None = None):
    return selectors.violations(actor_of(request), unit_id=unit_id, person_id=person_id, status=status,
                                year=year).prefetch_related("attachments")


@violations_router.get("/{violation_id}", response=ViolationOut)
def violation_detail(request, violation_id: int):
    return get_for_actor(Violation.objects.select_related("person"), actor_of(request), violation_id)


@violations_router.post("/{violation_id}/confirm", response=ViolationOut)
def violation_confirm(request, violation_id: int):
    """The party or the witness signs; `effective` once all three have."""
    actor = actor_of(request)
    violation = get_for_actor(Violation, actor, violation_id)
    services.violation_confirm(actor=actor, violation=violation)
    return get_for_actor(Violation.objects.select_related("person"), actor, violation_id)


@violations_router.post("/{violation_id}/appeal", response=AppealOut)
def violation_appeal(request, violation_id: int, payload: AppealIn):
    """The party appeals within the policy window; upheld, the violation counts for nothing."""
    actor = actor_of(request)
    violation = get_for_actor(Violation, actor, violation_id)
    approval = services.violation_appeal(actor=actor, violation=violation, reason=payload.reason)
    return {"id": violation.pk, "status": "appealing", "approval_id": approval.pk}


@people_discipline_router.get("/{person_id}/discipline", response=DisciplineOut)
def person_discipline(request, person_id: int, year: int | None = None):
    """A person's year: counts, absences counted from lates, fines, cards, and the year-end forfeit."""
    actor = actor_of(request)
    person = selectors.person_readable(actor, person_id)
    if person is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise validation_error("year", _("年份无效"))
    return {"person_id": person.pk, **selectors.summary(person, year)}
