"""Monthly evaluation (运营管理质量综合评估) and manager review cases: the only writes of analytics."""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, record_events, snapshot
from dudao.core.errors import (
    ApplicationError,
    ErrorCode,
    deny_permission,
    from_django_validation,
    validation_error,
)
from dudao.core.periods import last_complete_month
from dudao.notifications.services import notify
from dudao.org.choices import Role
from dudao.org.models import Organization, Unit
from dudao.org.selectors import RoleHolders, path_ids
from dudao.policies.registry import policy_for

from . import evaluation
from .choices import ReviewCaseStatus, ReviewDecision
from .models import EvaluationRun, ReviewCase, UnitEvaluation
from .permissions import can_review_case, can_run_evaluation
from .scope import add_months, month_period, month_start
from .workflow import REVIEW_CASE, UNDECIDED

RUN_AUDIT_FIELDS = ["month", "run_at", "run_by", "units", "scored", "passed", "key_targets", "review_cases_opened",
                    "policy", "provisional"]
CASE_AUDIT_FIELDS = ["unit", "month", "manager", "consecutive_failures", "superior", "status", "decision", "notes",
                     "review_started_at", "review_started_by", "decided_at", "decided_by"]
NOTES_MAX = 5000
BATCH = 1000


def _policy_record(policy) -> dict:
    return {
        "components": [{"component": str(c.component), "weight": str(c.weight)} for c in policy.components],
        "pass_mark": str(policy.pass_mark),
        "consecutive_failures_for_review": policy.consecutive_failures_for_review,
        "key_target_deadline_days": policy.key_target_deadline_days,
    }


class _People:
    """Who answers for each unit, looked up once for a whole run (one query, `org.selectors.RoleHolders`)."""

    def __init__(self, organization_id: int, unit_ids: set[int]) -> None:
        self.holders = RoleHolders(organization_id, {Role.UNIT_MANAGER, Role.REGION_MANAGER, Role.HR}) if unit_ids else None
        self.managers: dict[int, list] = defaultdict(list)
        for a in self.holders.holding(Role.UNIT_MANAGER) if self.holders else ():
            if a.unit_id in unit_ids:
                self.managers[a.unit_id].append(a.person)  # longest-serving first

    def manager(self, unit_id: int):
        """The unit's own manager answerable for it (the longest-serving one)."""
        people = self.managers.get(unit_id)
        return people[0] if people else None

    def superior(self, path: str):
        """The region manager nearest above the unit (its region's manager)."""
        nearest = {}
        for a in self.holders.holding(Role.REGION_MANAGER):
            nearest.setdefault(a.unit_id, a.person)
        for unit_id in reversed(path_ids(path)[:-1]):
            if unit_id in nearest:
                return nearest[unit_id]
        return None

    def hr_for(self, path: str) -> list:
        """HR people over the unit."""
        return self.holders.over(Unit(path=path), Role.HR)


