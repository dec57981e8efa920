"""Scoped reads of reports and bulletins: lists, one object, who has read a bulletin."""

from __future__ import annotations

from django.db.models import F

from .models import Bulletin, BulletinRead, Report


def reports_for(actor, *, status: str = "", source: str = ""):
    reports = Report.objects.visible_to(actor).select_related("scope_unit", "created_by")
    if status:
        reports = reports.filter(status=status)
    if source:
        reports = reports.filter(source=source)
    return reports.order_by("-created_at", "-id")


def bulletins_for(actor, *, status: str = ""):
    bulletins = Bulletin.objects.visible_to(actor).select_related("scope_unit")
    if status:
        bulletins = bulletins.filter(status=status)
    return bulletins.order_by("-period_start", "-id")


def bulletin_reads(bulletin: Bulletin) -> dict[str, list[int]]:
    """The units that have read the bulletin and those that have not, each by unit path."""
    read, unread = [], []
    for unit_id, read_at in BulletinRead.objects.filter(bulletin=bulletin).order_by("unit__path").values_list(
        "unit_id", "read_at"
    ):
        (read if read_at else unread).append(unit_id)
    return {"read": read, "unread": unread}


def bulletin_receipts(bulletin: Bulletin) -> list[BulletinRead]:
    """Every unit's receipt with the unit, its parent and who read it, unread first."""
    return list(
        BulletinRead.objects.filter(bulletin=bulletin)
        .select_related("unit__parent", "read_by")
        .order_by(F("read_at").desc(nulls_first=True), "unit__path")
    )
