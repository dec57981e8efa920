"""Every policy key has a Chinese label, so the policy page never shows a bare field name."""

from __future__ import annotations

import typing

from dudao.policies import schema
from dudao.policies.display import LABELS, policy_sections
from dudao.policies.registry import load_pack


def _models(model: type, seen: set) -> None:
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        for candidate in _types(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, schema.PolicyModel):
                _models(candidate, seen)


def _types(annotation) -> list:
    found = [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_types(arg))
    return found


def test_every_schema_field_has_a_label():
    seen: set = set()
    _models(schema.Policy, seen)
    missing = [f"{model.__name__}.{name}" for model in seen for name in model.model_fields
               if f"{model.__name__}.{name}" not in LABELS]
    assert missing == []
    assert len(seen) > 20


def test_sections_show_values_in_words_and_mark_overrides():
    defaults = load_pack("utility_plant")
    changed = defaults.model_copy(update={"inspections": defaults.inspections.model_copy(update={"pass_mark": 85})})
    sections = {s.key: s for s in policy_sections(changed, defaults)}
    assert list(sections) == list(schema.AREAS)
    rows = {row.key: row for section in sections.values() for row in section.rows}
    assert rows["inspections.pass_mark"].lines == ["85"] and rows["inspections.pass_mark"].overridden
    assert not rows["findings.repeat_window_days"].overridden
    assert rows["findings.due_days.critical"].label == "整改期限(天) · 严重"
    assert rows["approvals.routes.purchase"].lines[2] == "金额上限:不限;审批:部门负责人 → 运营经理 → 总经理"
    assert rows["discipline.fines.absence_deducts_day_pay"].lines == ["是"]
    assert rows["approvals.routes.purchase"].lines[0] == "金额上限:200;审批:部门负责人"
    assert rows["organization.site_kind"].lines == ["厂站"]
    assert rows["appraisal.bonus_bands"].lines[1] == "起始分:75;系数:1;乘以得分/100:是"
