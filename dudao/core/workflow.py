"""One shape for every transition table (CONVENTIONS 2): predicate -> guard -> action -> event.

An app states its model's life once, in its `workflow.py`, as a `Workflow` of `Transition`s:

    FINDING = Workflow(
        subject=_("问题"), choices=FindingStatus, event_prefix="finding",
        editable=[FindingStatus.OPEN],
        transitions=[
            Transition("plan", {OPEN}, PLANNED, taken_by="rectify", label=_("制定整改计划")),
            ...
        ],
    )

- `allowed(obj, name)` is the predicate pages and buttons ask (no exception, no query);
- `check(obj, name)` is the guard services call before changing anything: it returns the
  transition or refuses with `INVALID_TRANSITION`, naming the state the object is in, in the
  transition's own words when it has them;
- `apply(obj, name, actor=...)` is the action and the event in one: snapshot, status, save, audit
  event, all inside the caller's transaction;
- `editable(obj)` / `check_editable(obj)` state once per model which states may still be edited.

A transition whose target equals its source keeps the state (a progress note, a recompile), and
one with no target (`None`) keeps whichever of its sources the object is in (a comment allowed in
every state): both are listed so that no step is possible from a state the table omits. `taken_by` names the scope action
(`Model.scope_roles`) whose roles take the step; who exactly may take it stays in the app's
`permissions.py`, the only place views and services ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .audit import record_event, snapshot
from .errors import ApplicationError, ErrorCode

DEFAULT_REFUSAL = gettext_lazy("%(subject)s当前状态为“%(status)s”,不能%(action)s")
NOT_EDITABLE = gettext_lazy("%(subject)s当前状态为“%(status)s”,不能修改")


@dataclass(frozen=True)
class Transition:
    """One named step: the states it may start from, the state it leads to, who takes it, its words."""

    name: str
    sources: frozenset[str]
    target: str | None
    """The state the step leads to; None keeps the state the object is in."""
    label: Promise | str
    taken_by: str = ""
    refusal: Promise | str | None = None
    """The refusal in this step's own words; `%(status)s`, `%(subject)s` and `%(action)s` may appear."""

    def __init__(self, name: str, sources: Iterable[str], target: str | None, *, label: Promise | str,
                 taken_by: str = "", refusal: Promise | str | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "target", None if target is None else str(target))
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "taken_by", taken_by)
        object.__setattr__(self, "refusal", refusal)

    @property
    def keeps_state(self) -> bool:
        return self.target is None or self.sources == frozenset({self.target})

    def leads_from(self, state: str) -> str:
        """The state the step leads to from `state` (one of its sources)."""
        return state if self.target is None else self.target


@dataclass
class Workflow:
    """A model's states, the transitions between them and the states in which it may be edited."""

    subject: Promise | str
    choices: type[models.TextChoices]
    transitions: Iterable[Transition]
    event_prefix: str
    editable_states: Iterable[str] = ()
    status_field: str = "status"
    table: dict[str, Transition] = field(init=False)

    def __post_init__(self) -> None:
        known = set(self.choices.values)
        self.table = {}
        for transition in self.transitions:
            if transition.name in self.table:
                raise ValueError(f"{self.event_prefix}: transition {transition.name!r} is declared twice")
            unknown = (transition.sources | {transition.target} - {None}) - known
            if unknown:
                raise ValueError(f"{self.event_prefix}.{transition.name}: unknown states {sorted(unknown)}")
            self.table[transition.name] = transition
        self.transitions = tuple(self.table.values())
        self.editable_states = frozenset(str(state) for state in self.editable_states)
        if self.editable_states - known:
            raise ValueError(f"{self.event_prefix}: unknown editable states {sorted(self.editable_states - known)}")

    # --- reading the table -------------------------------------------------------------------
    def __getitem__(self, name: str) -> Transition:
        return self.table[name]

    def state_of(self, obj) -> str:
        return str(getattr(obj, self.status_field))

    def status_label(self, state: str) -> str:
        try:
            return str(self.choices(state).label)
        except ValueError:
            return state

    def allowed(self, obj, name: str) -> bool:
        """Whether `name` may be taken from `obj`'s state: the predicate pages and buttons ask."""
        return self.state_of(obj) in self.table[name].sources

    def available(self, obj) -> list[Transition]:
        """Every transition that may be taken from `obj`'s state, in table order."""
        state = self.state_of(obj)
        return [t for t in self.transitions if state in t.sources]

    def editable(self, obj) -> bool:
        return self.state_of(obj) in self.editable_states

    # --- guards --------------------------------------------------------------------------------
    def check(self, obj, name: str) -> Transition:
        """The transition `name` for `obj`, or a refusal (409 INVALID_TRANSITION) naming its state."""
        transition = self.table[name]
        state = self.state_of(obj)
        if state not in transition.sources:
            words = {"subject": self.subject, "status": self.status_label(state), "action": transition.label}
            message = str(transition.refusal or DEFAULT_REFUSAL) % words
            raise ApplicationError(ErrorCode.INVALID_TRANSITION, message, {"status": state, "action": name})
        return transition

    def check_editable(self, obj) -> None:
        """Refuse (409 INVALID_TRANSITION) when `obj` may no longer be edited in its state."""
        if not self.editable(obj):
            state = self.state_of(obj)
            words = {"subject": self.subject, "status": self.status_label(state)}
            raise ApplicationError(ErrorCode.INVALID_TRANSITION, str(NOT_EDITABLE) % words,
                                   {"status": state, "action": "edit"})

    # --- the action and its event ----------------------------------------------------------------
    def apply(self, obj, name: str, *, actor, changes: dict[str, Any] | None = None,
              audit_fields: list[str] | None = None, extra: dict[str, Any] | None = None,
              event: str | None = None, at=None) -> Transition:
        """Take `name` on `obj` inside the caller's transaction: snapshot -> status (and `changes`)
        -> save -> audit event `<event_prefix>.<name>` (or `event`) with before and after.

        The caller has locked the row and checked permissions; `extra` adds keys to the event's
        after-state (a reason, the approval's id) that are not fields of the model."""
        transition = self.check(obj, name)
        before = snapshot(obj, audit_fields)
        setattr(obj, self.status_field, transition.leads_from(self.state_of(obj)))
        changes = changes or {}
        for attribute, value in changes.items():
            setattr(obj, attribute, value)
        obj.save(update_fields=[self.status_field, *changes])
        after = snapshot(obj, audit_fields)
        if extra:
            after.update(extra)
        record_event(actor=actor, action=event or f"{self.event_prefix}.{name}", obj=obj,
                     before=before, after=after, at=at)
        return transition
