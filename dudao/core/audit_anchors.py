"""Signed anchors of the audit chain, written outside the database.

An anchor records where the chain stood at a moment: for the whole chain and for each organisation,
the last event's `seq` and hash and how many events there were, with an HMAC under the audit key.
Anchors are appended as JSON lines to files in the anchor directory (`DUDAO_ANCHOR_DIR`, default
var/anchors, one file per month) and, when the default file storage is object storage, also written
as one object per anchoring under `audit-anchors/`. `dudao_verify_audit` then checks that the chain
still holds every anchored head: a log cut back (fewer events than anchored) or rewritten (another
hash at an anchored seq) shows even when the head row was moved along with it.

A line's MAC covers every other field, so an anchor cannot be edited or made up without the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db.models import Count, Max
from django.utils import timezone

from .audit import GENESIS_HASH, audit_key
from .models import AuditChainHead, AuditEvent

STORAGE_PREFIX = "audit-anchors"
_FIELDS = ("org", "seq", "hash", "count", "at")


def anchor_dir() -> Path:
    configured = getattr(settings, "DUDAO_ANCHOR_DIR", None) or os.environ.get("DUDAO_ANCHOR_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "anchors"


def _object_storage():
    """The default storage when it keeps files elsewhere than this machine's disk, else None."""
    storage = storages["default"]
    return None if isinstance(storage, FileSystemStorage) else storage


def anchor_mac(anchor: dict, key: bytes | None = None) -> str:
    message = json.dumps({name: anchor[name] for name in _FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key or audit_key(), b"anchor:" + message.encode("utf-8"), hashlib.sha256).hexdigest()


def current_anchors(*, at: dt.datetime | None = None, using: str = "default") -> list[dict]:
    """Where the chain stands now: one anchor for the whole chain (org None), one per organisation."""
    moment = (at or timezone.now()).astimezone(dt.UTC).isoformat()
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    anchors = [{"org": None, "seq": seq, "hash": head_hash, "count": seq, "at": moment}]
    per_org = (AuditEvent.objects.using(using).filter(organization_id__isnull=False, seq__lte=seq)
               .values("organization_id").annotate(last=Max("seq"), count=Count("id")).order_by("organization_id"))
    per_org = list(per_org)
    hashes = dict(AuditEvent.objects.using(using).filter(seq__in=[row["last"] for row in per_org])
                  .values_list("seq", "hash"))
    for row in per_org:
        anchors.append({"org": row["organization_id"], "seq": row["last"], "hash": hashes[row["last"]],
                        "count": row["count"], "at": moment})
    key = audit_key()
    for anchor in anchors:
        anchor["mac"] = anchor_mac(anchor, key)
    return anchors


def _lines(anchors: list[dict]) -> str:
    return "".join(json.dumps(anchor, sort_keys=True, separators=(",", ":")) + "\n" for anchor in anchors)


def write_anchors(*, at: dt.datetime | None = None) -> dict:
    """Anchor the chain now: append to this month's file and, with object storage, write an object.
    Returns where they went and the whole chain's anchor."""
    anchors = current_anchors(at=at)
    text = _lines(anchors)
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-{anchors[0]['at'][:7]}.jsonl"
    # Appended, never rewritten: O_APPEND and fsync, so a crash leaves whole earlier lines.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    written = {"file": str(path), "seq": anchors[0]["seq"], "hash": anchors[0]["hash"], "anchors": len(anchors)}
    storage = _object_storage()
    if storage is not None:
        stamp = anchors[0]["at"].replace(":", "").replace("-", "")[:15]
        written["object"] = storage.save(f"{STORAGE_PREFIX}/{stamp}-{anchors[0]['seq']}.jsonl",
                                         ContentFile(text.encode("utf-8")))
    return written


@dataclass
class Anchor:
    source: str
    data: dict


def read_anchors(directory: Path | None = None) -> tuple[list[Anchor], list[str]]:
    """Every anchor in the directory and (with object storage) the storage; and the lines that are
    not anchors at all, each named by where it is."""
    found: list[Anchor] = []
    problems: list[str] = []

    def parse(text: str, where: str) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or any(name not in data for name in (*_FIELDS, "mac")):
                    raise ValueError
            except ValueError:
                problems.append(f"{where} line {number} is not an anchor")
                continue
            found.append(Anchor(f"{where} line {number}", data))

    directory = directory or anchor_dir()
    if directory.is_dir():
        for path in sorted(directory.glob("*.jsonl")):
            parse(path.read_text(encoding="utf-8", errors="replace"), str(path))
    storage = _object_storage()
    if storage is not None:
        try:
            _dirs, names = storage.listdir(STORAGE_PREFIX)
        except FileNotFoundError:
            names = []
        for name in sorted(names):
            with storage.open(f"{STORAGE_PREFIX}/{name}") as handle:
                parse(handle.read().decode("utf-8", errors="replace"), f"storage {STORAGE_PREFIX}/{name}")
    return found, problems


def check_anchors(anchors: list[Anchor], *, using: str = "default") -> list[str]:
    """What the chain in the database contradicts: a bad MAC, an anchored event missing or with
    another hash, an organisation with fewer events than anchored. Empty when all hold."""
    key = audit_key()
    problems: list[str] = []
    genuine: list[Anchor] = []
    for anchor in anchors:
        if not hmac.compare_digest(str(anchor.data.get("mac", "")), anchor_mac(anchor.data, key)):
            problems.append(f"anchor at {anchor.source} has no valid MAC (forged, edited, or another key)")
        else:
            genuine.append(anchor)
    if not genuine:
        return problems
    total = AuditEvent.objects.using(using).count()
    last = AuditEvent.objects.using(using).aggregate(last=Max("seq"))["last"] or 0
    seqs = {a.data["seq"] for a in genuine if a.data["seq"]}
    hashes: dict[int, str] = {}
    seq_list = sorted(seqs)
    for start in range(0, len(seq_list), 500):
        hashes.update(AuditEvent.objects.using(using).filter(seq__in=seq_list[start:start + 500])
                      .values_list("seq", "hash"))
    latest_per_org: dict[int, Anchor] = {}
    for anchor in genuine:
        data = anchor.data
        if data["org"] is None:
            if data["count"] > total or data["seq"] > last:
                problems.append(
                    f"the log was cut back: the anchor of {data['at']} ({anchor.source}) recorded "
                    f"{data['count']} events up to #{data['seq']}, the database has {total} up to #{last}"
                )
                continue
        else:
            current = latest_per_org.get(data["org"])
            if current is None or data["seq"] > current.data["seq"]:
                latest_per_org[data["org"]] = anchor
        if data["seq"] and data["seq"] not in hashes:
            problems.append(f"event #{data['seq']}, anchored on {data['at']} ({anchor.source}), is missing")
        elif data["seq"] and hashes[data["seq"]] != data["hash"]:
            problems.append(
                f"event #{data['seq']} is not the one anchored on {data['at']} ({anchor.source}): "
                "the chain was rewritten"
            )
    for org, anchor in sorted(latest_per_org.items()):
        count = AuditEvent.objects.using(using).filter(organization_id=org, seq__lte=anchor.data["seq"]).count()
        if count != anchor.data["count"]:
            problems.append(
                f"organisation {org} has {count} events up to #{anchor.data['seq']}, the anchor of "
                f"{anchor.data['at']} ({anchor.source}) recorded {anchor.data['count']}"
            )
    # One message per kind of contradiction is enough to act on; the first few name where.
    return problems
