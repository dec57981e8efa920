"""Changing an organisation's policy: validated against the schema, dated, audited, atomic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event, snapshot, to_json_value
from dudao.core.errors import ApplicationError, ErrorCode, from_django_validation
from dudao.org.models import Organization

from .models import PolicyVersion
from .permissions import can_edit_policy
from .registry import effective_document

VERSION_AUDIT_FIELDS = ["effective_from", "overrides", "note", "created_by"]


def _field_error(field: str, message: str) -> ApplicationError:
    """A refusal whose message names the field, with the bare message under the field in `detail`."""
    return ApplicationError(ErrorCode.VALIDATION, f"{field}: {message}", {"fields": {field: [str(message)]}})


@transaction.atomic
def policy_version_create(
    *,
    actor,
    organization: Organization,
    effective_from: dt.date,
    overrides: dict[str, Any],
    note: str = "",
) -> PolicyVersion:
    """Set the organisation's overrides from `effective_from` (today or later) on.

    `overrides` is the complete set of values that differ from the pack (a partial document);
    keys left out return to the pack's value from that date. A version already set for the same
    date is replaced (audited as an update). Past dates are refused: judgments already made under
    the policy in force then must not change. Nothing is saved when the merged policy is invalid.
    """
    if not can_edit_policy(actor):
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("没有权限执行此操作"))
    if organization.pk != actor.organization_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))
    if isinstance(effective_from, dt.datetime) or not isinstance(effective_from, dt.date):
        raise _field_error("effective_from", _("必须是日期"))
    if effective_from < timezone.localdate():
        raise _field_error("effective_from", _("不能早于今天(已作出的判定不能追溯修改)"))
    if not isinstance(overrides, dict):
        raise _field_error("overrides", _("必须是对象(键值表)"))
    try:
        overrides = to_json_value(overrides)
    except TypeError as exc:
        raise _field_error("overrides", str(exc)) from None
    effective_document(organization.policy_pack, overrides)  # refuses naming each bad key

    version = (
        PolicyVersion.objects.select_for_update()
        .filter(organization_id=organization.pk, effective_from=effective_from)
        .first()
    )
    before = snapshot(version, VERSION_AUDIT_FIELDS) if version is not None else None
    if version is None:
        version = PolicyVersion(organization_id=organization.pk, effective_from=effective_from)
    version.overrides = overrides
    version.note = (note or "").strip()
    version.created_by = actor
    try:
        version.full_clean()
    except ValidationError as exc:
        raise from_django_validation(exc) from exc
    version.save()
    after = snapshot(version, VERSION_AUDIT_FIELDS)
    record_event(
        actor=actor,
        action="policy.override" if before is None else "policy.override.update",
        obj=version,
        before=before,
        after=after,
        organization_id=organization.pk,
    )
    return version
