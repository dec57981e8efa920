"""The import engine: keep the file, read it, plan every row, then write all of it or nothing.

A run is created from the uploaded bytes (`import_run_create`), then processed
(`import_run_start`): inline for a small file, in a huey job for one over IMPORTS_INLINE_MAX_ROWS,
which reports the rows checked so far in `processed` while the page polls. Processing plans every
row first without writing anything (the kinds look existing records up in bulk); any error fails
the run and nothing is written. A dry run stops there with its preview; otherwise every kind's
apply writes through its app's services in ONE transaction, units before people.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.attachments import clean_original_name, file_error
from dudao.core.audit import record_event
from dudao.core.errors import ApplicationError, ErrorCode, require_permission, validation_error

from .choices import CONTRACT_KINDS, ONBOARDING, ONBOARDING_KINDS
from .models import ImportRun
from .org_kinds import UNIT_CODES
from .permissions import can_apply_run, can_import_kind, can_run_imports, kind_importers
from .registry import ImportKind, PlanContext, RowFailure, kind_for, normalise_header, zh
from .tables import Sheet, check_headers, file_format, read_sheets, sheet_rows
from .workflow import IMPORT_RUN

AUDIT_FIELDS = ["kind", "status", "dry_run", "rows", "created", "updated"]
PROGRESS_EVERY = 100


def inline_max_rows() -> int:
    """Rows a request processes itself. Applying goes through the org services row by row (checks,
    audit, password hashing): 366 rows took about 30 s on a busy two-core machine, so anything
    longer than this goes to the job and the page shows its progress."""
    return getattr(settings, "IMPORTS_INLINE_MAX_ROWS", 100)


def inline_max_dry_run_rows() -> int:
    """A dry run only reads (bulk lookups, no per-row writes: 366 rows in half a second), so
    far longer files are checked while the admin waits."""
    return getattr(settings, "IMPORTS_INLINE_MAX_DRY_RUN_ROWS", 2000)


def check_kind(code: str) -> None:
    """Refuse (422 naming `kind`) a kind nobody has registered."""
    if code == ONBOARDING:
        return
    if kind_for(code) is None:
        if code in CONTRACT_KINDS:
            raise validation_error("kind", _("此类型的导入尚未开放（not available）：%(kind)s") % {"kind": code})
        raise validation_error("kind", _("未知的导入类型：%(kind)s") % {"kind": code})


def onboarding_sheets(sheets: list[Sheet]) -> list[tuple[ImportKind, Sheet]]:
    """The sheets of a workbook named for kinds (机构/units, 人员/people), units first."""
    found = []
    for code in ONBOARDING_KINDS:
        kind = kind_for(code)
        names = {normalise_header(n) for n in (*kind.sheet_names, zh(kind.label), kind.label_en, kind.code)}
        sheet = next((s for s in sheets if normalise_header(s.name) in names), None)
        if sheet is not None:
            found.append((kind, sheet))
    return found


def kind_sheets(kind_code: str, sheets: list[Sheet]) -> list[tuple[ImportKind, Sheet]]:
    """What to read for a run: the onboarding sheets, or the sheet named for the kind (else the first)."""
    if kind_code == ONBOARDING:
        found = onboarding_sheets(sheets)
        if not found:
            raise file_error(ErrorCode.VALIDATION, _("工作簿中没有名为“机构”或“人员”的工作表"))
        return found
    kind = kind_for(kind_code)
    if not sheets:
        raise file_error(ErrorCode.VALIDATION, _("文件中没有数据"))
    named = onboarding_sheets(sheets)
    sheet = next((s for k, s in named if k.code == kind_code), sheets[0])
    return [(kind, sheet)]


def is_onboarding_workbook(sheets: list[Sheet]) -> bool:
    return len(onboarding_sheets(sheets)) == len(ONBOARDING_KINDS)


def header_problems(run: ImportRun, parts) -> list[dict]:
    errors = []
    for kind, sheet in parts:
        check = check_headers(kind, sheet.headers, run.mapping)
        for header in check.unmatched:
            errors.append(_error(1, header, _("列“%(header)s”无法对应到任何字段") % {"header": header}, sheet))
        for header in check.duplicated:
            errors.append(_error(1, header, _("列“%(header)s”与另一列对应到同一字段") % {"header": header}, sheet))
        for f in check.missing:
            errors.append(_error(1, f.code, _("缺少必填列“%(label)s”") % {"label": f.label}, sheet))
    return errors


def _error(row: int, field: str, message, sheet: Sheet | str | None) -> dict:
    name = sheet.name if isinstance(sheet, Sheet) else (sheet or "")
    return {"row": row, "field": field, "message": str(message), "sheet": name}


# --- creating a run ------------------------------------------------------------------------------
@transaction.atomic
def import_run_create(*, actor, kind: str, content: bytes, filename: str, mapping: dict | None = None,
                      dry_run: bool = True, detect_onboarding: bool = False) -> ImportRun:
    """Keep the uploaded file (and its SHA-256) as a pending run; nothing else changes yet."""
    require_permission(can_run_imports(actor))
    check_kind(kind)
    require_permission(can_import_kind(actor, kind))
    if not content:
        raise file_error(ErrorCode.VALIDATION, _("文件为空"))
    if mapping is not None and (not isinstance(mapping, dict)
                                or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())):
        raise validation_error("mapping", _("列对应必须是 {\"列名\": \"字段\"} 形式的 JSON 对象"))
    sheets = read_sheets(content, filename)
    if detect_onboarding and is_onboarding_workbook(sheets):
        kind = ONBOARDING
        require_permission(can_import_kind(actor, kind))
    parts = kind_sheets(kind, sheets)
    run = ImportRun(
        organization_id=actor.organization_id, kind=kind, original_name=clean_original_name(filename),
        sha256=hashlib.sha256(content).hexdigest(), mapping=mapping or {}, dry_run=dry_run, created_by=actor,
        rows=sum(len(sheet.data_rows()) for _kind, sheet in parts),
    )
    run.file.save(f"{uuid.uuid4().hex}.{file_format(filename, content)}", ContentFile(content), save=False)
    run.save()
    record_event(actor=actor, action="import.create", obj=run,
                 after={"kind": kind, "file": run.original_name, "sha256": run.sha256, "dry_run": dry_run,
                        "rows": run.rows})
    return run


@transaction.atomic
def import_run_map(*, actor, run: ImportRun, mapping: dict[str, str]) -> ImportRun:
    """Set the column mapping of a run that has not been processed yet."""
    require_permission(can_import_kind(actor, run.kind) and run.organization_id == actor.organization_id)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    IMPORT_RUN.check_editable(run)
    before = run.mapping
    run.mapping = {str(k): str(v) for k, v in mapping.items()}
    run.save(update_fields=["mapping"])
    record_event(actor=actor, action="import.map", obj=run, before={"mapping": before}, after={"mapping": run.mapping})
    return run


def import_run_needs_mapping(run: ImportRun) -> bool:
    """Whether the run's headers leave a column or a required field unmatched."""
    if run.kind == ONBOARDING:
        return False
    parts = kind_sheets(run.kind, _read(run))
    return bool(header_problems(run, parts))


