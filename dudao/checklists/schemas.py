from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

# Kind and severity are plain strings here: an unknown value is refused by the template validation,
# which names the item code, rather than by the request parser, which could not.
Number = int | float


class OptionIn(Schema):
    label: str = ""
    points: Decimal | None = None
    fails: bool = False


class ItemIn(Schema):
    code: str = ""
    text: str = ""
    guidance: str = ""
    kind: str = "check"
    points: Decimal | None = None
    pass_points: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    options: list[OptionIn] = Field(default_factory=list)
    severity: str = "medium"
    critical: bool = False
    photo_required: bool = False
    category: str = ""


class SectionIn(Schema):
    title: str = ""
    items: list[ItemIn] = Field(default_factory=list)


class TemplateIn(Schema):
    name: str
    description: str = ""
    sections: list[SectionIn] = Field(default_factory=list)


class TemplatePut(Schema):
    name: str | None = None
    description: str | None = None
    sections: list[SectionIn] | None = None


class OptionOut(Schema):
    label: str
    points: Number
    fails: bool


class ItemOut(Schema):
    id: int
    code: str
    text: str
    guidance: str
    kind: str
    points: Number
    pass_points: Number | None
    min: Number | None
    max: Number | None
    options: list[OptionOut]
    severity: str
    critical: bool
    photo_required: bool
    category: str


class SectionOut(Schema):
    id: int
    title: str
    position: int
    items: list[ItemOut]


class TemplateOut(Schema):
    id: int
    lineage: str
    version: int
    status: str
    name: str
    description: str
    created_at: dt.datetime
    created_by_id: int
    published_at: dt.datetime | None
    published_by_id: int | None
    item_count: int
    sections: list[SectionOut]


class TemplateListOut(Schema):
    id: int
    lineage: str
    version: int
    status: str
    name: str
    description: str
    item_count: int
    created_at: dt.datetime
    published_at: dt.datetime | None

    @staticmethod
    def resolve_lineage(obj) -> str:
        return str(obj.lineage)
