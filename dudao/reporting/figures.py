"""The figures reports and bulletins share: which inspections count, averages, rates, ranks.

One rule throughout: an inspection counts once it is submitted (or acknowledged), on the local
date it was performed; averages and rates are rounded half up to one decimal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from dudao.inspections.choices import InspectionStatus
from dudao.inspections.models import Inspection
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Unit

DONE_STATUSES = (InspectionStatus.SUBMITTED, InspectionStatus.ACKNOWLEDGED)
ONE_DECIMAL = Decimal("0.1")


def done_inspections(organization_id: int, scope_unit: Unit, begin, finish):
    """Submitted inspections of units in the scope's subtree performed in [begin, finish)."""
    return Inspection.objects.filter(
        organization_id=organization_id, unit__path__startswith=scope_unit.path, status__in=DONE_STATUSES,
        performed_at__gte=begin, performed_at__lt=finish,
    )


def site_units(organization_id: int, scope_unit: Unit):
    """The active sites (stores, branches, plants) in the scope's subtree."""
    return Unit.objects.filter(
        organization_id=organization_id, path__startswith=scope_unit.path, kind__in=LEAF_KINDS, is_active=True
    )


def one_decimal(value) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def average(total, count: int) -> float | None:
    """`total / count` to one decimal, None when there is nothing to average."""
    if not count or total is None:
        return None
    return one_decimal(Decimal(str(total)) / Decimal(count))


def percent(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole` to one decimal, None when `whole` is zero."""
    if not whole:
        return None
    return one_decimal(Decimal(part) * 100 / Decimal(whole))


def competition_ranks(scores: list[float]) -> list[int]:
    """Ranks for scores sorted best first: equal scores share a rank and the next rank skips (1, 1, 3)."""
    ranks: list[int] = []
    for index, score in enumerate(scores):
        if index and score == scores[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(index + 1)
    return ranks
