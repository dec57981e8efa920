"""Reading training: proposals from the most failed checklist items (the one definition in
`dudao.facts`), attendance rates (the appraisal's training KPI), a survey's report, a trainee's
history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from dudao.core.periods import Period, window_of
from dudao.facts.figures import counted_inspections, most_failed_items, percent
from dudao.facts.scope import Scope
from dudao.inspections.models import Answer
from dudao.org.choices import Role
from dudao.policies.registry import policy_for

from .models import Invitee, Survey, SurveyResponse

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


# --- needs surveys -----------------------------------------------------------------------------
QUESTION_KINDS = ("single", "multiple", "text")


def survey_questions(survey_or_questions) -> list[dict]:
    """The survey's questions as {text, kind, options}; a plain string (surveys made before
    questions had kinds) is a text question."""
    questions = getattr(survey_or_questions, "questions", survey_or_questions)
    return [{"text": q, "kind": "text", "options": []} if isinstance(q, str)
            else {"text": q.get("text", ""), "kind": q.get("kind", "text"), "options": list(q.get("options") or [])}
            for q in questions]


def period_name(kind: str, day: dt.date) -> str:
    """The name of the period of `kind` containing `day` ("2026-Q4", "2026-12", "2026-H2", "2026");
    a week has no such name, so it is refused."""
    start, _end = window_of(kind, day)
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "half_year":
        return f"{start.year}-H{1 if start.month <= 6 else 2}"
    if kind == "year":
        return f"{start.year}"
    raise ValueError(f"no period name for {kind!r}")


def period_kind(name: str) -> str:
    """The kind of a named period (already normalised by `core.periods.normalise_period`)."""
    if "-Q" in name:
        return "quarter"
    if "-H" in name:
        return "half_year"
    return "year" if len(name) == 4 else "month"


def survey_period_kind(organization_id: int, on: dt.date) -> str:
    """The policy's period of needs surveys (`training.needs_survey_period`)."""
    return str(policy_for(organization_id, on=on).training.needs_survey_period)


def current_survey_period(organization_id: int, today: dt.date) -> str | None:
    """The survey period today falls in, by the policy's kind (None for a kind without a name)."""
    try:
        return period_name(survey_period_kind(organization_id, today), today)
    except ValueError:
        return None


def surveys_for(actor):
    """The surveys the actor may open (organisers over their units, and everyone in a survey's
    scope, who answers it), newest first, with the actor's own response flagged."""
    mine = SurveyResponse.objects.filter(survey=OuterRef("pk"), person_id=actor.pk)
    return (Survey.objects.visible_to(actor).select_related("scope_unit", "created_by")
            .annotate(answered=Exists(mine), response_count=Count("responses", distinct=True))
            .order_by("-period", "-created_at", "-id"))


def survey_report(survey: Survey) -> dict:
    """Per question: how many chose each option (every option listed, zeros too), the text answers,
    and for every kind the answers given (empty ones left out) with the most common five."""
    responses = list(survey.responses.order_by("answered_at", "id"))
    questions = []
    for index, question in enumerate(survey_questions(survey)):
        given = [r.answers[index] for r in responses if index < len(r.answers)]
        answers: list[str] = []
        for value in given:
            values = value if isinstance(value, list) else [value]
            answers.extend(str(v).strip() for v in values if str(v or "").strip())
        counts: dict[str, int] = defaultdict(int)
        for answer in answers:
            counts[answer] += 1
        options = [{"option": option, "count": counts.get(option, 0)} for option in question["options"]]
        questions.append({"question": question["text"], "kind": question["kind"], "options": options,
                          "answered": sum(1 for value in given if value not in (None, "", [])),
                          "answers": answers,
                          "most_common": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]})
    return {"survey_id": survey.pk, "title": survey.title, "period": survey.period, "responses": len(responses),
            "questions": questions}
