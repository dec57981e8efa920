"""Reading the discipline ledger: a person's year (the accumulation rules of the policy), the
unit ledger, and the year-end forfeit the appraisal's bonus asks about.

Counting, one line each (policy `discipline.accumulation`, null switches a rule off):
- a violation counts once all three have confirmed it, and for nothing once overturned on appeal;
- per month, lates and early leaves are the larger of those recorded here and those imported with
  the month's attendance (the attendance system's own count already includes the recorded ones),
  and so are absences;
- every `late_or_early_per_absence` lates or early leaves in one month count as one absence;
- `absences_per_year_forfeiting_bonus` absences (direct and counted from lates) or
  `penalties_per_year_forfeiting_bonus` violations in the year forfeit the year-end bonus.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.appraisal.models import Attendance
from dudao.org.models import Person, RoleAssignment, Unit
from dudao.policies.registry import policy_for

from .choices import COUNTING_STATUSES, ViolationKind
from .models import Violation
from .permissions import can_read_discipline_of

CARD_COLOURS = ("blue", "yellow", "red")


def violations(actor, *, unit_id: int | None = None, person_id: int | None = None, status: str | None = None,
               year: int | None = None):
    queryset = Violation.objects.visible_to(actor).select_related("person", "witness", "handler", "unit")
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, organization_id=actor.organization_id).first()
        queryset = queryset.filter(unit__path__startswith=unit.path) if unit else queryset.none()
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    if status:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(occurred_at__year=year)
    return queryset.order_by("-occurred_at", "-id")


def person_readable(actor, person_id: int):
    """The person whose record `actor` asks for, when they may read it (themself, or a ledger reader
    over a unit the person holds a role on); None otherwise, whatever the reason."""
    person = Person.objects.filter(pk=person_id, organization_id=actor.organization_id).first()
    if person is None:
        return None
    units = [a.unit for a in RoleAssignment.objects.filter(person_id=person_id).select_related("unit")]
    return person if can_read_discipline_of(actor, person, units) else None


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def summaries(organization_id: int, person_ids: list[int], year: int) -> dict[int, dict]:
    """`summary` for many people in a fixed number of queries."""
    policy = policy_for(organization_id, on=dt.date(year, 12, 31))
    rules = policy.discipline.accumulation
    start, end = _year_bounds(year)
    recorded: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    totals: dict[int, dict] = {pid: {"penalties": 0, "fines_total": Decimal(0), "cards": dict.fromkeys(CARD_COLOURS, 0),
                                     "day_pay": 0} for pid in person_ids}
    rows = Violation.objects.filter(organization_id=organization_id, person_id__in=person_ids,
                                    status__in=COUNTING_STATUSES, occurred_at__gte=start, occurred_at__lt=end)
    for person_id, kind, occurred_at, card, fine, day_pay in rows.values_list(
            "person_id", "kind", "occurred_at", "card", "fine", "deducts_day_pay"):
        month = timezone.localtime(occurred_at).month
        recorded[person_id][month][kind] += 1
        total = totals[person_id]
        total["penalties"] += 1
        total["fines_total"] += fine
        total["day_pay"] += 1 if day_pay else 0
        if card in total["cards"]:
            total["cards"][card] += 1
    imported: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    for record in Attendance.objects.filter(organization_id=organization_id, person_id__in=person_ids,
                                            month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 31)):
        imported[record.person_id][record.month.month] = {
            ViolationKind.LATE: record.late, ViolationKind.EARLY_LEAVE: record.early_leave,
            ViolationKind.ABSENCE: record.absence}
    result = {}
    for person_id in person_ids:
        late = early = absence = from_lates = 0
        months = []
        for month in range(1, 13):
            mine, theirs = recorded[person_id].get(month, {}), imported[person_id].get(month, {})
            m_late = max(mine.get(ViolationKind.LATE, 0), theirs.get(ViolationKind.LATE, 0))
            m_early = max(mine.get(ViolationKind.EARLY_LEAVE, 0), theirs.get(ViolationKind.EARLY_LEAVE, 0))
            m_absence = max(mine.get(ViolationKind.ABSENCE, 0), theirs.get(ViolationKind.ABSENCE, 0))
            m_from = (m_late + m_early) // rules.late_or_early_per_absence if rules.late_or_early_per_absence else 0
            late, early, absence, from_lates = late + m_late, early + m_early, absence + m_absence, from_lates + m_from
            if m_late or m_early or m_absence:
                months.append({"month": f"{year}-{month:02d}", "late": m_late, "early_leave": m_early,
                               "absence": m_absence, "absence_from_lates": m_from})
        total = totals[person_id]
        absences = absence + from_lates
        reasons = []
        if rules.absences_per_year_forfeiting_bonus and absences >= rules.absences_per_year_forfeiting_bonus:
            reasons.append(_("%(year)s 年旷工 %(n)s 次（含迟到早退折算 %(from)s 次），达到 %(limit)s 次，取消年终奖") % {
                "year": year, "n": absences, "from": from_lates, "limit": rules.absences_per_year_forfeiting_bonus})
        if rules.penalties_per_year_forfeiting_bonus and total["penalties"] >= rules.penalties_per_year_forfeiting_bonus:
            reasons.append(_("%(year)s 年受处罚 %(n)s 次，达到 %(limit)s 次，取消年终奖") % {
                "year": year, "n": total["penalties"], "limit": rules.penalties_per_year_forfeiting_bonus})
        result[person_id] = {
            "year": year, "late": late, "early_leave": early, "absence": absence, "absence_from_lates": from_lates,
            "penalties": total["penalties"], "fines_total": total["fines_total"].quantize(Decimal("0.01")),
            "day_pay_deductions": total["day_pay"], "cards": total["cards"],
            "year_end_bonus_forfeited": bool(reasons), "reasons": reasons, "months": months,
            "absences_total": absences,
        }
    return result


def summary(person, year: int) -> dict:
    """A person's discipline in a year (`GET /api/v1/people/{id}/discipline?year=`)."""
    return summaries(person.organization_id, [person.pk], year)[person.pk]


def year_end_forfeits(organization_id: int, period: str, window, person_ids: list[int]) -> dict[int, list[dict]]:
    """The appraisal's forfeit hook: a year's appraisal forfeits the bonus of whoever the year's
    discipline says (DESIGN.md 2.11/2.12); shorter periods are not judged here."""
    if len(period) != 4 or not person_ids:
        return {}
    found = summaries(organization_id, person_ids, int(period))
    return {pid: [{"code": "discipline", "year": int(period), "absences": s["absences_total"],
                   "from_lates": s["absence_from_lates"], "penalties": s["penalties"]}]
            for pid, s in found.items() if s["year_end_bonus_forfeited"]}
