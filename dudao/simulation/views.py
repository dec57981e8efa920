"""The simulation page: pick a period, edit the draft overrides (or arrive from the policy editor
with its draft), read what would change, download it, and (admins) save the draft as a version
from the first day of next month."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.analytics.exports import workbook_bytes
from dudao.core.errors import ApplicationError
from dudao.core.periods import add_months, month_period, month_start
from dudao.core.spreadsheets import XLSX_CONTENT_TYPE
from dudao.core.views import form_error, page, render_page, require
from dudao.policies import services as policy_services
from dudao.policies.forms import first_of_next_month
from dudao.policies.permissions import can_edit_policy
from dudao.policies.registry import version_in_force

from .forms import SaveForm, SimulationForm
from .permissions import can_simulate_policy
from .replay import simulate as replay
from .tables import changes_table, page_tables


def _last_month(today: dt.date):
    return month_period(add_months(month_start(today), -1))


def _posted(request) -> dict:
    """The POST with the period defaulted (the policy editor posts only its draft)."""
    data = request.POST.copy()
    period = _last_month(timezone.localdate())
    data.setdefault("date_from", period.start.isoformat())
    data.setdefault("date_to", period.end.isoformat())
    return data


def _run(request, form: SimulationForm) -> dict | None:
    if not form.is_valid():
        return None
    try:
        return replay(actor=request.user, overrides=form.draft_overrides(),
                      date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
    except ApplicationError as exc:
        fields = (exc.detail or {}).get("fields") if isinstance(exc.detail, dict) else None
        if fields and not set(fields) <= {"date_from", "date_to", "from", "to", "overrides"}:
            # Keys of the policy document: shown against the overrides, each named.
            form.add_error("overrides", [f"{key}: {message}" for key, problems in fields.items() for message in problems])
        else:
            if fields:
                renamed = {{"from": "date_from", "to": "date_to"}.get(k, k): v for k, v in fields.items()}
                exc = ApplicationError(exc.code, exc.message, {"fields": renamed})
            form_error(form, exc)
        return None


@page
def simulate(request):
    """GET: the form with last month and the overrides in force today. POST: the result."""
    actor = request.user
    require(can_simulate_policy(actor))
    today = timezone.localdate()
    result = None
    status = 200
    if request.method == "POST":
        form = SimulationForm(_posted(request))
        result = _run(request, form)
        if result is None:
            status = 422
    else:
        version = version_in_force(actor.organization_id, today)
        period = _last_month(today)
        form = SimulationForm(initial={
            "date_from": period.start, "date_to": period.end,
            "overrides": json.dumps(version.overrides if version else {}, ensure_ascii=False, indent=2),
        })
    context = {"form": form, "result": result, "can_save": can_edit_policy(actor, actor.organization)}
    if result is not None:
        context.update(page_tables(result))
        context["draft_json"] = json.dumps(form.draft_overrides(), ensure_ascii=False)
        context["save_form"] = SaveForm(initial={"overrides": context["draft_json"],
                                                 "effective_from": first_of_next_month(today)})
    return render_page(request, "simulation/simulate.html", context, status=status)


@page
def export(request):
    """The same POST as the page -> every change as an .xlsx file."""
    actor = request.user
    require(can_simulate_policy(actor) and request.method == "POST")
    form = SimulationForm(_posted(request))
    result = _run(request, form)
    if result is None:
        return render_page(request, "simulation/simulate.html", {"form": form, "result": None}, status=422)
    period = result["summary"]["period"]
    subtitle = f"{actor.organization.name} · {period['from']} – {period['to']}"
    response = HttpResponse(workbook_bytes(changes_table(result), subtitle), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="simulation-{period["from"]}-{period["to"]}.xlsx"'
    return response


@page
def save(request):
    """Save the simulated draft as the organisation's version from `effective_from` (admins and ops managers, who govern the policy):
    the normal policy version save, with its validation and audit."""
    actor = request.user
    require(can_edit_policy(actor, actor.organization) and request.method == "POST")
    form = SaveForm(request.POST)
    if form.is_valid():
        try:
            version = policy_services.policy_version_create(
                actor=actor, organization=actor.organization, effective_from=form.cleaned_data["effective_from"],
                overrides=form.cleaned_data["overrides"], note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存制度版本,自 %(date)s 起生效") % {
                "date": version.effective_from.isoformat()})
            return redirect(f"{reverse('policies:detail')}#versions")
    else:
        messages.error(request, "; ".join(f"{k}: {m}" for k, ms in form.errors.items() for m in ms))
    return redirect("simulation:simulate")
