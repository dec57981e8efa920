"""Composed reads of appraisal data: the unit a person's figures belong to, the KPI codes the
policy knows, and the KPI-value list with its cross-check against the other sources."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.choices import ORG_WIDE_ROLES
from dudao.org.models import RoleAssignment, Unit
from dudao.policies.registry import policy_for

from .models import Appraisal, AppraisalCycle, KpiDataCheck, KpiValue, Target


def person_units(person_ids) -> dict[int, Unit]:
    """The unit each person's figures belong to: the unit of their first role below the
    organisation-wide ones (else of their first role); one query whatever the number of people."""
    units: dict[int, Unit] = {}
    ids = list(person_ids)
    if not ids:
        return units
    assignments = (RoleAssignment.objects.filter(person_id__in=ids).select_related("unit")
                   .order_by("person_id", "id"))
    wide: dict[int, Unit] = {}
    for assignment in assignments:
        if assignment.role in ORG_WIDE_ROLES:
            wide.setdefault(assignment.person_id, assignment.unit)
        else:
            units.setdefault(assignment.person_id, assignment.unit)
    return {**wide, **units}


def kpi_codes(organization_id: int, on=None) -> dict[str, str]:
    """KPI code -> name over every appraisal scheme of the organisation's policy."""
    policy = policy_for(organization_id, on=on or timezone.localdate())
    return {kpi.code: kpi.name for scheme in policy.appraisal.schemes for kpi in scheme.kpis}


