"""How other apps learn what became of the approvals they asked for: one handler per kind, or per
kind and subject.

An app that requests approval for its own objects (planning for plans, later reporting for
reports) registers a handler in its AppConfig.ready():

    register_outcome_handler("plan", plan_approval_outcome)

A kind asked for about objects of several apps (an appeal against an appraisal, or against a
penalty) is dispatched by the subject's model label instead, each app hearing only its own:

    register_outcome_handler("appeal", appraisal_appeal_outcome, subject="appraisal.appraisal")

The engine calls `handler(request, outcome)` with outcome "approved" or "rejected" inside the
transaction that made the final decision, so the subject's change and the decision commit together
(or not at all). A kind (or a kind and subject) has at most one handler: two apps claiming one is a
programming error. A handler for the subject wins over one for the whole kind.
"""

from __future__ import annotations

from collections.abc import Callable

from dudao.policies.choices import ApprovalKind

OutcomeHandler = Callable[..., None]

# kind -> handler for every subject; (kind, subject label) -> handler for that subject only.
_HANDLERS: dict[str, OutcomeHandler] = {}
_SUBJECT_HANDLERS: dict[tuple[str, str], OutcomeHandler] = {}


def _name(handler: OutcomeHandler) -> str:
    return f"{getattr(handler, '__module__', '')}.{getattr(handler, '__qualname__', repr(handler))}"


def register_outcome_handler(kind: str, handler: OutcomeHandler, *, subject: str = "") -> None:
    """Make `handler(request, outcome)` the one that hears the final decision on requests of `kind`
    (only those about a `subject` model, "app_label.modelname", when given)."""
    if kind not in ApprovalKind.values:
        raise ValueError(f"unknown approval kind: {kind}")
    table, key = (_SUBJECT_HANDLERS, (kind, subject.lower())) if subject else (_HANDLERS, kind)
    existing = table.get(key)
    if existing is not None and _name(existing) != _name(handler):
        raise ValueError(f"approval kind {key!r} already has an outcome handler: {_name(existing)}")
    table[key] = handler


def outcome_handler(kind: str, subject: str = "") -> OutcomeHandler | None:
    """The handler for a request of `kind` about a `subject` model (its `subject_type`)."""
    if subject:
        handler = _SUBJECT_HANDLERS.get((kind, subject.lower()))
        if handler is not None:
            return handler
    return _HANDLERS.get(kind)


def registered_kinds() -> frozenset[str]:
    return frozenset(_HANDLERS) | {kind for kind, _subject in _SUBJECT_HANDLERS}
