"""Request and response bodies of `/api/v1/policy` (DESIGN.md section 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class PolicyQuery(Schema):
    on: dt.date | None = None


class VersionOut(Schema):
    effective_from: dt.date
    overrides: dict[str, Any]
    note: str
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PolicyOut(Schema):
    pack: str
    on: dt.date
    effective_from: dt.date | None  # of the version in force; null when the pack's defaults apply
    document: dict[str, Any]
    versions: list[VersionOut]


class VersionIn(Schema):
    effective_from: dt.date
    overrides: dict[str, Any]
    note: str = ""
