"""Scoped reads of meetings: the period a meeting reviews, the cases proposed for it, the records,
people and units a request names (each refused by field when out of scope), one meeting with all it
shows, and a person's open actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import validation_error
from dudao.core.periods import Period, window_before
from dudao.facts import figures
from dudao.facts.scope import Scope
from dudao.findings.models import Finding
from dudao.findings.selectors import FindingFilters, finding_list
from dudao.incidents.choices import IncidentKind
from dudao.incidents.models import Incident
from dudao.inspections.models import Inspection
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Person, Unit
from dudao.policies.choices import Severity
from dudao.policies.registry import policy_for

from .choices import ActionStatus, CaseKind
from .models import Meeting, MeetingAction, MeetingAttendee, MeetingCase
from .permissions import ORG_WIDE_ORGANISERS, can_hold_meeting_over

PROPOSALS_PER_KIND = 5


def review_period(organization_id: int, today: dt.date) -> Period:
    """The period a meeting held `today` reviews: the last complete period of the policy's meeting
    cadence (`training.operations_meeting_period`, a month by default)."""
    kind = policy_for(organization_id, on=today).training.operations_meeting_period
    return Period(*window_before(kind, today))


# --- what a request names, each checked in scope ------------------------------------------------
def organisable_units(actor) -> list[Unit]:
    """The units the actor may hold a meeting over: the root and the regions (and centres) for the
    operations department, the actor's own regions for a region manager."""
    units = Unit.objects.visible_to(actor).filter(is_active=True).exclude(kind__in=LEAF_KINDS).order_by("path")
    return [u for u in units if can_hold_meeting_over(actor, u)]


def unit_named(actor, pk) -> Unit:
    unit = Unit.objects.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if unit is None or not can_hold_meeting_over(actor, unit):
        raise validation_error("scope_unit_id", _("机构不存在或不在您的管理范围内"))
    return unit


def _ids(values, field: str) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in (values or [])))
    except (TypeError, ValueError):
        raise validation_error(field, _("编号必须是整数")) from None


def records_named(actor, model, values, field: str, scope_unit: Unit) -> list:
    """The findings, inspections or incidents a request names: each visible to the actor and inside
    the meeting's scope, or a refusal naming the field and the ids."""
    ids = _ids(values, field)
    if not ids:
        return []
    found = {r.pk: r for r in model.objects.visible_to(actor).filter(
        pk__in=ids, unit__path__startswith=scope_unit.path).select_related("unit")}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise validation_error(field, _("不存在或不在会议范围内：%(ids)s") % {"ids": ", ".join(map(str, missing))})
    return [found[pk] for pk in ids]


