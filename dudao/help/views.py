"""The user guide pages: mine (one section per role I hold) and any role's."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from dudao.core.views import page, require
from dudao.org.choices import Role
from dudao.policies.registry import policy_for

from .guides import all_guides, guide_for, guides_of
from .permissions import can_read_guide


def _context(actor, shown) -> dict:
    shown_roles = {g.role for g in shown}
    return {
        "guides": shown,
        "others": [g for g in all_guides() if g.role not in shown_roles],
        "policy": policy_for(actor.organization),
    }


@page
def index(request):
    """The guide of each role the signed-in person holds, the other roles' guides listed."""
    actor = request.user
    require(can_read_guide(actor))
    mine = guides_of(actor)
    return render(request, "help/index.html", {**_context(actor, mine), "mine": True})


@page
def role_guide(request, role: str):
    actor = request.user
    require(can_read_guide(actor))
    if role not in Role.values:
        raise Http404
    return render(request, "help/index.html", {**_context(actor, [guide_for(role)]), "mine": False})