def _read(run: ImportRun) -> list[Sheet]:
    with run.file.open("rb") as handle:
        return read_sheets(handle.read(), run.original_name)


# --- processing ----------------------------------------------------------------------------------
def import_run_start(*, actor, run: ImportRun) -> ImportRun:
    """Process the run now (small files) or in a background job (long ones)."""
    require_permission(can_import_kind(actor, run.kind) and run.organization_id == actor.organization_id)
    if run.rows <= (inline_max_dry_run_rows() if run.dry_run else inline_max_rows()):
        return import_run_process(actor=actor, run=run)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        IMPORT_RUN.apply(run, "start", actor=actor, audit_fields=AUDIT_FIELDS)
        from .tasks import process_import

        run_id, actor_id = run.pk, actor.pk
        transaction.on_commit(lambda: process_import(run_id, actor_id))
    return run


def import_run_process(*, actor, run: ImportRun) -> ImportRun:
    """Plan every row (no writes); then fail, keep the dry run's preview, or apply all in one
    transaction. The run record is written in every case; the organisation only when all is well."""
    require_permission(can_import_kind(actor, run.kind) and run.organization_id == actor.organization_id)
    IMPORT_RUN.check(run, "apply")  # only a run not yet processed is processed
    in_job = run.status == "running"
    offset = 0

    def progress(done: int) -> None:
        if in_job and done % PROGRESS_EVERY == 0:
            ImportRun.objects.filter(pk=run.pk).update(processed=offset + done)

    context = PlanContext(organization_id=run.organization_id, actor=actor, progress=progress, shared={"run": run})
    try:
        parts = kind_sheets(run.kind, _read(run))
    except ApplicationError as exc:
        return _finish(run, "fail", actor, errors=[_error(1, "file", exc.message, "")])
    errors = header_problems(run, parts)
    if errors:
        return _finish(run, "fail", actor, errors=errors)
    planned = []
    for kind, sheet in parts:
        rows = sheet_rows(sheet, check_headers(kind, sheet.headers, run.mapping).mapping)
        context.roles = kind_importers(run.kind) & kind.importers  # the onboarding's: administrators
        plans = kind.plan(rows, context)
        offset += len(rows)
        if kind.code == "units":
            context.shared[UNIT_CODES] = {plan.key for plan in plans if plan.key}
        planned.append((kind, plans))
        errors += [_error(p.row.number, f, m, p.row.sheet) for p in plans for f, m in p.errors]
    if errors:
        return _finish(run, "fail", actor, errors=errors, processed=offset)
    changes = [
        {"sheet": p.row.sheet, "row": p.row.number, "kind": kind.code, "key": p.key, "action": p.action,
         "changes": p.changes}
        for kind, plans in planned for p in plans
    ]
    counts = [kind.count(plans) for kind, plans in planned]
    created, updated = sum(c for c, _u in counts), sum(u for _c, u in counts)
    if in_job:
        ImportRun.objects.filter(pk=run.pk).update(processed=offset)
    if run.dry_run:
        return _finish(run, "validate", actor, changes=changes, created=created, updated=updated, processed=offset)
    try:
        with transaction.atomic():
            for kind, plans in planned:
                kind.apply(plans, context)
            return _finish(run, "apply", actor, changes=changes, created=created, updated=updated, processed=offset)
    except RowFailure as failure:
        error = _error(failure.row.number, failure.field_code, failure.message, failure.row.sheet)
        return _finish(run, "fail", actor, errors=[error], processed=offset)


