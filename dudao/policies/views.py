"""The policy page (values in force beside the pack's, versions with what each changed) and the
area editor: typed fields, a diff to confirm, then a new dated version."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError
from dudao.core.views import page, render_page, require

from . import editing, services
from .display import label_for, policy_sections
from .forms import VersionForm, first_of_next_month, next_monday, tomorrow
from .models import PolicyVersion
from .permissions import can_edit_policy, can_view_policy
from .registry import effective_document, load_pack, policy_for, version_in_force
from .schema import AREAS, Policy


def _on_date(raw: str | None, default: dt.date) -> tuple[dt.date, str]:
    if not raw:
        return default, ""
    try:
        return dt.date.fromisoformat(raw), ""
    except ValueError:
        return default, _("日期格式应为 YYYY-MM-DD,已显示 %(date)s 生效的制度") % {"date": default.isoformat()}


def version_history(organization, versions: list[PolicyVersion], today: dt.date) -> list[dict]:
    """Each version (newest first) with its state and the keys it changed against the one before."""
    pack = organization.policy_pack
    defaults = load_pack(pack)
    history = []
    previous: Policy = defaults
    in_force_today = None
    for version in sorted(versions, key=lambda v: v.effective_from):
        if version.effective_from <= today:
            in_force_today = version.pk
        try:
            policy = effective_document(pack, version.overrides)
        except ApplicationError:
            policy = previous  # a version the schema no longer accepts changes nothing it can show
        history.append({"version": version, "changes": editing.policy_changes(previous, policy, defaults)})
        previous = policy
    for item in history:
        version = item["version"]
        item["state"] = ("future" if version.effective_from > today
                         else "current" if version.pk == in_force_today else "past")
    return list(reversed(history))


@page
def detail(request):
    actor = request.user
    require(can_view_policy(actor))
    organization = actor.organization
    today = timezone.localdate()
    on, on_error = _on_date(request.GET.get("on"), today)
    versions = list(
        PolicyVersion.objects.visible_to(actor).select_related("created_by").order_by("-effective_from")
    )
    context = {
        "organization": organization,
        "pack": organization.policy_pack,
        "on": on,
        "on_error": on_error,
        "today": today,
        "in_force": next((v for v in versions if v.effective_from <= on), None),
        "sections": policy_sections(policy_for(organization, on), load_pack(organization.policy_pack)),
        "versions": version_history(organization, versions, today),
        "can_edit": can_edit_policy(actor, organization),
    }
    return render_page(request, "policies/detail.html", context)


def _area_or_404(area: str) -> str:
    if area not in AREAS:
        raise Http404
    return area


@page
def edit(request, area: str):
    """GET: the area's fields as they will be in force on `?on=` (default tomorrow). POST: the diff
    against that policy ("预览变更"), and with `confirm` the new version ("确认保存")."""
    actor = request.user
    organization = actor.organization
    require(can_edit_policy(actor, organization))
    area = _area_or_404(area)
    pack = organization.policy_pack
    defaults = load_pack(pack)
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    on, on_error = _on_date(source.get("effective_from") or source.get("on"), tomorrow())
    version_form = VersionForm(
        request.POST if request.method == "POST" else None,
        initial={"effective_from": on, "note": ""},
    )
    if on < today:
        on_error = on_error or _("生效日期不能早于今天(已作出的判定不能追溯修改)")
    in_force = policy_for(organization, on)
    base_version = version_in_force(organization, on)
    overrides = base_version.overrides if base_version is not None else {}
    values = editing.plain(getattr(in_force, area))
    errors: dict[str, list[str]] = {}
    proposal = None
    status = 200

    if request.method == "POST" and not on_error and version_form.is_valid():
        proposal = editing.propose(pack=pack, area=area, post=request.POST, in_force=in_force, overrides=overrides)
        values, errors = proposal.values, proposal.errors
        if not errors and proposal.changes and "confirm" in request.POST:
            try:
                version = services.policy_version_create(
                    actor=actor, organization=organization, effective_from=on,
                    overrides=proposal.overrides, note=version_form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                for key, problems in ((exc.detail or {}).get("fields") or {"": [exc.message]}).items():
                    errors.setdefault(key, []).extend(problems)
            else:
                messages.success(request, _("已保存制度版本,自 %(date)s 起生效") % {
                    "date": version.effective_from.isoformat()})
                return redirect(f"{reverse('policies:detail')}#versions")
        if errors:
            status = 422
        elif not proposal.changes:
            messages.info(request, _("没有任何改动,未保存新版本。"))
        elif "back" not in request.POST:
            return render_page(request, "policies/diff.html", {
                "area": area, "area_label": label_for(Policy, area), "on": on, "proposal": proposal,
                "post": _posted_fields(request.POST), "version_form": version_form, "base_version": base_version,
                "later_versions": PolicyVersion.objects.filter(
                    organization_id=organization.pk, effective_from__gt=on).order_by("effective_from"),
            })
    elif request.method == "POST":
        status = 422

    fields = editing.form_fields(area, values, in_force, defaults, errors)
    shown_keys = {f.key for f in fields}
    other_errors = [f"{key}: {message}" for key, problems in errors.items()
                    if not any(key == k or key.startswith(f"{k}.") for k in shown_keys)
                    for message in problems]
    context = {
        "area": area,
        "area_label": label_for(Policy, area),
        "areas": [(key, label_for(Policy, key)) for key in AREAS],
        "fields": fields,
        "other_errors": other_errors,
        "on": on,
        "on_error": on_error,
        "today": today,
        "quick_dates": [(_("明天"), tomorrow()), (_("下周一"), next_monday(today)),
                        (_("下月1日"), first_of_next_month(today))],
        "base_version": base_version,
        "version_form": version_form,
        "row_mark": editing.ROW_MARK,
    }
    return render_page(request, "policies/edit.html", context, status=status)


def _posted_fields(post) -> list[tuple[str, str]]:
    """The posted area, to post again from the diff page (to confirm, or to go back and edit)."""
    skip = {"csrfmiddlewaretoken", "confirm", "back", "preview"}
    return [(name, value) for name in post for value in post.getlist(name) if name not in skip]
