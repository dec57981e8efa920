"""`{% policy_value "findings.due_days.high" %}`: a number the policy decides, read from the policy in
force and marked with where it comes from (tests check every marked value against `policy_for`)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


def resolve(policy, path: str):
    """The value at a dotted path of the policy (integer parts index a list); an unknown key fails."""
    value = policy
    for part in path.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


@register.simple_tag(takes_context=True)
def policy_value(context, *parts) -> str:
    path = ".".join(str(part) for part in parts)
    value = resolve(context["policy"], path)
    label = getattr(value, "label", value)
    return format_html('<span class="policy-value" data-policy="{}">{}</span>', path, label)
