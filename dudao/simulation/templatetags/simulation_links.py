"""The "simulate before saving" step the policy editor offers (policies sit below simulation)."""

from __future__ import annotations

import json

from django import template

from ..permissions import can_simulate_policy

register = template.Library()


@register.inclusion_tag("simulation/partials/_simulate_button.html", takes_context=True)
def simulate_button(context, overrides):
    """A button posting `overrides` (a draft's complete set) to the simulation page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": can_simulate_policy(user), "overrides": json.dumps(overrides or {}, ensure_ascii=False),
            "csrf_token": context.get("csrf_token")}
