"""What the inspection pages show, assembled from the rows the views fetch.

The pages read an inspection as a *sheet*: its items grouped by section, each item a `Row` with its
current answer and photos (`build_sheet`). On top of the sheet:

- the run screen (`run_context`): the sheet, the progress count and the configuration its script reads;
- the detail and the PDF (`detail_context`): the sheet with the points by section, the verdict, the
  findings and, for a re-inspection, each carried item's original answer beside the new one;
- the start page (`my_work_context`) and the list (`mark_list_rows`): badges and verdicts of many
  inspections, and each store's region.

Views fetch the inspection (scoped, with `selectors.with_detail`), decide who may do what, and hand
the result to one of these. Nothing here writes; the queries each function makes are fixed, whatever
the number of items or rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.checklists.choices import ItemKind
from dudao.checklists.models import Item
from dudao.findings.models import Finding
from dudao.org.choices import Role
from dudao.org.selectors import Regions
from dudao.policies.registry import policy_for

from . import scoring, services
from .choices import INSPECTION_STATUS_BADGES, CheckAnswer, InspectionMode, InspectionStatus
from .models import Answer, Inspection
from .permissions import can_inspect

RECENT = 10
"""How many finished inspections the start page lists."""

API_ROOT = "/api/v1"


# --- how values read -------------------------------------------------------------------------
def number(value) -> str:
    """A decimal without trailing zeros: 10.00 -> "10", 9.50 -> "9.5"."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    text = f"{decimal.normalize():f}"
    return "0" if text in {"-0", ""} else text


def answer_display(item, value) -> str:
    """The answer as a person reads it, for the detail, the PDF and the export."""
    if value is None or value == "":
        return _("未作答") if item.is_scorable else ""
    if value == scoring.NA and item.is_scorable:
        return str(CheckAnswer.NA.label)
    if item.kind == ItemKind.CHECK:
        return str(CheckAnswer(value).label) if value in CheckAnswer.values else str(value)
    if item.kind == ItemKind.SCORE:
        return f"{number(value)} / {number(item.points)}"
    if item.kind == ItemKind.NUMBER:
        return number(value)
    return str(value)


def is_complete(item, value, photo_count: int) -> bool:
    """What submit will ask of the item: an answer when it scores, a photo when one is required."""
    if item.is_scorable and value in (None, ""):
        return False
    return not (item.photo_required and value != scoring.NA and photo_count == 0)


def counts_for_progress(item) -> bool:
    """Whether the run screen's progress counts the item: it scores or needs a photo."""
    return item.is_scorable or item.photo_required


def verdict(inspection: Inspection) -> tuple[str, str]:
    """(label, badge) of the inspection's result."""
    if inspection.status == InspectionStatus.DRAFT or inspection.passed is None:
        return _("未评分"), "muted"
    if inspection.critical_failed:
        return _("红线不合格"), "danger"
    return (_("合格"), "success") if inspection.passed else (_("不合格"), "danger")


# --- the sheet -------------------------------------------------------------------------------
@dataclass
class Row:
    """One item of an inspection with its current answer (if any)."""

    item: object
    answer: Answer | None
    photos: list = field(default_factory=list)

    @property
    def value(self):
        return self.answer.value if self.answer is not None else None

    @property
    def note(self) -> str:
        return self.answer.note if self.answer is not None else ""

    @property
    def display(self) -> str:
        return answer_display(self.item, self.value)

    @property
    def na(self) -> bool:
        return self.value == scoring.NA

    @property
    def failed(self) -> bool:
        return bool(self.answer is not None and self.answer.failed)

    @property
    def points(self) -> str:
        return number(self.item.points)

    @property
    def max_points(self) -> str:
        """What the item is worth: its points, or a choice's best option."""
        if self.item.kind == ItemKind.CHOICE and self.item.options:
            return number(max(Decimal(str(o.get("points", 0))) for o in self.item.options))
        return self.points

    @property
    def earned(self) -> str:
        return number(self.answer.earned) if self.answer is not None and self.answer.earned is not None else ""

    @property
    def possible(self) -> str:
        return number(self.answer.possible) if self.answer is not None and self.answer.possible is not None else ""

    @property
    def complete(self) -> bool:
        return is_complete(self.item, self.value, len(self.photos))

    @property
    def counted(self) -> bool:
        return counts_for_progress(self.item)

    @property
    def input_value(self) -> str:
        """The value as the run screen's inputs hold it."""
        if self.value in (None, scoring.NA):
            return ""
        if self.item.kind in (ItemKind.SCORE, ItemKind.NUMBER):
            return number(self.value)
        return str(self.value)

    @property
    def options(self) -> list[dict]:
        return [{"label": o.get("label", ""), "points": number(o.get("points", 0)), "fails": bool(o.get("fails"))}
                for o in (self.item.options or [])]

    @property
    def range(self) -> tuple[str, str]:
        """A number item's bounds as the run screen's script reads them ("" for a missing one)."""
        return number(self.item.min_value), number(self.item.max_value)

    @property
    def bounds(self) -> str:
        """A number item's accepted range as people read it ("90 – 100", "≥ 95", "≤ 5"), else ""."""
        return self.item.bound_text if self.item.kind == ItemKind.NUMBER else ""

    @property
    def pass_points(self) -> str:
        return number(self.item.effective_pass_points)


