"""Demo rollups: the demo loaders write through the services, which mark what they change; a
rebuild at the end makes the monthly rollups whole whatever a loader wrote directly."""

from __future__ import annotations

from .rollups import rebuild


def load_demo(context) -> None:
    rebuild(context.organization.pk)
