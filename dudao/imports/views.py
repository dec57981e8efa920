"""Pages of imports: history, upload, column mapping, result (errors or preview), apply."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dudao.core.attachments import read_upload
from dudao.core.errors import ApplicationError
from dudao.core.views import form_error, get_for_actor, page, render_page, require

from . import selectors, services
from .choices import ONBOARDING, STATUS_BADGES, RowAction
from .forms import ImportUploadForm, MappingForm
from .models import ImportRun
from .permissions import can_apply_run, can_run_imports
from .registry import kind_for, normalise_header, registered_kinds
from .tables import auto_mapping
from .workflow import IMPORT_RUN


@page
def run_list(request):
    actor = request.user
    require(can_run_imports(actor))
    runs = Paginator(selectors.import_runs(actor), 30).get_page(request.GET.get("page"))
    return render(request, "imports/run_list.html", {"page_obj": runs, "badges": STATUS_BADGES})


@page
def run_new(request):
    actor = request.user
    require(can_run_imports(actor))
    kinds = selectors.kind_choices(actor)
    initial_kind = request.GET.get("kind") if request.GET.get("kind") in dict(kinds) else (
        ONBOARDING if ONBOARDING in dict(kinds) else kinds[0][0])
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds,
                            initial={"kind": initial_kind, "dry_run": True})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.import_run_create(
                actor=actor, kind=form.cleaned_data["kind"], content=read_upload(upload), filename=upload.name,
                dry_run=form.cleaned_data["dry_run"], detect_onboarding=True,
            )
            if services.import_run_needs_mapping(run):
                return redirect("imports:run-mapping", run.pk)
            run = services.import_run_start(actor=actor, run=run)
            return redirect(run)
        except ApplicationError as exc:
            form_error(form, exc)
    return render(request, "imports/run_new.html", {"form": form, "kinds": kinds})


@page
def run_mapping(request, run_id: int):
    actor = request.user
    run = get_for_actor(selectors.runs_for(actor), actor, run_id, action="run")
    require(IMPORT_RUN.editable(run) and run.kind != ONBOARDING)
    kind = kind_for(run.kind)
    parts = services.kind_sheets(run.kind, services._read(run))
    headers = parts[0][1].headers
    initial = {**auto_mapping(kind, headers), **run.mapping}
    form = MappingForm(request.POST or None, kind=kind, headers=headers, initial_mapping=initial)
    if request.method == "POST" and form.is_valid():
        run = services.import_run_map(actor=actor, run=run, mapping=form.mapping())
        problems = services.header_problems(run, parts)
        if not problems:
            run = services.import_run_start(actor=actor, run=run)
            return redirect(run)
        for problem in problems:
            form.add_error(None, problem["message"])
    return render(request, "imports/run_mapping.html", {"run": run, "form": form, "kind": kind})


def _labels() -> dict[str, str]:
    return {f"{k.code}.{f.code}": str(f.label) for k in registered_kinds() for f in k.fields}


@page
def run_detail(request, run_id: int):
    actor = request.user
    run = get_for_actor(selectors.runs_for(actor).select_related("created_by", "source"), actor, run_id)
    labels = _labels()
    changes = []
    for change in run.changes:
        if change["action"] == RowAction.UNCHANGED and len(run.changes) > 200:
            continue
        fields = [
            {"label": labels.get(f"{change['kind']}.{code}", code), "before": before, "after": after}
            for code, (before, after) in change["changes"].items()
        ]
        changes.append({**change, "fields": fields, "action_label": RowAction(change["action"]).label})
    errors = [{**error, "label": labels.get(f"{_error_kind(run, error)}.{error['field']}", error["field"])}
              for error in run.errors]
    context = {
        "run": run, "changes": changes, "errors": errors, "badges": STATUS_BADGES,
        "kind_label": run.kind_label,
        "can_apply": can_apply_run(actor, run) and bool(run.created or run.updated),
        "nothing_to_apply": run.dry_run and run.status == "validated" and not (run.created or run.updated),
        "applications": list(run.applications.all()),
        "unchanged": sum(1 for c in run.changes if c["action"] == RowAction.UNCHANGED),
        "needs_mapping": run.status == "pending" and run.kind != ONBOARDING,
    }
    if request.htmx and run.is_finished:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = run.get_absolute_url()
        return response
    return render_page(request, "imports/run_detail.html", context, partial="imports/partials/_progress.html")


def _error_kind(run: ImportRun, error: dict) -> str:
    if run.kind != ONBOARDING:
        return run.kind
    sheet = normalise_header(error.get("sheet", ""))
    units = kind_for("units")
    return "units" if sheet in {normalise_header(n) for n in units.sheet_names} else "people"


@page
@require_POST
def run_apply(request, run_id: int):
    actor = request.user
    run = get_for_actor(selectors.runs_for(actor), actor, run_id, action="run")
    applied = services.import_run_apply(actor=actor, run=run)
    applied = services.import_run_start(actor=actor, run=applied)
    return redirect(applied)
