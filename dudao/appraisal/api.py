"""Appraisal data API (DESIGN.md section 5): KPI values with their cross-check, and targets."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.errors import validation_error
from dudao.org.models import Person, Unit

from . import selectors, services
from .schemas import KpiValueListOut, TargetIn, TargetOut

kpi_values_router = Router(tags=["appraisal"])
targets_router = Router(tags=["appraisal"])


@kpi_values_router.get("", response=KpiValueListOut)
def kpi_value_list(request, page: Query[Pagination.Input], period: str | None = None, kpi_code: str | None = None,
                   username: str | None = None, unit_id: int | None = None):
    """Figures the caller may see; each says whether a second source confirms it (`verified`) or
    how far one differs beyond the policy tolerance (`discrepancy`, a ratio)."""
    queryset = selectors.kpi_values(actor_of(request), period=period, kpi_code=kpi_code, username=username,
                                    unit_id=unit_id)
    items = list(queryset[page.offset:page.offset + page.limit])
    selectors.cross_check(items)
    return {"items": items, "count": queryset.count()}


@targets_router.get("", response=list[TargetOut])
@paginate(Pagination)
def target_list(request, period: str | None = None, kpi_code: str | None = None, username: str | None = None,
                unit_id: int | None = None, status: str | None = None):
    return selectors.targets(actor_of(request), period=period, kpi_code=kpi_code, username=username,
                             unit_id=unit_id, status=status)


@targets_router.post("", response={201: TargetOut})
def target_create(request, payload: TargetIn):
    """Set a target; after the period started it is a pending revision (`status`, `approval_id`)."""
    actor = actor_of(request)
    person = unit = None
    if payload.username and payload.unit_id is not None:
        raise validation_error("unit_id", _("用户名和机构只能填一个"))
    if payload.username:
        person = Person.objects.filter(organization_id=actor.organization_id,
                                       username__iexact=payload.username.strip()).first()
        if person is None:
            raise validation_error("username", _("用户名“%(value)s”不存在") % {"value": payload.username})
    elif payload.unit_id is not None:
        unit = get_for_actor(Unit, actor, payload.unit_id)
    target = services.target_set(actor=actor, person=person, unit=unit, kpi_code=payload.kpi_code,
                                 period=payload.period, value=payload.value, reason=payload.reason)
    return Status(201, target)
