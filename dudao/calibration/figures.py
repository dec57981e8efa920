"""Calibration figures: one definition each, read by the page, the API and the report.

The records: the **completed pairs** of a scope and period are the calibration pairs whose status is
completed, whose unit lies in the scope, and whose first inspection was performed (local time) in
the period. Each pair compares two submitted inspections of the same unit with the same standard.

- **Score** of an inspection is the score the product stored when it was submitted
  (`dudao.inspections.scoring`), never recomputed here. A pair's **difference** is
  first score − second score; a pair where either score is missing has no difference.
- **Item agreement**: over the completed pairs, for each scorable item (check, score, number,
  choice) answered in both inspections, the share of pairs in which both inspectors gave the same
  answer. "Same" is the same stored answer (pass/fail/na, the points given, the option chosen),
  except for number items, where two readings of a measure rarely coincide, and "same" is the same
  verdict (both failed or both not). Percent, one decimal half up; an item never answered by both
  is not listed; no data is None, never 0. Items are listed worst first (lowest agreement, then the
  most pairs, then the code).
- **Overall agreement**: agreeing item answers / item answers compared, over all items and pairs.
- **Cohen's kappa** for pass/fail items (kind check; "na" answers left out): over the observations
  (pair × item) where both inspectors answered pass or fail, po = share agreeing,
  pe = p1(pass)·p2(pass) + p1(fail)·p2(fail) with p1, p2 each inspector's share of "pass" among
  the observations, kappa = (po − pe) / (1 − pe), three decimals half up, with its count of
  observations. No observation, or pe = 1 (both inspectors gave one and the same answer
  throughout, where kappa is undefined), gives None. Given per item and pooled over all check items.
- **Drift** of a supervisor: over the completed pairs in which they made the first inspection and
  both scores are known (n), the mean of the differences (first − second): positive means they
  score more generously than the second inspectors. One decimal half up.
- **95% confidence interval** of the drift: Student's t-distribution, mean ± t(0.975, n−1) · s/√n,
  s the sample standard deviation (n − 1 in the denominator); t from the table below (for degrees
  of freedom between the rows, the next smaller row's value, which is the wider interval; beyond
  120, the normal 1.96). Fewer than 2 pairs: no interval (None).
- **Flagged**: n ≥ policy `calibration.min_pairs`, |drift| > policy `calibration.drift_threshold`
  (points), and the interval excludes 0 (its lower bound above 0 or its upper bound below 0).
  Drift, interval and threshold are compared unrounded. The policy is the one in force on the
  period's last day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dudao.checklists.choices import ItemKind
from dudao.core.periods import Period
from dudao.facts.figures import percent, round1
from dudao.facts.scope import Scope
from dudao.inspections.models import Answer
from dudao.policies.registry import policy_for

from .choices import PairStatus
from .models import CalibrationPair

T_975 = {
    1: "12.706", 2: "4.303", 3: "3.182", 4: "2.776", 5: "2.571", 6: "2.447", 7: "2.365", 8: "2.306",
    9: "2.262", 10: "2.228", 11: "2.201", 12: "2.179", 13: "2.160", 14: "2.145", 15: "2.131", 16: "2.120",
    17: "2.110", 18: "2.101", 19: "2.093", 20: "2.086", 21: "2.080", 22: "2.074", 23: "2.069", 24: "2.064",
    25: "2.060", 26: "2.056", 27: "2.052", 28: "2.048", 29: "2.045", 30: "2.042", 40: "2.021", 60: "2.000",
    120: "1.980",
}
NORMAL_975 = Decimal("1.960")
THREE_DECIMALS = Decimal("0.001")
PASS_FAIL = ("pass", "fail")


def t_975(df: int) -> Decimal:
    """The two-sided 95% quantile of Student's t with `df` degrees of freedom (see the docstring)."""
    if df > 120:
        return NORMAL_975
    return Decimal(T_975[max(row for row in T_975 if row <= df)])


