"""Imports API (DESIGN.md section 5): upload a file or JSON rows, read runs, templates and exports."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from dudao.core.access import get_for_actor
from dudao.core.api import Pagination, actor_of
from dudao.core.attachments import disposition_header, read_upload
from dudao.core.errors import validation_error
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE

from . import selectors, services
from .models import ImportRun
from .schemas import ImportRowsIn, ImportRunListOut, ImportRunOut

router = Router(tags=["imports"])


def _mapping(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise validation_error("mapping", _("列对应不是有效的 JSON")) from exc


def _run_and_start(actor, **fields) -> ImportRun:
    run = services.import_run_create(actor=actor, **fields)
    return services.import_run_start(actor=actor, run=run)


@router.post("", response={201: ImportRunOut})
def import_upload(request, file: File[UploadedFile], kind: Form[str], mapping: Form[str] = "",
                  dry_run: Form[bool] = True):
    """Upload a .csv or .xlsx for `kind`; validated (dry run), applied, or failed with errors per row."""
    actor = actor_of(request)
    run = _run_and_start(actor, kind=kind, content=read_upload(file), filename=file.name or "upload",
                         mapping=_mapping(mapping), dry_run=dry_run)
    return Status(201, run)


@router.post("/rows", response={201: ImportRunOut})
def import_rows(request, payload: ImportRowsIn):
    """The same as an upload, for JSON feeds: the rows are kept as the run's file."""
    actor = actor_of(request)
    content = json.dumps(payload.rows, ensure_ascii=False, default=str).encode()
    run = _run_and_start(actor, kind=payload.kind, content=content, filename="rows.json",
                         mapping=payload.mapping, dry_run=payload.dry_run)
    return Status(201, run)


@router.get("", response=list[ImportRunListOut])
@paginate(Pagination)
def import_list(request, kind: str | None = None):
    return selectors.import_runs(actor_of(request), kind=kind)


def _xlsx(download: selectors.Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = disposition_header(download.name, download.fallback)
    return response


@router.get("/template", response={200: None})
def import_template(request, kind: str):
    """The xlsx template of `kind` (or `onboarding`: units and people): Chinese headers, a "说明" sheet."""
    return _xlsx(selectors.template_workbook(actor_of(request), kind))


@router.get("/export", response={200: None})
def import_export(request, kind: str):
    """The organisation's units or people in the import's own format (re-importing changes nothing)."""
    return _xlsx(selectors.export_workbook(actor_of(request), kind))


@router.get("/{run_id}", response=ImportRunOut)
def import_get(request, run_id: int):
    actor = actor_of(request)
    return get_for_actor(selectors.runs_for(actor), actor, run_id)


@router.post("/{run_id}/apply", response={201: ImportRunOut})
def import_apply(request, run_id: int):
    """Apply a validated dry run from its stored file: a new run, applied or failed."""
    actor = actor_of(request)
    run = get_for_actor(selectors.runs_for(actor), actor, run_id, action="run")
    applied = services.import_run_apply(actor=actor, run=run)
    return Status(201, services.import_run_start(actor=actor, run=applied))
