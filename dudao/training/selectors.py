"""Reading training: proposals from the most failed checklist items (the one definition in
`dudao.facts`), attendance rates (the appraisal's training KPI), a survey's report, a trainee's
history."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from dudao.core.periods import Period
from dudao.facts.figures import counted_inspections, most_failed_items, percent
from dudao.facts.scope import Scope
from dudao.inspections.models import Answer
from dudao.org.choices import Role
from dudao.policies.registry import policy_for

from .models import Invitee, Survey

# The people a shortfall at a site concerns: those who run and staff it.
TRAINED_ROLES = (Role.UNIT_MANAGER, Role.STAFF)


def proposals(scope_unit, window: Period, *, on) -> list[dict]:
    """The policy's number of most failed items at the units of `scope_unit` in the window, each with
    the units where it failed and the roles to train: {item_code, text, count, failures, unit_ids, roles}."""
    limit = policy_for(scope_unit.organization_id, on=on).training.proposal_top_findings
    inspections = counted_inspections(Scope.of_unit(scope_unit), window)
    items = most_failed_items(inspections, limit)
    if not items:
        return []
    units: dict[str, set[int]] = defaultdict(set)
    for code, unit_id in (Answer.objects.filter(inspection__in=inspections.values("id"), is_current=True,
                                                failed=True, item__code__in=[i["item_code"] for i in items])
                          .values_list("item__code", "inspection__unit_id").distinct()):
        units[code].add(unit_id)
    return [{**item, "unit_ids": sorted(units[item["item_code"]]), "roles": [str(r) for r in TRAINED_ROLES],
             "role_labels": [str(r.label) for r in TRAINED_ROLES]}
            for item in items]


def attendance_rates(organization_id: int, window: Period, person_ids: list[int]) -> dict[int, tuple[Decimal, dict]]:
    """The appraisal's training KPI: of the sessions in the window a person was invited to and whose
    attendance was recorded, the share attended, in percent (one query)."""
    rows = (Invitee.objects.filter(session__organization_id=organization_id, person_id__in=person_ids,
                                   session__starts_at__gte=window.start_at, session__starts_at__lt=window.end_before,
                                   session__attendance_recorded_at__isnull=False)
            .values("person_id").annotate(invited=Count("id"), attended=Count("id", filter=Q(attended=True))))
    return {row["person_id"]: (percent(row["attended"], row["invited"]),
                               {"invited": row["invited"], "attended": row["attended"]})
            for row in rows if row["invited"]}


def survey_report(survey: Survey) -> dict:
    """Per question, every answer given (empty ones left out) and how many answered."""
    responses = list(survey.responses.select_related("person").order_by("answered_at"))
    questions = []
    for index, question in enumerate(survey.questions):
        answers = [str(r.answers[index]).strip() for r in responses
                   if index < len(r.answers) and str(r.answers[index] or "").strip()]
        counts: dict[str, int] = defaultdict(int)
        for answer in answers:
            counts[answer] += 1
        questions.append({"question": question, "answers": answers,
                          "most_common": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]})
    return {"survey_id": survey.pk, "title": survey.title, "responses": len(responses), "questions": questions}
