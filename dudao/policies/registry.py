"""The one way to read policy: `policy_for(org, on=date).<area>.<key>`.

An organisation's policy on a date is its pack (packs/<name>.yaml) deep-merged with the overrides
of the latest version effective on or before that date: dicts merge key by key, anything else
(lists included) replaces. Validated policies are cached per (pack, version, version stamp), so a
new or replaced version is picked up at once; each call costs one small query.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.errors import ApplicationError, ErrorCode

from .models import PolicyVersion
from .schema import Policy
from .validation import validate_document

__all__ = [
    "PACKS_DIR",
    "available_packs",
    "deep_merge",
    "effective_document",
    "load_pack",
    "pack_document",
    "policy_for",
    "version_in_force",
]

PACKS_DIR = Path(__file__).resolve().parent / "packs"
_PACK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def available_packs() -> list[str]:
    """Names of the packs an organisation can start from, e.g. ["bank_branches", ...]."""
    return sorted(path.stem for path in PACKS_DIR.glob("*.yaml"))


@cache
def _pack(name: str) -> tuple[dict[str, Any], Policy]:
    if not _PACK_NAME.match(name or "") or name not in available_packs():
        raise ApplicationError(
            ErrorCode.POLICY_INVALID,
            _("未知的制度包:%(name)s(可用:%(available)s)") % {"name": name, "available": ", ".join(available_packs())},
            {"fields": {"pack": [_("未知的制度包:%(name)s") % {"name": name}]}},
        )
    with (PACKS_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    try:
        policy = validate_document(document)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, f"{name}.yaml: {exc.message}", exc.detail) from None
    return document, policy


def load_pack(name: str) -> Policy:
    """The validated defaults of a pack; an unknown pack is refused with ApplicationError naming it."""
    return _pack(name)[1]


def pack_document(name: str) -> dict[str, Any]:
    """A pack as a plain (mutable) document, a fresh copy on each call."""
    return copy.deepcopy(_pack(name)[0])


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`overrides` laid over `base`: dicts merge recursively, every other value replaces."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def effective_document(pack: str, overrides: dict[str, Any] | None) -> Policy:
    """Pack plus overrides, validated; a refusal names each offending dotted key."""
    document = _pack(pack)[0]
    if not overrides:
        return load_pack(pack)
    return validate_document(deep_merge(document, overrides))


def _as_date(on: dt.date | dt.datetime | None) -> dt.date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, dt.datetime):
        return timezone.localdate(on) if timezone.is_aware(on) else on.date()
    return on


def _organization_id(org) -> int:
    return org if isinstance(org, int) else org.pk


def version_in_force(org, on: dt.date | dt.datetime | None = None) -> PolicyVersion | None:
    """The organisation's version effective on `on` (today by default), or None: pack defaults."""
    return (
        PolicyVersion.objects.filter(organization_id=_organization_id(org), effective_from__lte=_as_date(on))
        .order_by("-effective_from")
        .first()
    )


@lru_cache(maxsize=512)
def _cached_policy(pack: str, version_id: int | None, stamp: str) -> Policy:
    if version_id is None:
        return load_pack(pack)
    overrides = PolicyVersion.objects.filter(pk=version_id).values_list("overrides", flat=True).first()
    return effective_document(pack, overrides or {})


def policy_for(org, on: dt.date | dt.datetime | None = None) -> Policy:
    """The policy of `org` (an Organization, or its id) in force on `on` (a date; today by default).

    Computations pass the date of the event they judge, so a later version never changes a past
    judgment. The result is frozen; an unknown area or key raises AttributeError.

    One small query (the organisation's pack with the id and stamp of the version in force), then the
    validated policy comes from this process's cache keyed by (pack, version id, version stamp). That
    is safe with any number of processes: a new or replaced version changes the key read on every
    call, so no process serves a policy older than the database's.
    """
    from dudao.org.models import Organization

    latest = (
        PolicyVersion.objects.filter(organization_id=OuterRef("pk"), effective_from__lte=_as_date(on))
        .order_by("-effective_from")
    )
    row = (
        Organization.objects.filter(pk=_organization_id(org))
        .values_list("policy_pack", Subquery(latest.values("pk")[:1]), Subquery(latest.values("updated_at")[:1]))
        .first()
    )
    if row is None:
        raise Organization.DoesNotExist(f"organisation {_organization_id(org)}")
    pack, version_id, stamp = row
    if version_id is None:
        return _cached_policy(pack, None, "")
    # A datetime, or its text where SQLite hands a subquery's value back unconverted: a key either way.
    return _cached_policy(pack, version_id, str(stamp))


def clear_cache() -> None:
    """Forget cached packs and policies (tests that edit pack files; never needed after a new version)."""
    _pack.cache_clear()
    _cached_policy.cache_clear()
