"""The policy page: the values in force, the versions, and the form that sets new overrides."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError
from dudao.core.views import page, render_page, require

from . import services
from .display import policy_sections
from .forms import EXAMPLE_OVERRIDES, PolicyOverrideForm, overrides_text
from .models import PolicyVersion
from .permissions import can_edit_policy, can_view_policy
from .registry import load_pack, policy_for, version_in_force


def _on_date(raw: str | None) -> tuple[dt.date, str]:
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return today, _("日期格式应为 YYYY-MM-DD,已显示今天生效的制度")


def _refusal_onto_form(form: PolicyOverrideForm, exc: ApplicationError) -> None:
    """Form fields take their own errors; a policy key's error goes under the overrides, naming it."""
    fields = exc.detail.get("fields") if isinstance(exc.detail, dict) else None
    if not fields:
        form.add_error(None, exc.message)
        return
    for key, problems in fields.items():
        for problem in problems:
            if key in form.fields:
                form.add_error(key, problem)
            else:
                form.add_error("overrides", f"{key}: {problem}")


@page
def detail(request):
    actor = request.user
    require(can_view_policy(actor))
    organization = actor.organization
    today = timezone.localdate()
    on, on_error = _on_date(request.GET.get("on"))
    versions = list(
        PolicyVersion.objects.visible_to(actor).select_related("created_by").order_by("-effective_from")
    )

    if request.method == "POST":
        require(can_edit_policy(actor, organization))
        form = PolicyOverrideForm(request.POST)
        if form.is_valid():
            try:
                version = services.policy_version_create(
                    actor=actor, organization=organization, effective_from=form.cleaned_data["effective_from"],
                    overrides=form.cleaned_data["overrides"], note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                _refusal_onto_form(form, exc)
            else:
                messages.success(
                    request, _("已保存制度版本,自 %(date)s 起生效") % {"date": version.effective_from.isoformat()}
                )
                return redirect(reverse("policies:detail"))
    else:
        latest = versions[0].overrides if versions else EXAMPLE_OVERRIDES
        form = PolicyOverrideForm(initial={"effective_from": today, "overrides": overrides_text(latest)})

    in_force = version_in_force(organization, on)
    in_force_today = version_in_force(organization, today)
    context = {
        "organization": organization,
        "pack": organization.policy_pack,
        "on": on,
        "on_error": on_error,
        "today": today,
        "in_force": in_force,
        "sections": policy_sections(policy_for(organization, on), load_pack(organization.policy_pack)),
        "versions": [
            {
                "version": version,
                "overrides": overrides_text(version.overrides),
                "state": (
                    "future" if version.effective_from > today
                    else "current" if in_force_today is not None and version.pk == in_force_today.pk
                    else "past"
                ),
            }
            for version in versions
        ],
        "form": form,
        "can_edit": can_edit_policy(actor, organization),
    }
    return render_page(request, "policies/detail.html", context, status=422 if form.errors else 200)
