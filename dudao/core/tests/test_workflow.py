"""The one transition-table shape: predicate, guard, refusal wording, editable states, table checks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import models

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.workflow import Transition, Workflow


class Light(models.TextChoices):
    RED = "red", "红灯"
    GREEN = "green", "绿灯"
    OFF = "off", "熄灭"


LIGHT = Workflow(
    subject="信号灯", choices=Light, event_prefix="light", editable_states=[Light.RED],
    transitions=[
        Transition("go", {Light.RED}, Light.GREEN, label="放行"),
        Transition("stop", {Light.GREEN}, Light.RED, label="停止", refusal="只有绿灯可以%(action)s"),
        Transition("switch_off", {Light.RED, Light.GREEN}, Light.OFF, label="关闭"),
    ],
)


def test_allowed_and_available_follow_the_table():
    red = SimpleNamespace(status="red")
    assert LIGHT.allowed(red, "go") and not LIGHT.allowed(red, "stop")
    assert [t.name for t in LIGHT.available(red)] == ["go", "switch_off"]
    assert LIGHT.available(SimpleNamespace(status="off")) == []


def test_check_returns_the_transition_or_refuses_naming_the_state():
    assert LIGHT.check(SimpleNamespace(status="green"), "switch_off").target == Light.OFF
    with pytest.raises(ApplicationError) as refused:
        LIGHT.check(SimpleNamespace(status="off"), "go")
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert refused.value.message == "信号灯当前状态为“熄灭”,不能放行"
    assert refused.value.detail == {"status": "off", "action": "go"}


def test_a_transition_may_refuse_in_its_own_words():
    with pytest.raises(ApplicationError) as refused:
        LIGHT.check(SimpleNamespace(status="red"), "stop")
    assert refused.value.message == "只有绿灯可以停止"


def test_editable_is_stated_once():
    assert LIGHT.editable(SimpleNamespace(status="red"))
    LIGHT.check_editable(SimpleNamespace(status="red"))
    with pytest.raises(ApplicationError) as refused:
        LIGHT.check_editable(SimpleNamespace(status="green"))
    assert refused.value.message == "信号灯当前状态为“绿灯”,不能修改"


def test_a_table_naming_an_unknown_state_or_a_name_twice_fails_at_import():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(subject="x", choices=Light, event_prefix="x",
                 transitions=[Transition("blink", {"amber"}, Light.RED, label="闪")])
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(subject="x", choices=Light, event_prefix="x",
                 transitions=[Transition("go", {Light.RED}, Light.GREEN, label="a"),
                              Transition("go", {Light.OFF}, Light.GREEN, label="b")])


def test_a_step_without_target_keeps_whichever_state_it_starts_from():
    noted = Workflow(subject="信号灯", choices=Light, event_prefix="light", transitions=[
        Transition("note", {Light.RED, Light.GREEN}, None, label="备注"),
    ])
    assert noted["note"].keeps_state
    assert [noted["note"].leads_from(state) for state in ("red", "green")] == ["red", "green"]
    assert noted.allowed(SimpleNamespace(status="green"), "note")
    with pytest.raises(ApplicationError):
        noted.check(SimpleNamespace(status="off"), "note")