@transaction.atomic
def evaluation_run(*, actor, organization: Organization, month: dt.date, now: dt.datetime | None = None) -> EvaluationRun:
    """Evaluate every active site of `organization` for `month` (rules in evaluation.py).

    Running a month again replaces that month's results. A month that has not ended as of `now`
    is provisional: its scores and ranks are stored and labelled, but nothing follows from them (no
    key target, no review case, no message); the run after the month ends replaces it as final.
    In a final run, failing units become key rectification
    targets (重点整改对象) with a deadline (the month's last day + the policy's days) and their
    managers are told; a unit failing for the policy's number of months in a row gets a manager
    review case, unless it has one still undecided (never two for the same unit and month).
    A re-run never deletes a case already opened: people close it with a decision.
    `actor` None is the monthly job.
    """
    if actor is not None:
        if not can_run_evaluation(actor):
            deny_permission()
        if organization.pk != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        raise validation_error("month", _("月份格式应为 YYYY-MM"))
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = month_start(month)
    if month > today:
        raise validation_error("month", _("不能评估尚未开始的月份"))
    period = month_period(month)
    provisional = not period.has_ended(today)
    policy = policy_for(organization, on=period.end).evaluation

    run, created = EvaluationRun.objects.select_for_update().get_or_create(
        organization=organization, month=month, defaults={"run_at": now}
    )
    before = None if created else snapshot(run, RUN_AUDIT_FIELDS)

    results = evaluation.site_units(organization.pk)
    evaluation.gather(organization.pk, results, period, today)
    for result in results:
        evaluation.composite(result, policy)
    evaluation.rank(results)

    previous = {
        unit_id: (passed, count)
        for unit_id, passed, count in UnitEvaluation.objects.filter(
            organization_id=organization.pk, month=add_months(month, -1), provisional=False
        ).values_list("unit_id", "passed", "consecutive_failures")
    }
    for result in results:
        if result.passed is False:
            passed_before, count_before = previous.get(result.unit_id, (None, 0))
            result.consecutive_failures = (count_before if passed_before is False else 0) + 1

    # A provisional month judges nobody: its failures are shown, not acted on.
    failing = [] if provisional else [r for r in results if r.passed is False]
    due_review = [r for r in failing if r.consecutive_failures >= policy.consecutive_failures_for_review]
    people = _People(organization.pk, {r.unit_id for r in failing})
    case_of = _review_cases(actor, organization, month, due_review, people, now)

    deadline = period.end + dt.timedelta(days=policy.key_target_deadline_days)
    key_targets = {r.unit_id for r in failing}
    UnitEvaluation.objects.filter(run=run).delete()
    UnitEvaluation.objects.bulk_create([
        UnitEvaluation(
            organization_id=organization.pk, run=run, month=month, unit_id=r.unit_id, region_id=r.region_id,
            score=r.score, passed=r.passed, provisional=provisional, rank=r.rank, region_rank=r.region_rank,
            inspection_count=r.inspection_count, inspection_average=evaluation.round1(r.inspection_average),
            findings_due=r.findings_due, findings_on_time=r.findings_on_time, on_time_rate=r.on_time_rate,
            visits_planned=r.visits_planned, visits_done=r.visits_done, coverage_rate=r.coverage_rate,
            components=r.components, consecutive_failures=r.consecutive_failures,
            key_target=r.unit_id in key_targets, key_target_deadline=deadline if r.unit_id in key_targets else None,
            review_case_id=case_of.get(r.unit_id),
        )
        for r in results
    ], batch_size=BATCH)

    run.run_at, run.run_by = now, actor
    run.units = len(results)
    run.scored = sum(1 for r in results if r.score is not None)
    run.passed = sum(1 for r in results if r.passed)
    run.key_targets = len(failing)
    run.review_cases_opened = len(case_of.opened)
    run.provisional = provisional
    run.policy = _policy_record(policy)
    try:
        run.full_clean(exclude=["organization", "run_by"], validate_unique=False)
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    run.save()
    record_event(actor=actor, action="evaluation.run", obj=run, before=before, after=snapshot(run, RUN_AUDIT_FIELDS),
                 organization_id=organization.pk, at=now)

    # One message for every failing unit's managers: the deadline is the same for the whole run, and
    # each manager's link shows only what they may see (their own units).
    managers = [person for r in failing for person in people.managers.get(r.unit_id, [])]
    notify(
        recipients=managers, kind="evaluation.key_target",
        title=_("%(month)s 月度综合评估未通过,已列为重点整改对象,请于 %(deadline)s 前完成整改")
        % {"month": f"{month:%Y-%m}", "deadline": deadline.isoformat()},
        url=f"{reverse('analytics:evaluations')}?month={month:%Y-%m}&key_targets=on",
        dedupe_key=f"evaluation.key_target:{month:%Y-%m}", at=now,
    )
    return run