def kpi_catalog(organization_id: int, on=None) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> name, name -> code) over every scheme, from one read of the policy (one code may
    carry a different name in each scheme)."""
    policy = policy_for(organization_id, on=on or timezone.localdate())
    kpis = [kpi for scheme in policy.appraisal.schemes for kpi in scheme.kpis]
    return {kpi.code: kpi.name for kpi in kpis}, {kpi.name: kpi.code for kpi in kpis}


def tolerance(organization_id: int, on=None) -> Decimal:
    return Decimal(str(policy_for(organization_id, on=on or timezone.localdate()).data_import.tolerance))


def relative_difference(a: Decimal, b: Decimal) -> Decimal:
    """|a - b| over the larger magnitude; two zeros agree (0)."""
    largest = max(abs(a), abs(b))
    return Decimal(0) if largest == 0 else abs(a - b) / largest


def subject_key(obj) -> str:
    return f"p{obj.person_id}" if obj.person_id else f"u{obj.unit_id}"


def group_key(obj) -> tuple[str, str, str]:
    return subject_key(obj), obj.kpi_code, obj.period


def data_check_key(group: tuple[str, str, str], source_a: str, source_b: str) -> str:
    first, second = sorted((source_a, source_b))
    return f"{group[0]}:{group[1]}:{group[2]}:{first}|{second}"[:200]


def _filtered(queryset, actor, *, period: str | None, kpi_code: str | None, username: str | None,
              unit_id: int | None, subject: str | None = None):
    if period:
        queryset = queryset.filter(period=period.strip().upper())
    if kpi_code:
        queryset = queryset.filter(kpi_code=kpi_code.strip())
    if username:
        queryset = queryset.filter(person__username__iexact=username.strip())
    if subject:
        # The pages' one box: a username or name, a unit code or name.
        subject = subject.strip()
        queryset = queryset.filter(Q(person__username__iexact=subject) | Q(person__display_name=subject)
                                   | Q(unit__code=subject) | Q(unit__name=subject))
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, organization_id=actor.organization_id).only("path").first()
        if unit is None:
            raise ApplicationError(ErrorCode.NOT_FOUND, "Not found")
        queryset = queryset.filter(Q(unit_id=unit.pk) | Q(person__isnull=False, scope_unit__path__startswith=unit.path))
    return queryset


def kpi_values(actor, *, period=None, kpi_code=None, username=None, unit_id=None, subject=None):
    """The figures the actor may see, newest period first, filtered."""
    queryset = KpiValue.objects.visible_to(actor).select_related("person", "unit")
    queryset = _filtered(queryset, actor, period=period, kpi_code=kpi_code, username=username, unit_id=unit_id,
                         subject=subject)
    return queryset.order_by("-period", "kpi_code", "scope_unit_id", "person_id", "unit_id", "source", "id")


def targets(actor, *, period=None, kpi_code=None, username=None, unit_id=None, status=None, subject=None):
    queryset = Target.objects.visible_to(actor).select_related("person", "unit")
    queryset = _filtered(queryset, actor, period=period, kpi_code=kpi_code, username=username, unit_id=unit_id,
                         subject=subject)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-period", "kpi_code", "person_id", "unit_id", "-id")


def cross_check(values: list[KpiValue]) -> None:
    """Set on each value `verified` (another source agrees within the tolerance), `discrepancy`
    (the largest relative difference to another source when beyond it, else None), `others`
    ("source: value" of the other sources) and `data_check` (the finding opened for it): three
    queries whatever the number of values."""
    for value in values:
        value.verified, value.discrepancy, value.others, value.finding_id = False, None, [], None
    if not values:
        return
    organization_id = values[0].organization_id
    limit = tolerance(organization_id)
    others = KpiValue.objects.filter(
        organization_id=organization_id, period__in={v.period for v in values},
        kpi_code__in={v.kpi_code for v in values},
    ).filter(Q(person_id__in={v.person_id for v in values if v.person_id})
             | Q(unit_id__in={v.unit_id for v in values if v.unit_id})).only(
        "person_id", "unit_id", "kpi_code", "period", "source", "value")
    by_group: dict[tuple, list[KpiValue]] = {}
    for other in others:
        by_group.setdefault(group_key(other), []).append(other)
    keys: dict[str, list[KpiValue]] = {}
    for value in values:
        group = group_key(value)
        for other in by_group.get(group, []):
            if other.source == value.source:
                continue
            value.others.append(f"{other.source}: {other.value.normalize():f}")
            difference = relative_difference(value.value, other.value)
            if difference <= limit:
                value.verified = True
            elif value.discrepancy is None or difference > value.discrepancy:
                value.discrepancy = difference.quantize(Decimal("0.0001"))
                keys.setdefault(data_check_key(group, value.source, other.source), []).append(value)
    if keys:
        for check in KpiDataCheck.objects.filter(organization_id=organization_id, key__in=list(keys)):
            for value in keys[check.key]:
                value.finding_id = value.finding_id or check.finding_id


# --- appraisal cycles ------------------------------------------------------------------------------
def cycles(actor, *, period: str | None = None, role: str | None = None, status: str | None = None):
    queryset = AppraisalCycle.objects.visible_to(actor).select_related("scope_unit").order_by("-period", "-id")
    if period:
        queryset = queryset.filter(period=period.strip().upper())
    if role:
        queryset = queryset.filter(role=role)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def appraisals(actor, *, cycle_id: int | None = None, person_id: int | None = None):
    """Appraisals the actor may see (their scope, and their own), best first within a cycle."""
    queryset = (Appraisal.objects.visible_to(actor).select_related("person", "cycle", "scope_unit")
                .order_by("-cycle__period", "cycle_id", F("rank").asc(nulls_last=True), "person__username"))
    if cycle_id is not None:
        queryset = queryset.filter(cycle_id=cycle_id)
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    return queryset


def appraisal_out(appraisal) -> dict:
    """The API shape of an appraisal, every figure with its explanation in the reader's language."""
    from .explain import bonus_reason, kpi_explanation

    return {
        "id": appraisal.pk, "cycle_id": appraisal.cycle_id, "person_id": appraisal.person_id,
        "username": appraisal.person.username, "display_name": appraisal.person.display_name,
        "period": appraisal.cycle.period, "role": appraisal.cycle.role, "status": appraisal.status,
        "kpi_score": appraisal.kpi_score, "adjustment": appraisal.adjustment, "score": appraisal.score,
        "rank": appraisal.rank,
        "kpis": [{**line, "explanation": kpi_explanation(line)} for line in appraisal.kpis],
        "bonus": {
            "base": appraisal.bonus_base, "factor": appraisal.bonus_factor,
            "prorated": appraisal.bonus_proration is not None and appraisal.bonus_proration != 1,
            "proration": appraisal.bonus_proration, "forfeited": appraisal.bonus_forfeited,
            "reasons": [bonus_reason(r) for r in appraisal.bonus_reasons], "amount": appraisal.bonus_amount,
        },
    }
