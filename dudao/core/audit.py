"""The audit chain: every change, who made it, and the state before and after, hash-chained.

Services call `record_event` inside their own transaction, so a change and its audit row are
committed together or not at all. The chain head row is locked while a row is appended, which
serialises writers and keeps `seq` gapless.

Each event also carries `mac`, an HMAC of its hash under the audit key, and the head carries one of
its own position. The key lives outside the database (`DUDAO_AUDIT_KEY`, or the file var/audit_key
made on first use, like the secret key), so someone who can write to the tables, drop the triggers
and recompute the plain chain still cannot produce events or a head that verify. Signed anchors of
the head written outside the database (`dudao.core.audit_anchors`) catch a tail cut off together
with its head.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .bulk import insert_rows
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
KEY_FILE_NAME = "audit_key"


@functools.cache
def _key_from(configured: str | None, var_dir: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    key_file = Path(var_dir) / KEY_FILE_NAME
    if not key_file.exists():
        # O_EXCL: two processes starting at once agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"the audit key file {key_file} is empty")
    return key.encode("utf-8")


def audit_key() -> bytes:
    """The key the event and head MACs are made with: `DUDAO_AUDIT_KEY` (setting or environment), else
    the file var/audit_key. Never stored in the database; back it up apart from the database."""
    configured = getattr(settings, "DUDAO_AUDIT_KEY", None) or os.environ.get("DUDAO_AUDIT_KEY")
    return _key_from(configured, str(settings.VAR_DIR))


def event_mac(event_hash: str, key: bytes | None = None) -> str:
    return hmac.new(key or audit_key(), event_hash.encode("ascii"), hashlib.sha256).hexdigest()


def head_mac(seq: int, head_hash: str, key: bytes | None = None) -> str:
    """The head's MAC covers its position too, so the MAC of an earlier event cannot stand in for it."""
    return hmac.new(key or audit_key(), f"head:{seq}:{head_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a stored file
        return value.name
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


class _NotPlain(Exception):
    pass


def _plain_copy(value: Any) -> Any:
    """The JSON round trip of a value, without the round trip: a copy of plain JSON (str-keyed
    dicts, lists, str, int, bool, None) with decimals, dates, times and UUIDs turned into the text
    `_json_default` gives them; raises _NotPlain for anything else a round trip would change
    (tuples, floats, sets, non-text keys, subclasses such as choices), which then takes it."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        copy = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            copy[key] = _plain_copy(item)
        return copy
    if kind is list:
        return [_plain_copy(item) for item in value]
    if kind is decimal.Decimal or kind is uuid.UUID:
        return str(value)
    if kind is dt.datetime:
        return value.astimezone(dt.UTC).isoformat()
    if kind is dt.date or kind is dt.time:
        return value.isoformat()
    raise _NotPlain


def to_json_value(value: Any) -> Any:
    """The plain-JSON form a value takes in the log (and keeps when read back): what
    `json.loads(json.dumps(value, default=_json_default))` gives, by a direct copy when the value
    holds only the common kinds."""
    if value is None:
        return None
    try:
        return _plain_copy(value)
    except _NotPlain:
        return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The recordable state of a model instance: concrete fields, foreign keys as ids."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        if field.name in {"password"}:
            continue
        data[field.attname] = field.value_from_object(obj)
    return to_json_value(data)


_HASH_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(_HASH_ENCODER.encode({"prev": prev_hash, **fields}).encode("utf-8")).hexdigest()


# The event's fields the hash covers, in `record_event`, `record_events` and `verify_chain` alike.
HASHED_FIELDS = ("seq", "organization_id", "actor_id", "actor_name", "at", "object_type", "object_id", "action",
                 "before", "after")


def _hashed(values: dict[str, Any] | AuditEvent) -> dict[str, Any]:
    """The hashed fields of an event (an instance or a row of attname -> value), `at` as UTC ISO text."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    fields = {name: get(name) for name in HASHED_FIELDS}
    fields["at"] = fields["at"].astimezone(dt.UTC).isoformat()
    return fields


def object_label(obj: models.Model | tuple[str, Any]) -> tuple[str, str]:
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return obj._meta.label_lower, str(obj.pk)


# No savepoint of its own inside a caller's transaction (two queries fewer on every audited write):
# a failed append must fail the whole change it records, never be caught and skipped.
@transaction.atomic(savepoint=False)
def record_event(
    *,
    actor,
    action: str,
    obj: models.Model | tuple[str, Any],
    before: dict | None = None,
    after: dict | None = None,
    organization_id: int | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain. `obj` is a model instance or an (object_type, object_id) pair."""
    object_type, object_id = object_label(obj)
    if organization_id is None:
        organization_id = getattr(obj, "organization_id", None) or getattr(actor, "organization_id", None)
        if organization_id is None and obj.__class__.__name__ == "Organization":
            organization_id = obj.pk
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        seq=head.seq + 1,
        organization_id=organization_id,
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "display_name", "") or getattr(actor, "username", "")) if actor else "",
        at=(at or timezone.now()).astimezone(dt.UTC),
        object_type=object_type,
        object_id=object_id,
        action=action,
        before=to_json_value(before),
        after=to_json_value(after),
        prev_hash=head.hash,
    )
    event.hash = _event_hash(head.hash, _hashed(event))
    key = audit_key()
    event.mac = event_mac(event.hash, key)
    event.save(force_insert=True)
    head.seq, head.hash, head.mac = event.seq, event.hash, head_mac(event.seq, event.hash, key)
    head.save(update_fields=["seq", "hash", "mac"])
    return event


@transaction.atomic(savepoint=False)
def record_events(*, actor, action: str, objects: list, after: list[dict], at: dt.datetime | None = None,
                  organization_id: int | None = None, before: list[dict] | None = None) -> int:
    """Append one event per object in a fixed number of queries (for services that create or, with
    `before`, change in bulk); `objects` are instances or (object_type, object_id) pairs. The events
    are written as rows (`insert_rows`), not built as model instances: an import of 100,000
    figures appends 100,000 of them. Returns how many were appended."""
    if not objects:
        return 0
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    moment = (at or timezone.now()).astimezone(dt.UTC)
    actor_id = getattr(actor, "pk", None)
    actor_name = (getattr(actor, "display_name", "") or getattr(actor, "username", "")) if actor else ""
    rows: list[dict] = []
    key = audit_key()
    prev_hash, seq = head.hash, head.seq
    befores = before if before is not None else [None] * len(objects)
    for obj, state, previous in zip(objects, after, befores, strict=True):
        object_type, object_id = object_label(obj)
        seq += 1
        row = {
            "seq": seq,
            "organization_id": organization_id or getattr(obj, "organization_id", None),
            "actor_id": actor_id, "actor_name": actor_name, "at": moment,
            "object_type": object_type, "object_id": object_id, "action": action,
            "before": to_json_value(previous), "after": to_json_value(state), "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = _event_hash(prev_hash, _hashed(row))
        row["mac"] = hmac.new(key, prev_hash.encode("ascii"), hashlib.sha256).hexdigest()
        rows.append(row)
    insert_rows(AuditEvent, rows)
    head.seq, head.hash, head.mac = seq, prev_hash, head_mac(seq, prev_hash, key)
    head.save(update_fields=["seq", "hash", "mac"])
    return len(rows)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000, *, using: str = "default") -> ChainReport:
    """Walk the chain in order; report the first event whose link, content or MAC does not hold,
    then whether the head names the last event and carries a valid MAC."""
    key = audit_key()
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return ChainReport(False, checked, expected_seq, f"event #{expected_seq} is missing")
            return ChainReport(False, checked, event.seq, f"event #{event.seq} is out of sequence")
        if event.prev_hash != prev_hash:
            return ChainReport(
                False, checked, event.seq, f"event #{event.seq} does not link to the event before it"
            )
        if _event_hash(event.prev_hash, _hashed(event)) != event.hash:
            return ChainReport(False, checked, event.seq, f"event #{event.seq} was altered")
        if not hmac.compare_digest(event.mac, event_mac(event.hash, key)):
            return ChainReport(
                False, checked, event.seq,
                f"event #{event.seq} has no valid MAC: the chain was rewritten without the audit key "
                "(or the key in use is not the one the log was written with)",
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev_hash:
        if head_seq > checked:
            return ChainReport(False, checked, checked + 1, f"event #{checked + 1} is missing (chain ends early)")
        return ChainReport(False, checked, head_seq + 1, f"event #{head_seq + 1} was inserted after the head")
    if checked and not hmac.compare_digest(head.mac, head_mac(head_seq, head_hash, key)):
        return ChainReport(
            False, checked, head_seq + 1,
            f"the chain head (at event #{head_seq}) has no valid MAC: it was moved without the audit key, "
            f"so events after #{head_seq} were probably removed",
        )
    return ChainReport(True, checked)