class _CaseLinks(dict):
    """unit id -> review case id for this month's evaluations, and the ids opened by this run."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[int] = []


def _review_cases(actor, organization, month: dt.date, due: list, people: _People, now) -> _CaseLinks:
    links = _CaseLinks()
    if not due:
        return links
    existing = ReviewCase.objects.filter(
        organization_id=organization.pk, unit_id__in=[r.unit_id for r in due]
    ).filter(Q(month=month) | Q(status__in=UNDECIDED)).order_by("opened_at", "id").values_list(
        "id", "unit_id", "month"
    )
    for case_id, unit_id, case_month in existing:
        # This month's own case first, else the case still undecided.
        if case_month == month or unit_id not in links:
            links[unit_id] = case_id
    new = [
        ReviewCase(
            organization_id=organization.pk, unit_id=r.unit_id, month=month,
            manager=people.manager(r.unit_id), consecutive_failures=r.consecutive_failures,
            superior=people.superior(r.path), status=ReviewCaseStatus.OPEN, opened_at=now,
        )
        for r in due if r.unit_id not in links
    ]
    if not new:
        return links
    for case in new:
        try:
            case.full_clean(exclude=["organization", "unit", "manager", "superior"], validate_unique=False,
                            validate_constraints=False)
        except ValidationError as exc:
            raise from_django_validation(exc) from exc
    created = ReviewCase.objects.bulk_create(new, batch_size=BATCH)
    if any(case.pk is None for case in created):
        by_unit = dict(ReviewCase.objects.filter(organization_id=organization.pk, month=month).values_list(
            "unit_id", "id"))
        for case in created:
            case.pk = case.id = by_unit[case.unit_id]
    paths = {r.unit_id: r.path for r in due}
    Through = ReviewCase.hr_assignees.through
    hr_rows, hr_of = [], {}
    for case in created:
        hr_of[case.pk] = people.hr_for(paths[case.unit_id])
        hr_rows.extend(Through(reviewcase_id=case.pk, person_id=person.pk) for person in hr_of[case.pk])
    Through.objects.bulk_create(hr_rows, batch_size=BATCH)
    record_events(actor=actor, action="review_case.open", objects=created,
                  after=[{**snapshot(case, CASE_AUDIT_FIELDS), "hr_assignees": sorted(p.pk for p in hr_of[case.pk])}
                         for case in created],
                  at=now, organization_id=organization.pk)
    names = dict(Unit.objects.filter(pk__in=[case.unit_id for case in created]).values_list("id", "name"))
    for case in created:
        links[case.unit_id] = case.pk
        links.opened.append(case.pk)
        notify(
            recipients=[case.superior, *hr_of[case.pk]], kind="evaluation.review_case",
            title=_("%(unit)s 连续 %(count)s 个月综合评估未通过,请对负责人进行管理评议")
            % {"unit": names[case.unit_id], "count": case.consecutive_failures},
            obj=case, dedupe_key=f"evaluation.review_case:{case.pk}", at=now,
        )
    return links


def evaluations_run_monthly(*, now: dt.datetime) -> dict:
    """The monthly job: evaluate the month before `now` for every active organisation."""
    month = last_complete_month(timezone.localdate(now))
    done = {}
    for organization in Organization.objects.filter(is_active=True).order_by("pk"):
        run = evaluation_run(actor=None, organization=organization, month=month, now=now)
        done[str(organization.pk)] = {"units": run.units, "key_targets": run.key_targets,
                                      "review_cases_opened": run.review_cases_opened}
    return {"month": f"{month:%Y-%m}", "organizations": done}


# --- review cases ------------------------------------------------------------------------------
def _lock(case: ReviewCase) -> ReviewCase:
    return ReviewCase.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)


@transaction.atomic
def review_case_start(*, actor, case: ReviewCase, now: dt.datetime | None = None) -> ReviewCase:
    """The superior or HR takes the case up (open -> in_review)."""
    case = _lock(case)
    if not can_review_case(actor, case):
        deny_permission()
    now = now or timezone.now()
    REVIEW_CASE.apply(case, "start_review", actor=actor, changes={"review_started_at": now, "review_started_by": actor},
                      audit_fields=CASE_AUDIT_FIELDS, event="review_case.start", at=now)
    return case


@transaction.atomic
def review_case_decide(*, actor, case: ReviewCase, decision: str, notes: str = "",
                       now: dt.datetime | None = None) -> ReviewCase:
    """Record the review's decision (demote, dismiss, retain or other) with notes; final."""
    case = _lock(case)
    if not can_review_case(actor, case):
        deny_permission()
    REVIEW_CASE.check(case, "decide")
    if decision not in ReviewDecision.values:
        raise validation_error("decision", _("请选择评议决定"))
    notes = (notes or "").strip()
    if decision == ReviewDecision.OTHER and not notes:
        raise validation_error("notes", _("选择“其他”时请写明评议意见"))
    if len(notes) > NOTES_MAX:
        raise validation_error("notes", _("评议意见不能超过 %(max)s 字") % {"max": NOTES_MAX})
    now = now or timezone.now()
    # Validated on a copy so that the audit event's before-state is the case as it was.
    candidate = copy.copy(case)
    candidate.status, candidate.decision, candidate.notes, candidate.decided_at = (
        REVIEW_CASE["decide"].target, decision, notes, now)
    try:
        candidate.full_clean(exclude=["organization", "unit", "manager", "superior", "decided_by",
                                      "review_started_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    REVIEW_CASE.apply(case, "decide", actor=actor,
                      changes={"decision": decision, "notes": notes, "decided_at": now, "decided_by": actor},
                      audit_fields=CASE_AUDIT_FIELDS, at=now)
    return case
