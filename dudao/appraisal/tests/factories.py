"""Appraisal data made through the real services."""

from __future__ import annotations

from decimal import Decimal

from dudao.appraisal import services
from dudao.appraisal.models import KpiValue


def kpi_value(world, *, unit_key="store1", person=None, actor="admin", kpi_code="satisfaction", period="2026-01",
              value="88", source="POS") -> KpiValue:
    actor = world.person(actor)
    unit = world.unit(unit_key) if person is None else None
    services.kpi_values_import(actor=actor, rows=[{
        "person": person, "unit": unit, "scope_unit": unit if unit is not None else None, "kpi_code": kpi_code,
        "period": period, "value": Decimal(value), "source": source, "existing": None}])
    return KpiValue.objects.filter(organization_id=actor.organization_id, kpi_code=kpi_code, period=period,
                                   source=source).latest("id")


def target(world, *, unit_key="store1", actor="admin", kpi_code="satisfaction", period="2099-01", value="90"):
    return services.target_set(actor=world.person(actor), unit=world.unit(unit_key), kpi_code=kpi_code,
                               period=period, value=value)