# --- the record set ---------------------------------------------------------------------------
def completed_pairs(scope: Scope, period: Period):
    """Completed pairs of the scope whose first inspection was performed in the period."""
    return CalibrationPair.objects.filter(
        scope.condition(), status=PairStatus.COMPLETED,
        first_inspection__performed_at__gte=period.start_at, first_inspection__performed_at__lt=period.end_before,
    )


def pairs_in_period(scope: Scope, period: Period):
    """Every pair (any status) of the scope whose first inspection was performed in the period."""
    return CalibrationPair.objects.filter(
        scope.condition(),
        first_inspection__performed_at__gte=period.start_at, first_inspection__performed_at__lt=period.end_before,
    )


def difference(first_score, second_score) -> Decimal | None:
    """first − second, None when either is missing."""
    if first_score is None or second_score is None:
        return None
    return Decimal(str(first_score)) - Decimal(str(second_score))


# --- drift ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Drift:
    pairs: int
    drift: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    flagged: bool


def drift_of(differences: list[Decimal], *, threshold: Decimal, min_pairs: int) -> Drift:
    """Mean difference, its 95% t-interval and the flag rule (module docstring)."""
    n = len(differences)
    if not n:
        return Drift(0, None, None, None, False)
    mean = sum(differences, Decimal(0)) / n
    low = high = None
    if n >= 2:
        variance = sum(((d - mean) ** 2 for d in differences), Decimal(0)) / (n - 1)
        half = t_975(n - 1) * variance.sqrt() / Decimal(n).sqrt()
        low, high = mean - half, mean + half
    excludes_zero = low is not None and (low > 0 or high < 0)
    flagged = n >= min_pairs and abs(mean) > Decimal(str(threshold)) and excludes_zero
    return Drift(n, round1(mean), round1(low), round1(high), flagged)


# --- agreement --------------------------------------------------------------------------------
def cohen_kappa(observations: list[tuple[str, str]]) -> Decimal | None:
    """Cohen's kappa of (first, second) pass/fail answers (module docstring); None when undefined."""
    n = len(observations)
    if not n:
        return None
    agree = sum(1 for first, second in observations if first == second)
    first_pass = Decimal(sum(1 for first, _s in observations if first == "pass")) / n
    second_pass = Decimal(sum(1 for _f, second in observations if second == "pass")) / n
    po = Decimal(agree) / n
    pe = first_pass * second_pass + (1 - first_pass) * (1 - second_pass)
    if pe == 1:
        return None
    return ((po - pe) / (1 - pe)).quantize(THREE_DECIMALS, rounding=ROUND_HALF_UP)


def same_answer(item, first: Answer, second: Answer) -> bool:
    if item.kind == ItemKind.NUMBER:
        return first.failed == second.failed
    return str(first.value) == str(second.value)


@dataclass
class ItemAgreement:
    item_id: int
    code: str
    text: str
    kind: str
    pairs: int = 0
    agreeing: int = 0
    observations: list = None

    @property
    def agreement(self) -> Decimal | None:
        return percent(self.agreeing, self.pairs)

    @property
    def kappa(self) -> Decimal | None:
        return cohen_kappa(self.observations) if self.kind == ItemKind.CHECK else None

    @property
    def kappa_count(self) -> int:
        return len(self.observations) if self.kind == ItemKind.CHECK else 0


def item_agreements(pairs: list[CalibrationPair], answers: dict[int, dict[int, Answer]]) -> list[ItemAgreement]:
    """Per item over the pairs, worst first; `answers` maps inspection id -> item id -> current answer."""
    items: dict[int, ItemAgreement] = {}
    for pair in pairs:
        firsts = answers.get(pair.first_inspection_id, {})
        seconds = answers.get(pair.second_inspection_id, {})
        for item_id, first in firsts.items():
            second = seconds.get(item_id)
            if second is None or not first.item.is_scorable:
                continue
            row = items.get(item_id)
            if row is None:
                row = items[item_id] = ItemAgreement(item_id, first.item.code, first.item.text, first.item.kind,
                                                     observations=[])
            row.pairs += 1
            row.agreeing += same_answer(first.item, first, second)
            if first.item.kind == ItemKind.CHECK and first.value in PASS_FAIL and second.value in PASS_FAIL:
                row.observations.append((first.value, second.value))
    return sorted(items.values(), key=lambda r: (r.agreement, -r.pairs, r.code))


