"""Demo calibration for the demo restaurant chain, made through the real services.

Over the weeks the inspections demo covers, a dozen of the regions' submitted inspections were
drawn for calibration (the demo picks them by hand, as a larger policy share would have): each got
a blind second inspection by the least loaded supervisor of another region, made through the
inspection services like any other. supervisor2 (华南) scores about 8 points more generously than
the second inspectors, so the operations manager finds them flagged; supervisor1 and supervisor3
agree with their second inspectors within about ±2 points. Each supervisor's latest drawn
inspection has its pair still open (scheduled).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from dudao.checklists.choices import ItemKind
from dudao.findings.demo import demo_photo
from dudao.inspections import scoring
from dudao.inspections import services as inspection_services
from dudao.inspections.choices import COUNTING_STATUSES, InspectionMode
from dudao.inspections.models import Inspection
from dudao.policies.registry import policy_for

from . import services
from .choices import PairStatus

# supervisor -> (pairs, mean difference first − second, spread)
DRIFTS = {"supervisor1": (4, 0.5, 2.5), "supervisor2": (5, 8.0, 1.5), "supervisor3": (4, -0.5, 2.5)}


def _score(items, values: dict, pass_mark) -> Decimal | None:
    results = [(item, scoring.score_item(item, values[item.pk])) for item in items if item.pk in values]
    return scoring.score_inspection(results, pass_mark=pass_mark).score


def _second_answers(first: Inspection, items, target: Decimal, pass_mark) -> dict:
    """The first inspection's answers with pass/fail items turned, one at a time, while that brings
    the score closer to `target` (red-line items are left as they were)."""
    values = {a.item_id: a.value for a in first.answers.filter(is_current=True)}
    turnable = sorted((i for i in items if i.kind == ItemKind.CHECK and not i.critical and i.pk in values),
                      key=lambda i: (-i.points, i.position))
    for item in turnable:
        current = _score(items, values, pass_mark)
        turned = {**values, item.pk: "fail" if values[item.pk] == "pass" else "pass"}
        if abs(_score(items, turned, pass_mark) - target) < abs(current - target):
            values = turned
    return values


def _inspect_second(pair, first: Inspection, rng, drift) -> None:
    supervisor, visit = pair.second_supervisor, pair.second_visit
    performed_at = timezone.make_aware(dt.datetime.combine(visit.date, dt.time(15, 10)))
    if performed_at > timezone.now() - dt.timedelta(hours=2):
        return  # not yet: the pair stays open
    items = inspection_services.scorable_items(first)
    pass_mark = policy_for(first.organization_id, on=visit.date).inspections.pass_mark
    mean, spread = drift
    target = first.score - Decimal(str(round(rng.gauss(mean, spread), 1)))
    values = _second_answers(first, items, target, pass_mark)
    inspection, _created = inspection_services.inspection_create(
        actor=supervisor, unit=first.unit, template=first.template, visit=visit, mode=InspectionMode.SURPRISE,
        performed_at=performed_at, now=performed_at, opening_notes="校准复查,未查看首次检查结果。",
    )
    answers = []
    for item in items:
        answer = {"item_code": item.code, "value": values.get(item.pk, "")}
        if item.photo_required:
            # Uploaded unbound, as the phone does for a unit outside the supervisor's region; saving
            # the answer binds it to the unit.
            answer["attachment_ids"] = [
                demo_photo(supervisor, None, f"{first.unit.code}-cal-{item.code}.jpg", (90, 110, 150),
                           item.code, size=(320, 240)).pk]
        answers.append(answer)
    inspection_services.answers_upsert(actor=supervisor, inspection=inspection, answers=answers,
                                       now=performed_at + dt.timedelta(minutes=45))
    inspection_services.inspection_submit(actor=supervisor, inspection=inspection,
                                          now=performed_at + dt.timedelta(minutes=50))


def load_demo(context) -> None:
    people = context.people
    rng = random.Random(2015)
    for username, (count, mean, spread) in DRIFTS.items():
        supervisor = people.get(username)
        if supervisor is None:
            continue
        firsts = list(
            Inspection.objects.filter(inspector=supervisor, status__in=COUNTING_STATUSES, mode=InspectionMode.ON_SITE,
                                      follow_up_of__isnull=True, visit__isnull=True, score__isnull=False)
            .select_related("unit", "template").order_by("performed_at", "id")
        )
        if not firsts:
            continue
        # Spread over the weeks and the stores; the latest one was drawn lately, its pair still open.
        chosen = sorted(rng.sample(firsts[:-1], min(count, len(firsts) - 1)), key=lambda i: i.performed_at)
        for first in [*chosen, firsts[-1]]:
            pair = services.calibration_schedule(inspection=first, now=first.submitted_at + dt.timedelta(hours=2))
            if pair.status == PairStatus.SCHEDULED and first is not firsts[-1]:
                _inspect_second(pair, first, rng, (mean, spread))
    services.calibration_sync(organization_id=context.organization.pk)