def people_named(actor, values, field: str) -> list[Person]:
    """Active people of the organisation the actor sees, or a refusal naming the field and the ids."""
    ids = _ids(values, field)
    if not ids:
        return []
    found = {p.pk: p for p in Person.objects.visible_to(actor).filter(pk__in=ids, is_active=True)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise validation_error(field, _("人员不存在或不在您的管理范围内：%(ids)s") % {
            "ids": ", ".join(map(str, missing))})
    return [found[pk] for pk in ids]


def candidate_attendees(actor, scope_unit: Unit) -> list[Person]:
    """People the organiser may invite: the active people holding a role over or inside the scope
    unit, and the operations department, each once by name."""
    people = Person.objects.visible_to(actor).filter(is_active=True, organization_id=actor.organization_id)
    ancestors = [scope_unit.path[:i + 1] for i, ch in enumerate(scope_unit.path) if ch == "/"]
    inside = people.filter(role_assignments__unit__path__startswith=scope_unit.path)
    above = people.filter(role_assignments__unit__path__in=ancestors)
    department = people.filter(role_assignments__role__in=ORG_WIDE_ORGANISERS - {"admin"})
    ids = set(inside.values_list("pk", flat=True)) | set(above.values_list("pk", flat=True)) | set(
        department.values_list("pk", flat=True))
    return list(Person.objects.filter(pk__in=ids).order_by("display_name", "id"))


# --- cases proposed for a meeting ------------------------------------------------------------
@dataclass
class Proposal:
    kind: str
    record: object
    reason: str


@dataclass
class Proposals:
    period: Period
    findings: list[Proposal] = field(default_factory=list)
    inspections: list[Proposal] = field(default_factory=list)
    incidents: list[Proposal] = field(default_factory=list)

    def __iter__(self):
        yield from self.findings
        yield from self.inspections
        yield from self.incidents


def proposed_cases(actor, scope_unit: Unit, *, today: dt.date | None = None) -> Proposals:
    """The cases worth discussing from the period under review, in the actor's sight and the scope:
    critical findings raised in it and findings overdue now, the lowest-scoring inspections that
    count, complaints received in it and incidents handled late."""
    today = today or timezone.localdate()
    period = review_period(scope_unit.organization_id, today)
    scope = Scope.of_unit(scope_unit)
    proposals = Proposals(period=period)
    critical = (figures.findings_raised(scope, period).filter(severity=Severity.CRITICAL)
                .filter(pk__in=Finding.objects.visible_to(actor).values("pk"))
                .select_related("unit").order_by("-created_at", "-id")[:PROPOSALS_PER_KIND])
    seen = set()
    for finding in critical:
        seen.add(finding.pk)
        proposals.findings.append(Proposal(CaseKind.FINDING, finding, _("严重问题")))
    overdue = finding_list(actor, FindingFilters(overdue=True), today=today).filter(
        unit__path__startswith=scope_unit.path).order_by("due_date", "id")[:PROPOSALS_PER_KIND]
    for finding in overdue:
        if finding.pk not in seen:
            seen.add(finding.pk)
            proposals.findings.append(Proposal(CaseKind.FINDING, finding, _("整改逾期 %(days)s 天") % {
                "days": finding.days_overdue(today)}))
    lowest = (figures.counted_inspections(scope, period).filter(score__isnull=False)
              .filter(pk__in=Inspection.objects.visible_to(actor).values("pk"))
              .select_related("unit", "template").order_by("score", "performed_at")[:PROPOSALS_PER_KIND])
    for inspection in lowest:
        reason = _("得分 %(score)s") % {"score": inspection.score}
        if inspection.passed is False:
            reason = _("得分 %(score)s，不合格") % {"score": inspection.score}
        proposals.inspections.append(Proposal(CaseKind.INSPECTION, inspection, reason))
    incidents = (Incident.objects.visible_to(actor)
                 .filter(unit__path__startswith=scope_unit.path, reported_at__gte=period.start_at,
                         reported_at__lt=period.end_before)
                 .select_related("unit").order_by("-reported_at", "-id"))
    now = timezone.now()
    for incident in incidents:
        late = incident.is_late(now)
        if incident.kind == IncidentKind.COMPLAINT:
            reason = _("顾客投诉（未按时答复）") if late else _("顾客投诉")
        elif late:
            reason = _("%(kind)s未按时处理") % {"kind": incident.get_kind_display()}
        else:
            continue
        proposals.incidents.append(Proposal(CaseKind.INCIDENT, incident, reason))
        if len(proposals.incidents) >= PROPOSALS_PER_KIND:
            break
    return proposals


# --- one meeting, lists -------------------------------------------------------------------------
def meeting_detail_queryset() -> QuerySet:
    """A meeting with all its page, API answer and PDF show, in a fixed number of queries."""
    return Meeting.objects.select_related("scope_unit", "created_by", "organization").prefetch_related(
        Prefetch("attendees", queryset=MeetingAttendee.objects.select_related("person").order_by(
            "person__display_name", "person_id")),
        Prefetch("cases", queryset=MeetingCase.objects.select_related(
            "finding__unit", "inspection__unit", "inspection__template", "incident__unit")),
        Prefetch("actions", queryset=MeetingAction.objects.select_related("owner", "done_by").order_by(
            "due_date", "id")),
    )


def meeting_list(actor) -> QuerySet:
    return Meeting.objects.visible_to(actor).select_related("scope_unit", "created_by").order_by("-held_on", "-id")


def my_open_actions(actor) -> QuerySet:
    """The actions the actor owns that are not done yet, the earliest due first."""
    return (MeetingAction.objects.filter(owner_id=actor.pk, status=ActionStatus.OPEN,
                                         organization_id=actor.organization_id)
            .select_related("meeting").order_by("due_date", "id"))
