"""How other apps learn what became of the approvals they asked for: one handler per kind.

An app that requests approval for its own objects (planning for plans, later reporting for
reports) registers a handler in its AppConfig.ready():

    register_outcome_handler("plan", plan_approval_outcome)

The engine calls `handler(request, outcome)` with outcome "approved" or "rejected" inside the
transaction that made the final decision, so the subject's change and the decision commit together
(or not at all). A kind has at most one handler: two apps claiming one kind is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable

from dudao.policies.choices import ApprovalKind

OutcomeHandler = Callable[..., None]

_HANDLERS: dict[str, OutcomeHandler] = {}


def _name(handler: OutcomeHandler) -> str:
    return f"{getattr(handler, '__module__', '')}.{getattr(handler, '__qualname__', repr(handler))}"


def register_outcome_handler(kind: str, handler: OutcomeHandler) -> None:
    """Make `handler(request, outcome)` the one that hears the final decision on requests of `kind`."""
    if kind not in ApprovalKind.values:
        raise ValueError(f"unknown approval kind: {kind}")
    existing = _HANDLERS.get(kind)
    if existing is not None and _name(existing) != _name(handler):
        raise ValueError(f"approval kind {kind!r} already has an outcome handler: {_name(existing)}")
    _HANDLERS[kind] = handler


def outcome_handler(kind: str) -> OutcomeHandler | None:
    return _HANDLERS.get(kind)


def registered_kinds() -> frozenset[str]:
    return frozenset(_HANDLERS)