@dataclass
class SectionSheet:
    """A section of the inspection: its rows and the points earned of those possible."""

    section: object
    rows: list[Row]

    @property
    def earned(self) -> Decimal | None:
        values = [r.answer.earned for r in self.rows if r.answer is not None and r.answer.earned is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def possible(self) -> Decimal | None:
        values = [r.answer.possible for r in self.rows if r.answer is not None and r.answer.possible is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def earned_text(self) -> str:
        return number(self.earned) if self.earned is not None else "—"

    @property
    def possible_text(self) -> str:
        return number(self.possible) if self.possible is not None else "—"

    @property
    def percent(self) -> str:
        if not self.possible:
            return "—"
        return number(scoring.round_score(Decimal(100) * (self.earned or 0) / self.possible, 1))

    @property
    def failed_count(self) -> int:
        return sum(1 for r in self.rows if r.failed)


def build_sheet(inspection: Inspection) -> list[SectionSheet]:
    """The inspection's items by section, each with its current answer and photos (answers come
    from `selectors.with_detail`'s prefetch; the items are one query)."""
    answers = {a.item_id: a for a in inspection.answers.all() if a.is_current}
    sections: dict[int, SectionSheet] = {}
    for item in services.scorable_items(inspection):
        answer = answers.get(item.pk)
        photos = list(answer.attachments.all()) if answer is not None else []
        sheet = sections.get(item.section_id)
        if sheet is None:
            sheet = sections[item.section_id] = SectionSheet(item.section, [])
        sheet.rows.append(Row(item, answer, photos))
    return list(sections.values())


def _rows(sheet: list[SectionSheet]) -> list[Row]:
    return [row for section in sheet for row in section.rows]


def _policy(inspection: Inspection):
    """The policy in force on the day of the visit."""
    return policy_for(inspection.organization_id, on=timezone.localdate(inspection.performed_at))


# --- the run screen --------------------------------------------------------------------------
def geolocation_required(inspection: Inspection) -> bool:
    """Whether the run screen asks for the location: on-site visits, when the policy says so."""
    return bool(_policy(inspection).inspections.geolocation_required_on_site
                and inspection.mode == InspectionMode.ON_SITE)


def run_config(inspection: Inspection, *, geo_required: bool) -> dict:
    """The addresses and switches the run screen's script reads (rendered as JSON, no inline script)."""
    api = f"{API_ROOT}/inspections/{inspection.pk}"
    policy, unit = _policy(inspection), inspection.unit
    return {
        "inspection": api,
        "answers": f"{api}/answers",
        "submit": f"{api}/submit",
        "attachments": f"{API_ROOT}/attachments",
        "download": API_ROOT + "/attachments/{id}/download",
        "unit_id": inspection.unit_id,
        "detail": inspection.get_absolute_url(),
        "geo_required": geo_required,
        "has_location": inspection.latitude is not None,
        "geofence_m": policy.inspections.geofence_m,
        "unit_position": (
            {"lat": float(unit.latitude), "lon": float(unit.longitude)} if unit.has_position else None
        ),
        "camera_only": policy.inspections.camera_capture_required,
    }


def run_context(inspection: Inspection) -> dict:
    """Everything the phone screen to inspect shows: one card per item and how far along it is."""
    sheet = build_sheet(inspection)
    counted = [row for row in _rows(sheet) if row.counted]
    geo_required = geolocation_required(inspection)
    return {
        "inspection": inspection,
        "sheet": sheet,
        "answered": sum(1 for row in counted if row.complete),
        "total": len(counted),
        "figures": list((inspection.figures or {}).items()),
        "geo_required": geo_required,
        "config": run_config(inspection, geo_required=geo_required),
        "is_follow_up": inspection.follow_up_of_id is not None,
    }


def preview_context(template) -> dict:
    """A template's phone preview: the run screen itself, every item unanswered, nothing sent."""
    sections: dict[int, SectionSheet] = {}
    for item in Item.objects.filter(template_id=template.pk).select_related("section"):
        sheet = sections.get(item.section_id)
        if sheet is None:
            sheet = sections[item.section_id] = SectionSheet(item.section, [])
        sheet.rows.append(Row(item, None, []))
    sheet = list(sections.values())
    return {
        "preview": True,
        "template": template,
        "sheet": sheet,
        "answered": 0,
        "total": sum(1 for row in _rows(sheet) if row.counted),
        "figures": [],
        "geo_required": False,
        "config": {"preview": True, "inspection": f"preview-{template.pk}"},
        "is_follow_up": False,
    }


# --- the detail and the PDF ------------------------------------------------------------------
def finding_url(finding) -> str | None:
    """The finding's page, when the findings pages are installed."""
    try:
        return reverse("findings:finding-detail", args=[finding.pk])
    except NoReverseMatch:
        return None


def findings_of(actor, inspection: Inspection) -> list:
    """The findings the inspection raised that the actor may see, each with its page's address."""
    findings = list(
        Finding.objects.visible_to(actor).filter(inspection=inspection).select_related("responsible_person", "item")
        .order_by("id")
    )
    for finding in findings:
        finding.url = finding_url(finding)
    return findings


def comparison(inspection: Inspection, sheet: list[SectionSheet]) -> list[dict]:
    """For a follow-up: each carried item's original answer beside the new one."""
    originals = {
        a.item_id: a for a in Answer.objects.filter(inspection_id=inspection.follow_up_of_id, is_current=True)
        .select_related("item").prefetch_related("attachments")
    }
    pairs = []
    for row in _rows(sheet):
        original = originals.get(row.item.pk)
        before = Row(row.item, original, list(original.attachments.all()) if original else [])
        pairs.append({"item": row.item, "before": before, "after": row})
    return pairs


def detail_context(actor, inspection: Inspection) -> dict:
    """What the detail page and the PDF show: the score by section, every answer, the verdict against
    the pass mark of the day, the findings and (for a follow-up) the comparison."""
    sheet = build_sheet(inspection)
    label, badge = verdict(inspection)
    context = {
        "inspection": inspection,
        "sheet": sheet,
        "failed_count": sum(section.failed_count for section in sheet),
        "verdict_label": label,
        "verdict_badge": badge,
        "status_badge": INSPECTION_STATUS_BADGES.get(inspection.status, ""),
        "findings": findings_of(actor, inspection),
        "figures": list((inspection.figures or {}).items()),
        "pass_mark": number(_policy(inspection).inspections.pass_mark),
    }
    if inspection.follow_up_of_id:
        context["comparison"] = comparison(inspection, sheet)
    return context


# --- many inspections ------------------------------------------------------------------------
def region_names(organization_id: int, units) -> dict[int, str]:
    """unit id -> the name of the region it lies in ("" outside any), for any number of units in at
    most one query (none without units)."""
    units = list(units)
    if not units:
        return {}
    regions = Regions(organization_id)
    found = {}
    for unit in units:
        region = regions.of(unit)
        found[unit.pk] = region.name if region is not None else ""
    return found


def mark(inspections) -> None:
    """Give each inspection its status badge and verdict (label and badge) for a list."""
    for inspection in inspections:
        inspection.badge = INSPECTION_STATUS_BADGES.get(inspection.status, "")
        inspection.verdict_label, inspection.verdict_badge = verdict(inspection)


def mark_list_rows(actor, rows: list[Inspection]) -> None:
    """A page of the list: badges, verdicts and each store's region name."""
    regions = region_names(actor.organization_id, {row.unit for row in rows})
    for row in rows:
        row.region_name = regions.get(row.unit_id, "")
    mark(rows)


def planned_visits(actor) -> list:
    """The actor's planned visits up to a week ahead (overdue ones included), to start from."""
    if not can_inspect(actor):
        return []
    from dudao.planning.choices import PlanStatus, VisitStatus
    from dudao.planning.models import Visit

    horizon = timezone.localdate() + dt.timedelta(days=7)
    return list(
        Visit.objects.visible_to(actor)
        .filter(supervisor=actor, status=VisitStatus.PLANNED, date__lte=horizon, plan__status=PlanStatus.PUBLISHED)
        .select_related("unit", "template").order_by("date", "id")[:20]
    )


def my_work_context(actor) -> dict:
    """The phone start page: drafts to continue, inspections waiting for the manager's signature,
    planned visits and the latest finished inspections the actor made or must sign."""
    visible = Inspection.objects.visible_to(actor).select_related("unit", "template", "inspector")
    in_progress = list(visible.filter(inspector=actor, status=InspectionStatus.DRAFT).order_by("-created_at")[:20])
    to_sign = []
    recent_filter = Q(inspector=actor)
    if actor.has_role(Role.UNIT_MANAGER):
        mine_to_sign = Inspection.objects.visible_to(actor, "acknowledge")
        to_sign = list(
            visible.filter(pk__in=mine_to_sign.values("pk"), status=InspectionStatus.SUBMITTED)
            .exclude(inspector=actor).order_by("-submitted_at", "-id")[:20]
        )
        recent_filter |= Q(pk__in=mine_to_sign.values("pk"))
    recent = list(
        visible.filter(recent_filter).exclude(status=InspectionStatus.DRAFT).order_by("-submitted_at", "-id")[:RECENT]
    )
    mark((*in_progress, *to_sign, *recent))
    return {
        "in_progress": in_progress,
        "to_sign": to_sign,
        "recent": recent,
        "visits": planned_visits(actor),
        "can_inspect": can_inspect(actor),
    }