@transaction.atomic
def _finish(run: ImportRun, transition: str, actor, **changes) -> ImportRun:
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    changes["finished_at"] = timezone.now()
    if "processed" not in changes:
        changes["processed"] = run.rows if transition != "fail" else 0
    IMPORT_RUN.apply(run, transition, actor=actor, changes=changes, audit_fields=AUDIT_FIELDS,
                     extra={"errors": len(changes.get("errors", []))})
    return run


def import_run_crashed(*, actor, run: ImportRun) -> ImportRun:
    """Fail a run whose processing broke off unexpectedly (its transaction rolled back)."""
    return _finish(run, "fail", actor, errors=[_error(1, "file", _("处理时出错，没有写入任何数据；请重试或联系管理员"), "")])


# --- applying a dry run ------------------------------------------------------------------------
@transaction.atomic
def import_run_apply(*, actor, run: ImportRun) -> ImportRun:
    """Apply a validated dry run: a new run on the same stored file and mapping (no re-upload)."""
    require_permission(can_import_kind(actor, run.kind) and run.organization_id == actor.organization_id)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    IMPORT_RUN.check(run, "apply_dry_run")
    if not can_apply_run(actor, run):
        raise ApplicationError(ErrorCode.CONFLICT, _("此试运行已经导入过"))
    applied = ImportRun(
        organization_id=run.organization_id, kind=run.kind, file=run.file.name, original_name=run.original_name,
        sha256=run.sha256, mapping=run.mapping, dry_run=False, created_by=actor, rows=run.rows, source=run,
    )
    applied.save()
    IMPORT_RUN.apply(run, "apply_dry_run", actor=actor, audit_fields=AUDIT_FIELDS, extra={"applied_as": applied.pk})
    record_event(actor=actor, action="import.create", obj=applied,
                 after={"kind": run.kind, "file": run.original_name, "sha256": run.sha256, "dry_run": False,
                        "rows": run.rows, "source": run.pk})
    return applied