# --- the report -------------------------------------------------------------------------------
@dataclass
class SupervisorDrift:
    person: object
    pairs: int  # every pair in the period where they inspected first, whatever its status
    drift: Drift


@dataclass
class CalibrationReport:
    period: Period
    pairs: list[CalibrationPair]  # every pair of the period, newest first
    completed: int
    agreement: Decimal | None
    kappa: Decimal | None
    kappa_count: int
    items: list[ItemAgreement]
    supervisors: list[SupervisorDrift]
    threshold: Decimal
    min_pairs: int


def current_answers(inspection_ids) -> dict[int, dict[int, Answer]]:
    """Current answers of the inspections, with their items, in one query."""
    found: dict[int, dict[int, Answer]] = defaultdict(dict)
    for answer in Answer.objects.filter(inspection_id__in=list(inspection_ids), is_current=True).select_related(
        "item"
    ):
        found[answer.inspection_id][answer.item_id] = answer
    return found


def calibration_report(scope: Scope, period: Period) -> CalibrationReport:
    """Every calibration figure of a scope and period, in a fixed number of queries."""
    policy = policy_for(scope.organization_id, on=period.end).calibration
    pairs = list(
        pairs_in_period(scope, period).select_related(
            "unit", "first_inspection", "second_inspection", "first_inspector", "second_supervisor"
        ).order_by("-first_inspection__performed_at", "-id")
    )
    completed = [p for p in pairs if p.status == PairStatus.COMPLETED]
    answers = current_answers([i for p in completed for i in (p.first_inspection_id, p.second_inspection_id)])
    items = item_agreements(completed, answers)
    compared = sum(row.pairs for row in items)
    agreeing = sum(row.agreeing for row in items)
    observations = [o for row in items if row.kind == ItemKind.CHECK for o in row.observations]
    by_person: dict[int, list] = defaultdict(list)
    people: dict[int, object] = {}
    for pair in pairs:
        people[pair.first_inspector_id] = pair.first_inspector
        by_person[pair.first_inspector_id].append(pair)
    supervisors = []
    for person_id, own in by_person.items():
        differences = [
            d for p in own if p.status == PairStatus.COMPLETED
            for d in [difference(p.first_inspection.score, p.second_inspection.score)] if d is not None
        ]
        supervisors.append(SupervisorDrift(
            people[person_id], len(own),
            drift_of(differences, threshold=policy.drift_threshold, min_pairs=policy.min_pairs),
        ))
    supervisors.sort(key=lambda s: (not s.drift.flagged, -abs(s.drift.drift or 0), s.person.display_name,
                                    s.person.pk))
    return CalibrationReport(
        period=period, pairs=pairs, completed=len(completed), agreement=percent(agreeing, compared),
        kappa=cohen_kappa(observations), kappa_count=len(observations), items=items, supervisors=supervisors,
        threshold=policy.drift_threshold, min_pairs=policy.min_pairs,
    )


def supervisor_drift(organization_id: int, person_id: int, period: Period, *, exclude_pair_id=None) -> Drift:
    """One supervisor's drift over the organisation's completed pairs of the period (for the flag
    notification), optionally leaving one pair out."""
    policy = policy_for(organization_id, on=period.end).calibration
    pairs = completed_pairs(Scope.organisation(organization_id), period).filter(first_inspector_id=person_id)
    if exclude_pair_id is not None:
        pairs = pairs.exclude(pk=exclude_pair_id)
    differences = [
        d for first, second in pairs.values_list("first_inspection__score", "second_inspection__score")
        for d in [difference(first, second)] if d is not None
    ]
    return drift_of(differences, threshold=policy.drift_threshold, min_pairs=policy.min_pairs)
