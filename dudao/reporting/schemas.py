from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from .choices import SECTION_KEYS


class ReportIn(Schema):
    """One of: `inspection_id`; `plan_id`; or `period_start`, `period_end` and `scope_unit_id`."""

    inspection_id: int | None = None
    plan_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    scope_unit_id: int | None = None
    title: str = Field("", max_length=200)


class ReportUpdateIn(Schema):
    """Edits a draft: the title and any of the sections (execution, highlights, problems, analysis,
    recommendations, rectification); sections not named keep their text."""

    title: str | None = Field(None, max_length=200)
    sections: dict[str, str] | None = None


class ReportOut(Schema):
    id: int
    title: str
    source: str
    status: str
    status_label: str
    inspection_id: int | None
    plan_id: int | None
    scope_unit_id: int
    scope_unit_name: str
    period_start: dt.date
    period_end: dt.date
    approval_id: int | None
    created_by_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_scope_unit_name(obj) -> str:
        return obj.scope_unit.name


class ReportDetailOut(ReportOut):
    sections: dict[str, str]
    data: dict[str, Any]
    unit_ids: list[int]

    @staticmethod
    def resolve_sections(obj) -> dict[str, str]:
        return {key: (obj.sections or {}).get(key, "") for key in SECTION_KEYS}

    @staticmethod
    def resolve_unit_ids(obj) -> list[int]:
        return sorted(obj.units.values_list("pk", flat=True))


class BulletinIn(Schema):
    period_start: dt.date
    period_end: dt.date
    scope_unit_id: int


class BulletinOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    origin: str
    scope_unit_id: int
    scope_unit_name: str
    period_start: dt.date
    period_end: dt.date
    compiled_at: dt.datetime
    published_at: dt.datetime | None
    summary: dict[str, Any]

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_scope_unit_name(obj) -> str:
        return obj.scope_unit.name

    @staticmethod
    def resolve_summary(obj) -> dict:
        return (obj.data or {}).get("summary", {})


class RankingOut(Schema):
    unit_id: int
    unit_name: str
    region: str
    score: float
    rank: int
    inspections: int


class CommonProblemOut(Schema):
    item_code: str
    text: str
    count: int
    failures: int


class BulletinDetailOut(BulletinOut):
    pass_mark: float
    ranking: list[RankingOut]
    common_problems: list[CommonProblemOut]
    overdue: list[dict[str, Any]]
    repeat: list[dict[str, Any]]
    good_practices: list[dict[str, Any]]
    not_inspected: list[dict[str, Any]]

    @staticmethod
    def resolve_pass_mark(obj) -> float:
        return (obj.data or {}).get("pass_mark", 0)

    @staticmethod
    def resolve_ranking(obj) -> list:
        return (obj.data or {}).get("ranking", [])

    @staticmethod
    def resolve_common_problems(obj) -> list:
        return (obj.data or {}).get("common_problems", [])

    @staticmethod
    def resolve_overdue(obj) -> list:
        return (obj.data or {}).get("overdue", [])

    @staticmethod
    def resolve_repeat(obj) -> list:
        return (obj.data or {}).get("repeat", [])

    @staticmethod
    def resolve_good_practices(obj) -> list:
        return (obj.data or {}).get("good_practices", [])

    @staticmethod
    def resolve_not_inspected(obj) -> list:
        return (obj.data or {}).get("not_inspected", [])


class BulletinReadOut(Schema):
    bulletin_id: int
    unit_ids: list[int]
    read_at: dt.datetime | None


class BulletinReadsOut(Schema):
    read: list[int]
    unread: list[int]
