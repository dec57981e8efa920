"""Scoped reads of findings: the filtered list and its saved views, the review queue, the overview
per store, one finding with its timeline, and the people and files a request names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import CheckAnswer
from dudao.core.access import NotFoundInScope
from dudao.core.errors import validation_error
from dudao.core.models import Attachment
from dudao.core.scoping import EVERYWHERE, paths_filter
from dudao.org.choices import LEAF_KINDS
from dudao.org.models import Person, Unit
from dudao.org.selectors import Regions, within_unit
from dudao.policies.choices import Severity

from .choices import FindingEventKind, FindingSource, FindingStatus, SavedView
from .models import RECTIFIERS, Finding, FindingEvent, FindingExtension


@dataclass
class FindingFilters:
    """The list's filters; every field is optional and unknown values are ignored."""

    unit_id: int | None = None
    region_id: int | None = None
    status: str = ""
    severity: str = ""
    source: str = ""
    overdue: bool | None = None
    repeat: bool | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    view: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query) -> FindingFilters:
        """Read filters from a QueryDict (the list page and its export share the parsing)."""

        def number(name):
            value = (query.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        def flag(name):
            value = (query.get(name) or "").strip().lower()
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(value)

        def day(name):
            try:
                return dt.date.fromisoformat((query.get(name) or "").strip())
            except ValueError:
                return None

        def choice(name, values):
            value = (query.get(name) or "").strip()
            return value if value in values else ""

        return cls(
            unit_id=number("unit"), region_id=number("region"), status=choice("status", FindingStatus.values),
            severity=choice("severity", Severity.values), source=choice("source", FindingSource.values),
            overdue=flag("overdue"), repeat=flag("repeat"), created_from=day("created_from"),
            created_to=day("created_to"), view=choice("view", SavedView.values), q=(query.get("q") or "").strip()[:100],
        )

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (for pager links and the export link)."""
        names = {"unit_id": "unit", "region_id": "region"}
        query = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value in (None, ""):
                continue
            if isinstance(value, bool):
                value = "1" if value else "0"
            query[names.get(field.name, field.name)] = str(value)
        return query


def _managed_paths(actor) -> list[str]:
    paths = actor.scope_paths(RECTIFIERS)
    return [] if paths == EVERYWHERE else paths


def awaiting_acceptance(actor) -> QuerySet:
    """Submitted findings the actor may accept: in their verifying scope, not at a unit they manage."""
    queryset = Finding.objects.visible_to(actor, "verify").filter(status=FindingStatus.SUBMITTED)
    managed = _managed_paths(actor)
    if managed:
        queryset = queryset.exclude(paths_filter("unit__path", managed))
    return queryset


def finding_list(actor, filters: FindingFilters | None = None, *, today: dt.date | None = None) -> QuerySet:
    """The findings the actor sees, filtered, newest first, with what a list row shows."""
    filters = filters or FindingFilters()
    today = today or timezone.localdate()
    if filters.view == SavedView.AWAITING:
        findings = awaiting_acceptance(actor)
    else:
        findings = Finding.objects.visible_to(actor)
    if filters.view == SavedView.MINE:
        findings = findings.filter(
            Q(responsible_person_id=actor.pk) | Q(owner_id=actor.pk) | Q(created_by_id=actor.pk)
        ).exclude(status=FindingStatus.CLOSED)
    if filters.view == SavedView.OVERDUE or filters.overdue is True:
        # The statuses named, not "not closed": the (organization, status, due_date) index then
        # reads only the unclosed findings past due instead of every finding past due.
        unclosed = [status for status in FindingStatus.values if status != FindingStatus.CLOSED]
        findings = findings.filter(due_date__lt=today, status__in=unclosed)
    elif filters.overdue is False:
        findings = findings.filter(Q(due_date__gte=today) | Q(status=FindingStatus.CLOSED))
    for unit_id in (filters.unit_id, filters.region_id):
        if unit_id is not None:
            findings = within_unit(findings, actor, unit_id)
    if filters.status:
        findings = findings.filter(status=filters.status)
    if filters.severity:
        findings = findings.filter(severity=filters.severity)
    if filters.source:
        findings = findings.filter(source=filters.source)
    if filters.repeat is not None:
        findings = findings.filter(repeat=filters.repeat)
    if filters.created_from:
        findings = findings.filter(created_at__gte=_start_of(filters.created_from))
    if filters.created_to:
        findings = findings.filter(created_at__lt=_start_of(filters.created_to + dt.timedelta(days=1)))
    if filters.q:
        findings = findings.filter(Q(title__icontains=filters.q) | Q(item_code__iexact=filters.q))
    return findings.select_related("unit", "responsible_person", "owner").order_by("-created_at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def saved_view_counts(actor, today: dt.date | None = None) -> dict[str, int]:
    """How many findings each saved view holds for the actor (three small counts)."""
    return {
        view: finding_list(actor, FindingFilters(view=view), today=today).order_by().count()
        for view in SavedView.values
    }


# --- regions: which region each unit lies in -------------------------------------------------
def annotate_regions(findings, regions: Regions) -> list[Finding]:
    findings = list(findings)
    for finding in findings:
        region = regions.of(finding.unit)
        finding.region_name = region.name if region else ""
    return findings


def filter_units(actor) -> QuerySet:
    """The sites a person may filter the list by (stores, branches, plants they see)."""
    return Unit.objects.visible_to(actor).filter(kind__in=LEAF_KINDS).only("id", "name", "code", "path").order_by("path")


# --- one finding -----------------------------------------------------------------------------
def finding_detail_queryset() -> QuerySet:
    """A finding with everything its page and the API's detail show, in a fixed number of queries."""
    return Finding.objects.select_related(
        "unit", "responsible_person", "owner", "created_by", "closed_by", "inspection", "answer", "answer__item",
        "repeat_of", "closed_by_inspection", "closed_by_answer",
    ).prefetch_related(
        "evidence",
        "answer__attachments",
        "closed_by_answer__attachments",
        Prefetch("events", queryset=FindingEvent.objects.select_related("actor").prefetch_related("attachments")),
        # With the approval's steps: the page asks whether the person decides the pending request.
        Prefetch("extensions", queryset=FindingExtension.objects.select_related(
            "requested_by", "decided_by", "approval__unit").prefetch_related("approval__steps")),
    )


def before_photos(finding: Finding) -> list[Attachment]:
    """What the problem looked like: the inspection answer's photos, or those it was recorded with."""
    photos = list(finding.answer.attachments.all()) if finding.answer_id else []
    for event in finding.events.all():
        if event.kind == FindingEventKind.CREATED:
            photos.extend(event.attachments.all())
    return photos


def after_photos(finding: Finding) -> list[Attachment]:
    """What the rectification shows: photos of the current round's progress notes and submission."""
    return [
        attachment
        for event in finding.events.all()
        if event.round == finding.round and event.kind in (FindingEventKind.PROGRESS, FindingEventKind.SUBMITTED)
        for attachment in event.attachments.all()
    ]


def answer_label(answer) -> str:
    """An inspection answer as people read it: 合格/不合格/不适用 for check items, else the value."""
    if answer is None:
        return ""
    value = answer.value
    if isinstance(value, str) and value in CheckAnswer.values:
        return str(CheckAnswer(value).label)
    if isinstance(value, dict):
        return str(value.get("label") or value.get("value") or value)
    return "—" if value in (None, "") else str(value)


def latest_submission(finding: Finding) -> FindingEvent | None:
    submissions = [e for e in finding.events.all() if e.kind == FindingEventKind.SUBMITTED]
    return submissions[-1] if submissions else None


def review_queue(actor) -> QuerySet:
    """Submitted findings awaiting the actor's acceptance, the longest waiting first, with photos."""
    return awaiting_acceptance(actor).select_related(
        "unit", "responsible_person", "owner", "answer",
    ).prefetch_related(
        "answer__attachments",
        Prefetch("events", queryset=FindingEvent.objects.select_related("actor").prefetch_related("attachments")),
    ).order_by("submitted_at", "id")


# --- overview per store ----------------------------------------------------------------------
@dataclass
class UnitRow:
    unit: Unit
    open: int = 0
    overdue: int = 0
    submitted: int = 0
    escalated: int = 0
    repeat_open: int = 0
    closed_recently: int = 0


@dataclass
class RegionGroup:
    region: Unit | None
    rows: list[UnitRow]

    @property
    def totals(self) -> UnitRow:
        total = UnitRow(unit=self.region)
        for row in self.rows:
            for name in ("open", "overdue", "submitted", "escalated", "repeat_open", "closed_recently"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


RECENT_DAYS = 30


def region_overview(actor, *, now: dt.datetime | None = None) -> list[RegionGroup]:
    """Open, overdue, awaiting acceptance, escalated and repeat findings per site the actor sees,
    grouped by region; three queries whatever the number of sites."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    not_closed = ~Q(status=FindingStatus.CLOSED)
    counts = (
        Finding.objects.visible_to(actor).order_by().values("unit_id").annotate(
            open=Count("id", filter=not_closed),
            overdue=Count("id", filter=not_closed & Q(due_date__lt=today)),
            submitted=Count("id", filter=Q(status=FindingStatus.SUBMITTED)),
            escalated=Count("id", filter=not_closed & Q(escalation_level__gt=0)),
            repeat_open=Count("id", filter=not_closed & Q(repeat=True)),
            closed_recently=Count("id", filter=Q(status=FindingStatus.CLOSED,
                                                 closed_at__gte=now - dt.timedelta(days=RECENT_DAYS))),
        )
    )
    by_unit = {row.pop("unit_id"): row for row in counts}
    regions = Regions(actor.organization_id)
    groups: dict[int | None, list[UnitRow]] = defaultdict(list)
    region_units: dict[int | None, Unit | None] = {None: None}
    for unit in filter_units(actor):
        region = regions.of(unit)
        key = region.pk if region else None
        region_units[key] = region
        groups[key].append(UnitRow(unit=unit, **by_unit.get(unit.pk, {})))
    ordered = sorted(groups, key=lambda key: (key is None, region_units[key].path if key else ""))
    return [RegionGroup(region=region_units[key], rows=groups[key]) for key in ordered]


# --- what a request names --------------------------------------------------------------------
def attachments_named(actor, ids: list[int] | None) -> list[Attachment]:
    """The attachments a caller names by id, each visible to them, or a refusal naming the field."""
    ids = list(dict.fromkeys(ids or []))
    if not ids:
        return []
    found = {a.pk: a for a in Attachment.objects.visible_to(actor).filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise validation_error("attachment_ids", _("附件不存在:%(ids)s") % {"ids": ", ".join(map(str, missing))})
    return [found[pk] for pk in ids]


def person_named(actor, pk: int | None, field: str) -> Person | None:
    """A person the caller names by id, visible to them, or a refusal naming the field."""
    if pk is None:
        return None
    person = Person.objects.visible_to(actor).filter(pk=pk).first()
    if person is None:
        raise validation_error(field, _("人员不存在"))
    return person


def extension_of(finding: Finding, pk) -> FindingExtension:
    """An extension request of a finding already fetched in scope (requests have no scope of their own)."""
    extension = FindingExtension.objects.filter(finding=finding, pk=pk).first()
    if extension is None:
        raise NotFoundInScope("FindingExtension")
    return extension


def unit_members(unit: Unit) -> QuerySet:
    """People who work at a unit (hold a role on it or inside it): candidates for owner or responsible."""
    return (
        Person.objects.filter(organization_id=unit.organization_id, is_active=True,
                              role_assignments__unit__path__startswith=unit.path)
        .distinct().order_by("display_name", "id")
    )
