from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ImportErrorOut(Schema):
    row: int
    field: str
    message: str
    sheet: str = ""


class ImportRunOut(Schema):
    id: int
    kind: str
    status: str
    dry_run: bool
    rows: int
    processed: int
    errors: list[ImportErrorOut]
    created: int
    updated: int
    changes: list[dict[str, Any]]
    original_name: str
    sha256: str
    source_id: int | None
    created_at: dt.datetime


class ImportRunListOut(Schema):
    id: int
    kind: str
    status: str
    dry_run: bool
    rows: int
    processed: int
    created: int
    updated: int
    original_name: str
    created_at: dt.datetime
    created_by_id: int


class ImportRowsIn(Schema):
    kind: str = Field(min_length=1, max_length=30)
    dry_run: bool = True
    mapping: dict[str, str] | None = None
    rows: list[dict[str, Any]] = Field(max_length=20000)
