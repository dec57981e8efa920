"""Reads of imports: the run history (the kinds each person may import), templates and exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import require_permission, validation_error

from .choices import ONBOARDING, ONBOARDING_KINDS
from .models import ImportRun
from .permissions import can_export, can_import_kind, importable_kinds
from .registry import ImportKind, kind_for, registered_kinds
from .services import check_kind
from .tables import workbook_bytes


@dataclass
class Download:
    content: bytes
    name: str
    fallback: str


def runs_for(actor):
    """The runs of the kinds `actor` may import (pass to `visible_to` / `get_for_actor`)."""
    return ImportRun.objects.filter(kind__in=importable_kinds(actor))


def import_runs(actor, *, kind: str | None = None):
    runs = runs_for(actor).visible_to(actor).select_related("created_by").order_by("-created_at", "-id")
    if kind:
        runs = runs.filter(kind=kind)
    return runs


def kind_choices(actor) -> list[tuple[str, str]]:
    """(code, label) of every kind the actor may import now, onboarding last."""
    labels = {k.code: str(k.label) for k in registered_kinds()} | {ONBOARDING: _("开业导入（机构+人员）")}
    return [(code, labels[code]) for code in importable_kinds(actor)]


def _kinds(kind: str) -> list[ImportKind]:
    check_kind(kind)
    return [kind_for(code) for code in ONBOARDING_KINDS] if kind == ONBOARDING else [kind_for(kind)]


def template_workbook(actor, kind: str) -> Download:
    require_permission(bool(importable_kinds(actor)))
    kinds = _kinds(kind)
    require_permission(can_import_kind(actor, kind))
    label = _("开业导入") if kind == ONBOARDING else str(kinds[0].label)
    content = workbook_bytes(kinds, onboarding=kind == ONBOARDING)
    return Download(content, _("%(label)s导入模板.xlsx") % {"label": label}, f"{kind}-template.xlsx")


def export_workbook(actor, kind: str) -> Download:
    """Units or people (or both, `onboarding`) exactly as an import reads them."""
    require_permission(can_export(actor))
    kinds = _kinds(kind)
    rows = {k.code: k.export_rows(actor.organization) for k in kinds}
    if any(value is None for value in rows.values()):
        raise validation_error("kind", _("此类型不能导出"))
    content = workbook_bytes(kinds, rows, onboarding=kind == ONBOARDING)
    stamp = timezone.localdate().isoformat()
    label = _("开业导入") if kind == ONBOARDING else str(kinds[0].label)
    return Download(content, f"{label}-{stamp}.xlsx", f"{kind}-{stamp}.xlsx")
