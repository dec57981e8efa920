"""Remarks on a finding's timeline, by anyone who sees it, in every state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.audit import record_event
from dudao.core.errors import deny_permission
from dudao.core.idempotency import clean_client_id
from dudao.core.models import Attachment
from dudao.core.transactions import retrying_atomic

from ..choices import FindingEventKind
from ..models import Finding, FindingEvent
from ..permissions import can_comment_finding
from ..workflow import FINDING
from . import records


@retrying_atomic
def finding_comment(*, actor, finding: Finding, note: str, attachments: Sequence[Attachment] = (),
                    client_id: str = "", now: dt.datetime | None = None) -> FindingEvent:
    """A remark (with photos) on the timeline by anyone who sees the finding. With a `client_id` a
    retry by the same person gives back the first remark (the same id with other content: 409)."""
    finding = records.lock(finding)
    if not can_comment_finding(actor, finding):
        deny_permission()
    client_id = clean_client_id(client_id)
    if (first := records.earlier_step(finding, actor, client_id, FindingEventKind.COMMENT, note=note,
                                      attachments=attachments)) is not None:
        return first
    FINDING.check(finding, "comment")
    now = now or timezone.now()
    note = records.text(note, "note", required=None if attachments else _("请填写评论内容"))
    event = records.timeline(finding, FindingEventKind.COMMENT, actor=actor, at=now, note=note, client_id=client_id)
    attachment_ids = records.attach(actor, finding, event, attachments)
    record_event(actor=actor, action="finding.comment", obj=finding, at=now,
                 after={"note": note, "attachment_ids": attachment_ids, "event_id": event.pk})
    return event
