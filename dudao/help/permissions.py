"""Who may read the user guide: everyone signed in, whatever their roles (a guide is no secret)."""

from __future__ import annotations


def can_read_guide(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)
